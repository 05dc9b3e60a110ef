"""Ownership and control (股权穿透, 受益所有人, 实际控制人).

Graph convention: ``nx.DiGraph`` (or ``MultiDiGraph``: parallel edges are summed) whose edges go
**holder → company** with attribute ``pct`` in [0, 100]; node attribute ``kind`` is "person" or
"company" (a node without ``kind`` counts as a person when its id starts with ``"P:"``).
Positions (person → company with a role) are passed as ``(person, company, role)`` tuples or as
a graph whose edges carry ``role``; family ties as ``(person, person, relation)`` tuples.

Modules, by topic:

- ``holdings`` — the shared ground: the holdings graph cleaned and collapsed, who is a person,
  families and positions (used by control, beneficial owners and ``groups``).
- ``integrated`` — integrated (look-through) ownership and the paths behind it.
- ``control`` — actual controllers and the control chain.
- ``beneficial`` — the beneficial-owner cascade.

Functions:

- :func:`integrated_ownership` — every holder's integrated share in one company (all layers,
  exact with cross-holdings, by a sparse linear solve on the company's ancestors).
- :func:`ownership_paths` — the top contributing paths of one holder into one company.
- :func:`ownership_inconsistencies` — companies whose recorded holders sum to more than 100%;
  :func:`upstream_inconsistencies` — those a company's ownership results are computed from.
- :func:`actual_controller` / :func:`all_controllers` — the (ultimate) controller and the
  control chain proving it (majority, plurality with margin, or half the board).
- :func:`beneficial_owners` — natural persons ≥ 25% (or the controller, or the senior manager).
- :func:`near_relatives` / :func:`family_clusters` — a person's own near relatives (family scope
  "near") or every chain of them (scope "extended"), for a family voting as one controller;
  :func:`extended_family` — in-laws and other two-step relatives, kept as evidence.

Definition (integrated ownership). Let ``A[i, j] = pct(i → j) / 100``. The integrated share of X
in Y is the sum over all ownership paths X → … → Y of the product of the fractions along the
path. With cross-holdings there are infinitely many walks; their sum is the Neumann series
``S = A + A² + … = (I − A)⁻¹ − I``, which converges whenever every company's recorded holders
sum to at most 100% and no set of companies is 100% owned within itself. Column y of S solves
``(I − A) s = A[:, y]`` and only ancestors of y take part, so each target is solved on its own
ancestor set (path sums in topological order when acyclic, sparse LU otherwise). References: Vitali, Glattfelder & Battiston, "The network of global
corporate control", PLoS ONE 6(10), 2011 (integrated ownership); Brioschi, Buzzacchi & Colombo,
"Risk capital financing and the separation of ownership and control in business groups", Journal
of Banking & Finance 13 (1989) (the (I − A)⁻¹ formulation); 银发〔2018〕164号 and
《受益所有人信息管理办法》(2024) for the beneficial-owner cascade.
"""

from .beneficial import BeneficialOwner, BeneficialOwnership, beneficial_owners
from .control import ControlLink, ControlResult, actual_controller, all_controllers
from .holdings import (
    FAMILY_SCOPES,
    NEAR_RELATIVES,
    ExtendedTie,
    FamilyTies,
    OwnershipDataError,
    extended_family,
    family_clusters,
    near_relatives,
    positions_by_company,
)
from .integrated import (
    OwnershipIssue,
    OwnershipPath,
    integrated_ownership,
    ownership_inconsistencies,
    ownership_paths,
    upstream_inconsistencies,
)

__all__ = [
    "NEAR_RELATIVES",
    "FAMILY_SCOPES",
    "ExtendedTie",
    "FamilyTies",
    "extended_family",
    "near_relatives",
    "OwnershipDataError",
    "OwnershipPath",
    "ControlLink",
    "ControlResult",
    "BeneficialOwner",
    "BeneficialOwnership",
    "integrated_ownership",
    "ownership_paths",
    "ownership_inconsistencies",
    "upstream_inconsistencies",
    "OwnershipIssue",
    "family_clusters",
    "positions_by_company",
    "actual_controller",
    "all_controllers",
    "beneficial_owners",
]
