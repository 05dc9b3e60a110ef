"""Beneficial owners (受益所有人) by the regulatory cascade: natural persons above the threshold,
else the controller, else the senior manager (《受益所有人信息管理办法》, 2024; 银发〔2018〕164号).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx

from .._common import PCT_EPS, check_choice
from .control import ControlLink, ControlResult, actual_controller
from .holdings import holdings, is_person, positions_by_company, upstream_holdings
from .integrated import OwnershipPath, holdings_paths, integrated_column


@dataclass(frozen=True)
class BeneficialOwner:
    """One beneficial owner. ``basis`` is "ownership", "control" or "senior_manager".

    ``share`` is the integrated ownership pct (also reported for control/manager owners);
    ``paths`` are the best contributing ownership paths and ``paths_cover`` their summed product,
    so a reader sees how much of ``share`` the listed evidence explains.
    """

    person: str
    basis: str
    share: float
    paths: tuple[OwnershipPath, ...] = ()
    paths_cover: float = 0.0
    control_chain: tuple[ControlLink, ...] = ()
    role: str | None = None


@dataclass(frozen=True)
class BeneficialOwnership:
    """Result of :func:`beneficial_owners`; ``basis`` tells which step of the cascade applied
    ("ownership", "control", "senior_manager" or "none")."""

    company: str
    threshold: float
    comparison: str
    basis: str
    owners: tuple[BeneficialOwner, ...]


def _meets(share: float, threshold: float, comparison: str) -> bool:
    if comparison == ">=":
        return share >= threshold - PCT_EPS
    return share > threshold + PCT_EPS


def beneficial_owners(
    G: nx.DiGraph,
    company: Hashable,
    *,
    threshold: float = 25.0,
    comparison: str = ">=",
    pct_attr: str = "pct",
    positions: Iterable[tuple[str, str, str]] | nx.Graph | None = None,
    family_pairs: Iterable[tuple[str, str, str]] | None = None,
    manager_roles: tuple[str, ...] = ("senior_manager", "legal_representative"),
    max_paths: int = 5,
    max_hops: int | None = None,
    control_kwargs: Mapping[str, Any] | None = None,
    criteria: str = "cumulative",
    controller: ControlResult | None = None,
) -> BeneficialOwnership:
    """Beneficial owners (受益所有人) of ``company`` by the regulatory cascade.

    1. "ownership": natural persons whose integrated share ``comparison`` ``threshold``
       (default ``>= 25``; KYC texts that say "more than 25%" use ``comparison=">"``). Shares are
       compared with a 1e-9 pp tolerance so 50% × 50% counts as exactly 25%.
    2. else "control": the natural person(s) in the ultimate controller block
       (:func:`actual_controller`, with ``control_kwargs`` passed through).
    3. else "senior_manager": persons holding the first of ``manager_roles`` present at the
       company in ``positions``.
    Otherwise ``basis="none"`` and no owners.

    ``criteria`` says how steps 1 and 2 combine. "cumulative" (default; 受益所有人信息管理办法
    2024 art. 6 lists the ownership and the control criteria side by side, the senior manager only
    when no person meets either): the owners are every person meeting step 1 *and* every person
    in control by step 2 (basis "ownership" when step 1 found anyone, else "control").
    "sequential" (银发〔2018〕164号 依次判定): step 2 only when step 1 found nobody.

    Each owner carries its best ``max_paths`` ownership paths (``paths_cover`` = their summed
    product) and, for "control", the control chain.

    ``controller``: the company's :func:`actual_controller` result when the caller has it already
    (a rule run solves every company's control once, with the same ``control_kwargs``, positions
    and family ties); control depends only on the company's upstream, so it is the answer of
    step 2, and solving it again per company would repeat the run's work.

    Example:
        >>> G = nx.DiGraph([("P:a", "H", {"pct": 50}), ("H", "X", {"pct": 50}), ("P:b", "X", {"pct": 24.99})])
        >>> [(o.person, round(o.share, 6)) for o in beneficial_owners(G, "X").owners]
        [('P:a', 25.0)]
        >>> beneficial_owners(G, "X", comparison=">").basis
        'control'

    Cumulative and sequential differ where a 25% owner is not the controller:

        >>> G = nx.DiGraph([("P:a", "X", {"pct": 26}), ("P:c", "H", {"pct": 60}), ("H", "X", {"pct": 40}),
        ...                 ("P:d", "H", {"pct": 40})])
        >>> [(o.person, o.basis) for o in beneficial_owners(G, "X").owners]
        [('P:a', 'ownership'), ('P:c', 'control')]
        >>> [(o.person, o.basis) for o in beneficial_owners(G, "X", criteria="sequential").owners]
        [('P:a', 'ownership')]
    """
    check_choice("comparison", comparison, (">=", ">"))
    check_choice("criteria", criteria, ("cumulative", "sequential"))
    if company in G:
        anc = nx.ancestors(G, company)
        if len(anc) + 1 < len(G):  # a view iterates like G itself, so G serves when it is all upstream
            G = G.subgraph(anc | {company})
    H = upstream_holdings(G, company, pct_attr) if company in G else holdings(G, pct_attr)
    shares = {n: 100.0 * f for n, f in integrated_column(H, company).items()} if company in H else {}

    def owner(person: Hashable, basis: str, **kw) -> BeneficialOwner:
        paths = holdings_paths(H, person, company, max_paths, max_hops) if person in shares else ()
        return BeneficialOwner(
            person=str(person),
            basis=basis,
            share=shares.get(person, 0.0),
            paths=paths,
            paths_cover=sum(p.product for p in paths),
            **kw,
        )

    people = sorted(
        (p for p, s in shares.items() if is_person(H, p) and _meets(s, threshold, comparison)), key=str
    )
    by_share = tuple(sorted((owner(p, "ownership") for p in people), key=lambda o: (-o.share, o.person)))
    if people and criteria == "sequential":
        return BeneficialOwnership(str(company), threshold, comparison, "ownership", by_share)

    ctrl = controller
    if ctrl is None:
        ctrl = actual_controller(
            G,
            company,
            pct_attr=pct_attr,
            positions=positions,
            family_pairs=family_pairs,
            **dict(control_kwargs or {}),
        )
    if ctrl.controller is not None:
        persons = [p for p in ctrl.controller if is_person(H, p) and p not in people]
        if persons or people:
            owners = by_share + tuple(owner(p, "control", control_chain=ctrl.chain) for p in sorted(persons))
            basis = "ownership" if people else "control"
            return BeneficialOwnership(str(company), threshold, comparison, basis, owners)
    if people:
        return BeneficialOwnership(str(company), threshold, comparison, "ownership", by_share)

    rows = positions_by_company(positions).get(str(company), [])
    for role in manager_roles:
        managers = sorted({p for p, r in rows if r == role.lower()})
        if managers:
            owners = tuple(owner(p, "senior_manager", role=role) for p in managers)
            return BeneficialOwnership(str(company), threshold, comparison, "senior_manager", owners)
    return BeneficialOwnership(str(company), threshold, comparison, "none", ())
