"""Group customers, related parties and concentration limits (集团客户, 关联方, 集中度).

Inputs are the ownership graph of :mod:`.ownership` (holder → company, ``pct``), positions as
``(person, company, role)`` tuples (or a graph with ``role`` on edges) and family ties as
``(person, person, relation)`` tuples. Nothing here touches a database.

Functions:

- :func:`control_groups` — groups of entities under common (ultimate) control, a family cluster
  counting as one controller (集团客户指引 art. 3).
- :func:`related_parties` — the related parties of an applicant, each with the relation paths
  explaining why (关联交易管理办法).
- :func:`aggregate_exposure` — loans + bank guarantees over a set of entities.
- :func:`concentration_checks` — the arithmetic of every concentration limit (numerator,
  denominator, ratio, limit, breach), optionally including a requested amount.

Default limits (all parameters, see :class:`ExposureLimits`): single borrower loans ≤ 10% of net
capital (商业银行法 art. 39); group customer ≤ 15% of net capital (商业银行集团客户授信业务风险管理
指引); large exposure to a non-bank single / group customer ≤ 15% / 20% of tier-1 capital (商业银行
大额风险暴露管理办法, 2018); related party single / group / all ≤ 10% / 15% / 50% of net capital
(银行保险机构关联交易管理办法, 2022, art. 16).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

import networkx as nx

from ._common import UnionFind, stable_id
from .ownership.control import (
    CONTROL_THRESHOLDS,
    ControlLink,
    ControlResult,
    all_controllers,
    control_solver,
    family_blocks,
)
from .ownership.holdings import (
    NEAR_RELATIVES,
    ExtendedTie,
    FamilyTies,
    extended_family,
    holdings,
    is_person,
    positions_by_company,
)
from .ownership.integrated import holdings_paths, integrated_column

__all__ = [
    "ControlGroup",
    "RelationStep",
    "RelatedParty",
    "Exposure",
    "ExposureLimits",
    "LimitCheck",
    "control_groups",
    "related_parties",
    "RelatedPartyFinder",
    "aggregate_exposure",
    "concentration_checks",
]


# --------------------------------------------------------------------------------------------
# groups


@dataclass(frozen=True)
class ControlGroup:
    """Entities under common control.

    ``controllers`` are the top control blocks of the group (usually one; a family block lists
    all its persons). ``members`` are the controlled entities plus any controller that is a
    company. ``control_cycle`` is True when the group's control is circular (companies
    controlling each other through cross-holdings, no controller above them). ``evidence`` gives
    each controlled member's control chain. ``extended_family`` lists the controllers' in-laws
    and other two-step relatives: shown as evidence, not merged into the group (family scope
    "near").
    """

    group_id: str
    controllers: tuple[tuple[str, ...], ...]
    members: tuple[str, ...]
    control_cycle: bool
    evidence: tuple[tuple[str, tuple[ControlLink, ...]], ...]
    extended_family: tuple[ExtendedTie, ...] = ()

    def chain_of(self, member: str) -> tuple[ControlLink, ...]:
        for m, chain in self.evidence:
            if m == member:
                return chain
        return ()


def _block_key(block: tuple[str, ...]) -> str:
    return block[0] if len(block) == 1 else "FAMILY:" + "|".join(block)


def _near_family_blocks(
    blocks: Mapping[str, tuple[str, ...]], near: Mapping[str, frozenset[str]], weight: Mapping[str, int]
) -> dict[str, tuple[str, ...]]:
    """Join controller blocks of one near family: {block key: the family's joined block}.

    Blocks are taken by the number of companies they control (``weight``), then by size and key:
    the principal investor of a family heads it (商业银行集团客户授信业务风险管理指引 art. 3: a
    principal investor "与其近亲属" controlling jointly). A head takes every other block made only
    of near relatives of each of its persons (a husband's company and his wife's are one group). The
    family is that of the head's principal person: the one — among the head's persons and those of
    their near relatives who control companies themselves — whose near relatives' blocks it covers
    most, so the companies of a controller, his child and his sibling are one group whichever of
    their blocks controls most (an in-law is joined only through a relative of both who controls
    companies, as in a control block). A block joins one family only, so an in-law's companies are
    never chained in through a relative of both who controls nothing, nor across two families.

    Example (a father F, his son S and his brother B; the son's block controls most):
        >>> near = {"P:F": frozenset({"P:S", "P:B"}), "P:S": frozenset({"P:F"}), "P:B": frozenset({"P:F"})}
        >>> blocks = {"P:S": ("P:S",), "P:F": ("P:F",), "P:B": ("P:B",)}
        >>> sorted(set(_near_family_blocks(blocks, near, {"P:S": 3, "P:F": 1, "P:B": 1}).values()))
        [('P:B', 'P:F', 'P:S')]
    """
    eligible = {k: b for k, b in blocks.items() if any(x in near for x in b)}
    by_person: dict[str, set[str]] = {}
    for k, b in eligible.items():
        for x in b:
            by_person.setdefault(x, set()).add(k)
    out: dict[str, tuple[str, ...]] = {}
    taken: set[str] = set()
    for head in sorted(eligible, key=lambda k: (-weight.get(k, 0), -len(eligible[k]), k)):
        if head in taken:
            continue
        taken.add(head)

        # the family of the head's principal person: the one whose near relatives' blocks are most
        def covered(x: str) -> int:
            f = {x, *near.get(x, ())}
            ks = {k for y in f for k in by_person.get(y, ())}  # only blocks with a person in f can be in f
            return sum(weight.get(k, 0) for k in ks if k not in taken and set(eligible[k]) <= f)

        # the principal person is one of the head's persons, or a near relative of them who controls
        # companies himself or herself (a controller's child heading the family's largest block
        # still belongs to the parent's family) and has every person of the head as a near relative
        persons = set(eligible[head])
        candidates = persons | {
            r for x in persons for r in near.get(x, ()) if r in by_person and persons <= {r, *near.get(r, ())}
        }
        anchor = min(candidates, key=lambda x: (-covered(x), x not in persons, x))
        fam = {anchor, *near.get(anchor, ())} | set(eligible[head])
        nearby = {k for x in fam for k in by_person.get(x, ())}
        keys = [k for k in sorted(nearby) if k not in taken and set(eligible[k]) <= fam]
        if not keys:
            continue
        joined = tuple(sorted({x for k in (head, *keys) for x in eligible[k]}))
        for k in (head, *keys):
            out[k] = joined
            taken.add(k)
    return out


def control_groups(
    G: nx.DiGraph,
    *,
    positions: Iterable[tuple[str, str, str]] | nx.Graph | None = None,
    family_pairs: Iterable[tuple[str, str, str]] | FamilyTies | None = None,
    min_members: int = 2,
    controllers: Mapping[str, ControlResult] | None = None,
    **control_kwargs,
) -> tuple[ControlGroup, ...]:
    """Group customers (集团客户): entities under common control.

    Every controlled company is joined to its ultimate controller block from
    :func:`~.ownership.all_controllers` (control is transitive; a person and his near relatives
    form one block when ``family_pairs`` is given). Blocks that are themselves controlled
    companies are merged with their controllers, so the result is the connected components of
    the "controlled by" relation. With ``family_scope="near"`` (default) the companies a person
    and his or her near relatives control (alone or jointly) are one group; an in-law's
    companies are a group of their own, listed in ``extended_family``. Groups with fewer than ``min_members`` members are dropped.
    Pass precomputed ``controllers`` to avoid recomputing control, and ``family_pairs`` as
    :class:`~.ownership.FamilyTies` to reuse an index of the ties built already; ``control_kwargs``
    (majority, plurality, margin, board_roles, pct_attr) go to :func:`~.ownership.all_controllers`.

    Example:
        >>> G = nx.DiGraph([("P:h", "A", {"pct": 30}), ("P:w", "A", {"pct": 25}), ("A", "B", {"pct": 80})])
        >>> [(g.controllers, g.members) for g in control_groups(G, family_pairs=[("P:h", "P:w", "spouse")])]
        [((('P:h', 'P:w'),), ('A', 'B'))]
    """
    ties = FamilyTies.of(family_pairs)  # indexed once: control, family blocks and every group's in-laws
    if controllers is None:
        controllers = all_controllers(G, positions=positions, family_pairs=ties, **control_kwargs)
    uf: UnionFind[str] = UnionFind()
    blocks: dict[str, tuple[str, ...]] = {}
    for res in controllers.values():
        assert res.controller is not None
        blocks[_block_key(res.controller)] = res.controller
    scope = control_kwargs.get("family_scope", "near")
    weight: dict[str, int] = {}
    for res in controllers.values():
        key = _block_key(res.controller)  # type: ignore[arg-type]
        weight[key] = weight.get(key, 0) + 1
    joined = _near_family_blocks(blocks, ties.near, weight) if scope == "near" else {}
    canon = {_block_key(block) for block in joined.values()}
    for block in joined.values():
        blocks[_block_key(block)] = block
    for company, res in controllers.items():
        assert res.controller is not None
        key = _block_key(res.controller)
        uf.union(company, _block_key(joined[key]) if key in joined else key)
    groups = []
    for root_members in uf.groups().values():
        members_set = set(root_members)
        controlled = sorted(m for m in members_set if m in controllers)
        top = sorted(
            {
                blocks[k]
                for k in members_set
                if k in blocks
                and (k not in joined or k in canon)
                and not (len(blocks[k]) == 1 and blocks[k][0] in controllers)
            }
        )
        cycle = not top
        if cycle:
            top = sorted({controllers[m].controller for m in controlled})  # type: ignore[misc]
        member_ids = set(controlled)
        for block in top:
            if len(block) == 1 and block[0] in G and not is_person(G, block[0]):
                member_ids.add(block[0])
        if len(member_ids) < min_members:
            continue
        top_persons = {x for block in top for x in block}
        groups.append(
            ControlGroup(
                group_id=stable_id("GRP", member_ids),
                controllers=tuple(top),
                members=tuple(sorted(member_ids)),
                control_cycle=cycle,
                evidence=tuple((m, controllers[m].chain) for m in controlled),
                extended_family=tuple(
                    t for t in extended_family(ties, top_persons) if t.relative not in top_persons
                ),
            )
        )
    groups.sort(key=lambda g: (-len(g.members), g.members[0]))
    return tuple(groups)


# --------------------------------------------------------------------------------------------
# related parties


@dataclass(frozen=True)
class RelationStep:
    """One hop of a relation path: ``source`` —``relation`` (``detail``)→ ``target``."""

    source: str
    relation: str
    target: str
    detail: str = ""


def _path_order(path: tuple[RelationStep, ...]) -> tuple[int, tuple[tuple[str, str, str, str], ...]]:
    """Shortest relation paths first, then by their steps' fields: a fixed order, so the same
    reasons are shown on every run (the fields, not the dataclasses' text, for speed)."""
    return len(path), tuple((s.source, s.relation, s.target, s.detail) for s in path)


@dataclass(frozen=True)
class RelatedParty:
    """A related party of the applicant with the kinds of relation and up to ``max_reasons``
    relation paths (each a tuple of :class:`RelationStep` starting at the applicant)."""

    entity: str
    kinds: tuple[str, ...]
    reasons: tuple[tuple[RelationStep, ...], ...]


def _chain_steps(chain: tuple[ControlLink, ...]) -> tuple[RelationStep, ...]:
    return tuple(
        RelationStep("+".join(link.controller), "controls", link.company, f"{link.basis} {link.votes:.4g}%")
        for link in chain
    )


def _membership(entity: str, chain: tuple[ControlLink, ...]) -> tuple[RelationStep, ...]:
    """Link a person to the family block that exercises control in ``chain`` (if any)."""
    for link in chain:
        if len(link.controller) > 1 and entity in link.controller:
            return (RelationStep(entity, "member_of_controlling_family", "+".join(link.controller)),)
    return ()


def related_parties(
    G: nx.DiGraph,
    applicant: Hashable,
    *,
    positions: Iterable[tuple[str, str, str]] | nx.Graph | None = None,
    family_pairs: Iterable[tuple[str, str, str]] | None = None,
    shareholder_threshold: float = 5.0,
    officer_roles: tuple[str, ...] = ("legal_representative", "chairman", "director", "senior_manager"),
    max_reasons: int = 3,
    controllers: Mapping[str, ControlResult] | None = None,
    family_as_one_controller: bool = True,
    **control_kwargs,
) -> tuple[RelatedParty, ...]:
    """Related parties (关联方) of ``applicant``, each with the paths explaining the relation.

    Kinds:

    - "controller": members of the applicant's ultimate controller block; "intermediate_controller":
      companies on its control chain (path: the control chain).
    - "controlled_entity": entities the applicant controls (directly or through its subsidiaries;
      computed with the applicant held uncontrolled, so this works when it has a parent too).
    - "shareholder": holders with integrated share ≥ ``shareholder_threshold`` (default 5%) in the
      applicant (path: the best ownership path).
    - "officer": persons holding one of ``officer_roles`` at the applicant.
    - "near_relative": spouse/parent/child/sibling (direct family pairs, not the transitive
      cluster) of any person found above.
    - "controlled_by_related": entities controlled (through any chain) by any related party above,
      e.g. sister companies, companies of directors and of their relatives.

    ``family_pairs`` always supply the near relatives; with ``family_as_one_controller`` (default)
    they also merge a family into one controlling block, as in :func:`control_groups`. Pass the
    same setting that produced a precomputed ``controllers`` mapping.

    The applicant itself is not listed. Results are sorted by entity id.

    Example:
        >>> G = nx.DiGraph([("P:1", "A", {"pct": 60}), ("P:1", "S", {"pct": 70})])
        >>> [(r.entity, r.kinds) for r in related_parties(G, "A")]
        [('P:1', ('controller', 'shareholder')), ('S', ('controlled_by_related',))]
    """
    finder = RelatedPartyFinder(
        G,
        positions=positions,
        family_pairs=family_pairs,
        controllers=controllers,
        family_as_one_controller=family_as_one_controller,
        officer_roles=officer_roles,
        **control_kwargs,
    )
    return finder.of(applicant, shareholder_threshold=shareholder_threshold, max_reasons=max_reasons)


class RelatedPartyFinder:
    """:func:`related_parties` for many applicants of one graph: the holdings, the normalised
    positions and family ties, the controllers and each entity's controlled companies are built
    once and shared, so a rule run can ask for every entity's related parties at the cost of the
    answers rather than of the graph per applicant.

    ``controlled_by(e)`` — the companies ``e`` (or its family block) controls, with chains starting
    at it — is read from ``controllers`` when ``e`` is a person or a company nobody controls (then
    holding it uncontrolled changes nothing); only a controlled company needs its own solve, with
    itself held uncontrolled so that its subsidiaries are found although its parent controls them
    ultimately.
    """

    def __init__(
        self,
        G: nx.DiGraph,
        *,
        positions: Iterable[tuple[str, str, str]] | nx.Graph | None = None,
        family_pairs: Iterable[tuple[str, str, str]] | None = None,
        controllers: Mapping[str, ControlResult] | None = None,
        family_as_one_controller: bool = True,
        officer_roles: tuple[str, ...] = ("legal_representative", "chairman", "director", "senior_manager"),
        **control_kwargs,
    ) -> None:
        family_pairs = list(family_pairs or ())
        control_families = family_pairs if family_as_one_controller else None
        if controllers is None:
            controllers = all_controllers(
                G, positions=positions, family_pairs=control_families, **control_kwargs
            )
        self.controllers = controllers
        self.H = holdings(G, control_kwargs.get("pct_attr", "pct"))
        self.positions = positions_by_company(positions)
        self.families, self.near = family_blocks(control_families, control_kwargs.get("family_scope", "near"))
        self.control_kwargs = control_kwargs
        # the thresholds given; control_solver applies the defaults of the others
        self.thresholds = {k: v for k, v in control_kwargs.items() if k in CONTROL_THRESHOLDS}
        self.officer_roles = frozenset(r.lower() for r in officer_roles)
        self.relatives: dict[str, list[tuple[str, str]]] = {}
        for a, b, rel in family_pairs:
            rel = str(rel).lower()
            if rel in NEAR_RELATIVES and a != b:
                self.relatives.setdefault(str(a), []).append((str(b), rel))
                self.relatives.setdefault(str(b), []).append((str(a), rel))
        # person or company → companies whose controller block includes it (the chains start at it)
        self._controls: dict[str, dict[str, tuple[ControlLink, ...]]] = {}
        for c, res in sorted(controllers.items()):
            for p in res.controller or ():
                if p != c:
                    self._controls.setdefault(p, {})[c] = res.chain
        self._cache: dict[str, dict[str, tuple[ControlLink, ...]]] = {}
        # id of a chain → (the chain, its steps): one chain is shown to every related party of
        # every applicant it reaches (the chain is kept so that its id stays its own)
        self._chain_text: dict[int, tuple[tuple[ControlLink, ...], tuple[RelationStep, ...]]] = {}

    def _steps(self, chain: tuple[ControlLink, ...]) -> tuple[RelationStep, ...]:
        """:func:`_chain_steps` of ``chain``, built once per chain object."""
        hit = self._chain_text.get(id(chain))
        if hit is None or hit[0] is not chain:
            hit = self._chain_text[id(chain)] = (chain, _chain_steps(chain))
        return hit[1]

    def controlled_by(self, entity: str) -> dict[str, tuple[ControlLink, ...]]:
        """Companies that ``entity`` (or its family block) controls, with chains starting at it."""
        if entity in self._cache:
            return self._cache[entity]
        own = self.controllers.get(entity)
        if own is None or own.controller is None:
            out = dict(self._controls.get(entity, {}))
        else:
            out = self._solve_held_uncontrolled(entity)
        self._cache[entity] = out
        return out

    def _solve_held_uncontrolled(self, entity: str) -> dict[str, tuple[ControlLink, ...]]:
        H = self.H
        out: dict[str, tuple[ControlLink, ...]] = {}
        if entity in H and H.out_degree(entity):  # a company holding nothing controls nothing
            desc = nx.descendants(H, entity)
            scope = set(desc) | {entity}
            stack = list(desc)
            while stack:  # every holder upstream of a descendant can sway its control
                x = stack.pop()
                for p in H.predecessors(x):
                    if p not in scope:
                        scope.add(p)
                        stack.append(p)
            solver = control_solver(
                nx.DiGraph(H.subgraph(scope)),
                positions=self.positions,
                families=self.families,
                near=self.near,
                **self.thresholds,
            )
            solver.memo[entity] = ControlResult(entity, None, None, ())
            solver.solve(sorted(desc, key=str))
            for x in sorted(desc, key=str):  # a fixed order: the set's would vary per process
                r = solver.memo.get(x)
                if r is not None and r.controller is not None and entity in r.controller and str(x) != entity:
                    out[str(x)] = r.chain
        for c, chain in self._controls.get(entity, {}).items():  # jointly with relatives holding stakes
            if c != entity and len(self.controllers[c].controller or ()) > 1:
                out.setdefault(c, chain)
        return out

    def of(
        self, applicant: Hashable, *, shareholder_threshold: float = 5.0, max_reasons: int = 3
    ) -> tuple[RelatedParty, ...]:
        """The related parties of ``applicant`` (see :func:`related_parties`)."""
        app = str(applicant)
        H = self.H
        controllers = self.controllers
        found: dict[str, dict[str, list[tuple[RelationStep, ...]]]] = {}

        def add(entity: str, kind: str, path: tuple[RelationStep, ...]) -> None:
            if entity == app:
                return
            path = tuple(dict.fromkeys(path))  # joined sub-paths may repeat a step
            found.setdefault(entity, {}).setdefault(kind, []).append(path)

        # 1. controllers
        own = controllers.get(app)
        if own is not None and own.controller is not None:
            steps = self._steps(own.chain)
            for p in own.controller:
                add(p, "controller", _membership(p, own.chain) + steps)
            for link in own.chain[:-1]:
                add(link.company, "intermediate_controller", steps)
        # 2. controlled entities
        for c, chain in self.controlled_by(app).items():
            add(c, "controlled_entity", _membership(app, chain) + self._steps(chain))
        # 3. shareholders ≥ threshold (integrated)
        if app in H:
            for holder, frac in integrated_column(H, app).items():
                if 100.0 * frac >= shareholder_threshold - 1e-9:
                    best = holdings_paths(H, holder, app, 1, None)
                    steps = tuple(
                        RelationStep(a, "holds", b, f"{q:.4g}%")
                        for path in best
                        for a, b, q in zip(path.nodes, path.nodes[1:], path.pcts, strict=False)
                    )
                    if not best or abs(sum(p.product for p in best) - 100.0 * frac) > 1e-9:
                        steps += (RelationStep(str(holder), "integrated_share", app, f"{100 * frac:.4g}%"),)
                    add(str(holder), "shareholder", steps)
        # 4. officers
        for person, role in self.positions.get(app, []):
            if role in self.officer_roles:
                add(person, "officer", (RelationStep(person, role, app),))
        # 5. near relatives of related persons
        for person in sorted(e for e in found if is_person(H, e)):  # fixed orders: see _path_order
            base = min((p for paths in found[person].values() for p in paths), key=_path_order)
            for rel_person, rel in self.relatives.get(person, []):
                add(rel_person, "near_relative", base + (RelationStep(person, rel, rel_person),))
        # 6. entities controlled by any related party (incl. the applicant's controller: sister companies)
        for party in sorted(found):
            base = min((p for paths in found[party].values() for p in paths), key=_path_order)
            for c, chain in self.controlled_by(party).items():
                add(c, "controlled_by_related", base + _membership(party, chain) + self._steps(chain))

        out = []
        for entity in sorted(found):
            kinds = found[entity]
            paths = sorted({p for ps in kinds.values() for p in ps}, key=_path_order)
            out.append(RelatedParty(entity, tuple(sorted(kinds)), tuple(paths[:max_reasons])))
        return tuple(out)


# --------------------------------------------------------------------------------------------
# exposure and limits


@dataclass(frozen=True)
class Exposure:
    """Aggregated credit exposure of a set of entities (one borrower, a group, related parties).

    ``loans`` are outstanding loans; ``guarantees`` are guarantees/LCs *the bank* issued on the
    entities' behalf (off-balance exposure). ``missing`` lists members with neither figure.
    """

    label: str
    loans: float
    guarantees: float
    per_member: tuple[tuple[str, float, float], ...]
    missing: tuple[str, ...]

    @property
    def total(self) -> float:
        return self.loans + self.guarantees


def aggregate_exposure(
    members: Iterable[Hashable],
    loans: Mapping[str, float],
    guarantees: Mapping[str, float] | None = None,
    *,
    label: str = "",
) -> Exposure:
    """Sum loans and bank guarantees over ``members`` (deduplicated).

    Example:
        >>> aggregate_exposure(["A", "B", "A"], {"A": 10.0}, {"B": 5.0}, label="grp").total
        15.0
    """
    guarantees = guarantees or {}
    rows, missing = [], []
    tl = tg = 0.0
    for m in sorted({str(x) for x in members}):
        lo, gu = loans.get(m), guarantees.get(m)
        if lo is None and gu is None:
            missing.append(m)
        lo, gu = float(lo or 0.0), float(gu or 0.0)
        tl += lo
        tg += gu
        rows.append((m, lo, gu))
    return Exposure(label, tl, tg, tuple(rows), tuple(missing))


@dataclass(frozen=True)
class ExposureLimits:
    """Concentration limits as fractions of the stated capital base (all regulatory defaults)."""

    single_borrower: float = 0.10  # loans / net capital — 商业银行法 art. 39
    group_customer: float = 0.15  # credit / net capital — 集团客户授信业务风险管理指引
    large_single: float = 0.15  # exposure / tier-1 — 大额风险暴露管理办法 (non-bank single)
    large_group: float = 0.20  # exposure / tier-1 — 大额风险暴露管理办法 (non-bank group)
    related_single: float = 0.10  # credit / net capital — 关联交易管理办法 art. 16
    related_group: float = 0.15
    related_all: float = 0.50


@dataclass(frozen=True)
class LimitCheck:
    """The arithmetic of one limit: ``ratio = (numerator + requested) / denominator``;
    ``breach = ratio > limit``; ``headroom`` = how much more fits under the limit (may be < 0)."""

    name: str
    source: str
    numerator: float
    requested: float
    denominator: float
    denominator_name: str
    ratio: float
    limit: float
    breach: bool
    headroom: float

    def as_json(self) -> dict[str, object]:
        """The limit's figures as alert evidence and API answers carry them (``requested`` is left to
        the callers that have a request)."""
        return {
            "name": self.name,
            "source": self.source,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "denominator_name": self.denominator_name,
            "ratio": self.ratio,
            "limit": self.limit,
            "breach": self.breach,
            "headroom": self.headroom,
        }


def _check(
    name: str, source: str, num: float, req: float, den: float, den_name: str, limit: float
) -> LimitCheck:
    ratio = (num + req) / den
    return LimitCheck(
        name, source, num, req, den, den_name, ratio, limit, ratio > limit + 1e-12, limit * den - num - req
    )


def concentration_checks(
    *,
    net_capital: float,
    tier1_capital: float,
    borrower: Exposure,
    group: Exposure | None = None,
    requested: float = 0.0,
    requested_kind: str = "loan",
    related_party: bool = False,
    related_group: Exposure | None = None,
    all_related: Exposure | None = None,
    limits: ExposureLimits = ExposureLimits(),
) -> tuple[LimitCheck, ...]:
    """Every applicable concentration limit with its arithmetic.

    ``requested`` (the amount applied for) is added to each check's numerator; a
    ``requested_kind="guarantee"`` request does not count toward the loans-only single-borrower
    limit. Related-party checks are produced only when ``related_party`` is True (single), and
    when ``related_group`` / ``all_related`` are given. ``group`` should include the borrower.

    Example:
        >>> b = aggregate_exposure(["A"], {"A": 8.0}, {"A": 2.0})
        >>> [(c.name, round(c.ratio, 3), c.breach) for c in concentration_checks(
        ...     net_capital=100.0, tier1_capital=80.0, borrower=b, requested=3.0)]
        [('single_borrower', 0.11, True), ('large_exposure_single', 0.163, True)]
    """
    for name, val in (("net_capital", net_capital), ("tier1_capital", tier1_capital)):
        if not val or val <= 0:
            raise ValueError(f"{name} 必须为正数 / {name} must be positive (got {val!r})")
    if requested_kind not in ("loan", "guarantee"):
        raise ValueError(f"requested_kind 取值无效 / invalid requested_kind: {requested_kind!r}")
    req_loan = requested if requested_kind == "loan" else 0.0
    out = [
        _check(
            "single_borrower",
            "商业银行法 art. 39",
            borrower.loans,
            req_loan,
            net_capital,
            "net_capital",
            limits.single_borrower,
        ),
        _check(
            "large_exposure_single",
            "大额风险暴露管理办法",
            borrower.total,
            requested,
            tier1_capital,
            "tier1_capital",
            limits.large_single,
        ),
    ]
    if group is not None:
        out.append(
            _check(
                "group_customer",
                "集团客户授信业务风险管理指引",
                group.total,
                requested,
                net_capital,
                "net_capital",
                limits.group_customer,
            )
        )
        out.append(
            _check(
                "large_exposure_group",
                "大额风险暴露管理办法",
                group.total,
                requested,
                tier1_capital,
                "tier1_capital",
                limits.large_group,
            )
        )
    if related_party:
        out.append(
            _check(
                "related_party_single",
                "关联交易管理办法 art. 16",
                borrower.total,
                requested,
                net_capital,
                "net_capital",
                limits.related_single,
            )
        )
    if related_group is not None:
        out.append(
            _check(
                "related_party_group",
                "关联交易管理办法 art. 16",
                related_group.total,
                requested,
                net_capital,
                "net_capital",
                limits.related_group,
            )
        )
    if all_related is not None:
        out.append(
            _check(
                "related_party_all",
                "关联交易管理办法 art. 16",
                all_related.total,
                requested if related_party else 0.0,
                net_capital,
                "net_capital",
                limits.related_all,
            )
        )
    return tuple(out)
