"""The rules' computations split into independent units, and the pure function run per unit.

Each splitter cuts a projection into weakly connected components (nothing a rule computes crosses
one: a guarantee circle is a strongly connected component, which lies inside a weak one; a
company's beneficial owners are read from its ownership ancestors, which lie in its component, and
from the family clusters of the persons there), runs the unchanged algorithm of
``risk_rules.algorithms`` on each through the executor, and puts the results together in the order
the unsplit computation gives them.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np

from risk_rules.algorithms import BeneficialOwnership, ControlResult, GuaranteeCircle, beneficial_owners
from risk_rules.algorithms import guarantee_circles_from_edges as _circles_from_edges
from risk_rules.algorithms._common import node_dicts, pred_dicts
from risk_rules.execution.components import edges_by_component
from risk_rules.execution.executors import Executor

# --------------------------------------------------------------------------------------------
# guarantee circles, per weakly connected component of the guarantee network


@dataclass(frozen=True)
class GuaranteeUnit:
    """The guarantee edges of one weakly connected component, in the projection's order."""

    guarantors: np.ndarray
    borrowers: np.ndarray
    amounts: np.ndarray | None


def circles_of_unit(unit: GuaranteeUnit, **kwargs: Any) -> tuple[GuaranteeCircle, ...]:
    """The circles of one component (:func:`~risk_rules.algorithms.guarantee_circles_from_edges`)."""
    return _circles_from_edges(unit.guarantors, unit.borrowers, unit.amounts, **kwargs)


def guarantee_circles_split(
    executor: Executor,
    guarantors: Sequence[str] | np.ndarray,
    borrowers: Sequence[str] | np.ndarray,
    amounts: Sequence[float] | np.ndarray | None = None,
    *,
    min_size: int = 2,
    **kwargs: Any,
) -> tuple[GuaranteeCircle, ...]:
    """:func:`~risk_rules.algorithms.guarantee_circles_from_edges`, one component per unit.

    A component with fewer edges than ``max(min_size, 2)`` holds no circle (a circle of k members
    has at least k edges) and is not sent. The circles come back in the algorithm's order
    (largest first, then by first member), so the result equals the unsplit call's, which is what
    runs where splitting does not pay (``executor.splitting_pays``).
    """
    g = np.asarray(guarantors, dtype=object)
    b = np.asarray(borrowers, dtype=object)
    a = None if amounts is None else np.asarray(amounts, dtype=np.float64)
    if not executor.splitting_pays:
        return _circles_from_edges(g, b, a, min_size=min_size, **kwargs)
    parts = edges_by_component(g, b, min_edges=max(min_size, 2))
    units = [GuaranteeUnit(g[p], b[p], None if a is None else a[p]) for p in parts]
    fn = functools.partial(circles_of_unit, min_size=min_size, **kwargs)
    found = executor.map(fn, units, costs=[float(len(p)) for p in parts])
    circles = [c for part in found for c in part]
    circles.sort(key=lambda c: (-c.size, c.members[0]))
    return tuple(circles)


# --------------------------------------------------------------------------------------------
# beneficial owners, per weakly connected component of the ownership graph


@dataclass(frozen=True)
class OwnershipUnit:
    """One ownership component: its graph (holders in the projection's order), the companies whose
    owners are wanted, the positions at its companies and the family ties of its persons' clusters
    (None when no family tie is taken into account, as the unsplit rule passes none)."""

    graph: nx.DiGraph
    companies: tuple[str, ...]
    positions: tuple[tuple[str, str, str], ...]
    family: tuple[tuple[str, str, str], ...] | None
    #: the run's control results of ``companies`` (absent: not controlled), or None to solve them
    controllers: dict[str, ControlResult] | None = None


def ancestors(G: nx.DiGraph, node: str) -> set[str]:
    """``nx.ancestors`` by a plain walk over the predecessor dicts (no dispatch per call)."""
    pred = pred_dicts(G)
    seen: set[str] = set()
    stack = [node]
    while stack:
        for h in pred[stack.pop()]:
            if h not in seen:
                seen.add(h)
                stack.append(h)
    seen.discard(node)
    return seen


def upstream_copy(G: nx.DiGraph, node: str, anc: set[str]) -> nx.DiGraph:
    """A plain DiGraph of ``node`` and its ancestors: what ``G.subgraph`` gives, without the view's
    filtering on every access. Each node's holders keep G's order (sums run in the same order)."""
    keep = anc | {node}
    sub: nx.DiGraph = nx.DiGraph()
    attrs = node_dicts(G)
    sub.add_nodes_from((n, attrs[n]) for n in keep)  # node order is never read, holder order is
    pred = pred_dicts(G)
    for x in sub:
        for h, d in pred[x].items():
            if h in keep:
                sub.add_edge(h, x, **d)
    return sub


def family_index(pairs: Sequence[tuple[str, str, str]]) -> dict[str, list[tuple[str, str, str]]]:
    index: dict[str, list[tuple[str, str, str]]] = {}
    for pair in pairs:
        index.setdefault(pair[0], []).append(pair)
        index.setdefault(pair[1], []).append(pair)
    return index


def family_of(index: dict[str, list[tuple[str, str, str]]], persons: set[str]) -> list[tuple[str, str, str]]:
    """Family ties of the clusters (transitively) around ``persons``: what the control solver needs."""
    seen = set(persons)
    stack = list(persons)
    pairs: set[tuple[str, str, str]] = set()
    while stack:
        p = stack.pop()
        for pair in index.get(p, ()):
            pairs.add(pair)
            for q in pair[:2]:
                if q not in seen:
                    seen.add(q)
                    stack.append(q)
    return sorted(pairs)


def owners_of_company(
    G: nx.DiGraph,
    company: str,
    pos_by_company: dict[str, list[tuple[str, str, str]]],
    fam_index: dict[str, list[tuple[str, str, str]]] | None,
    controllers: Mapping[str, ControlResult] | None = None,
    **kwargs: Any,
) -> BeneficialOwnership:
    """One company's beneficial owners, solved on its ownership ancestors only (its control read
    from ``controllers``, the run's results, when given: absent means nobody controls it)."""
    anc = ancestors(G, company)
    sub = upstream_copy(G, company, anc)
    anc_companies = {company} | {a for a in anc if G.nodes[a].get("kind") == "company"}
    positions = [row for c in anc_companies for row in pos_by_company.get(c, ())]
    persons = {a for a in anc if G.nodes[a].get("kind") == "person"} | {p for p, _, _ in positions}
    fam_sub = family_of(fam_index, persons) if fam_index is not None else None
    ctrl = None
    if controllers is not None:
        ctrl = controllers.get(company) or ControlResult(company, None, None, ())
    return beneficial_owners(
        sub, company, positions=positions, family_pairs=fam_sub, controller=ctrl, **kwargs
    )


def positions_by_company(
    positions: Sequence[tuple[str, str, str]],
) -> dict[str, list[tuple[str, str, str]]]:
    out: dict[str, list[tuple[str, str, str]]] = {}
    for p, c, r in positions:
        out.setdefault(c, []).append((p, c, r))
    return out


def owners_of_unit(unit: OwnershipUnit, **kwargs: Any) -> list[BeneficialOwnership]:
    """The beneficial owners of a component's companies, in the unit's company order."""
    pos = positions_by_company(unit.positions)
    fam = family_index(unit.family) if unit.family is not None else None
    return [owners_of_company(unit.graph, c, pos, fam, unit.controllers, **kwargs) for c in unit.companies]


#: Companies per ownership unit: the generator's ownership graph has one weak component holding
#: about three quarters of all holders and companies at every scale (bench/rules/executors.py), so
#: a component's companies are cut into units of at most this many, each carrying only the
#: upstream closure its companies are solved on.
MAX_COMPANIES_PER_UNIT = 200


def ownership_units(
    G: nx.DiGraph,
    companies: Sequence[str],
    positions: Sequence[tuple[str, str, str]],
    family: Sequence[tuple[str, str, str]] | None,
    *,
    max_companies: int = MAX_COMPANIES_PER_UNIT,
) -> list[OwnershipUnit]:
    """Self-contained units of at most ``max_companies`` of ``companies`` each.

    Companies are grouped by weakly connected component of ``G`` (in the given order within one),
    and a unit's graph is the upstream closure of its companies — every holder above them, with
    every holding among those nodes in ``G``'s order — which is all a company's owners are read
    from. A family cluster (persons joined by family ties) goes with every unit one of its persons
    is in: the control solver reads the whole cluster around a holder, wherever the others hold.
    """
    comp_of: dict[str, int] = {}
    for i, comp in enumerate(nx.weakly_connected_components(G)):
        for n in comp:
            comp_of[n] = i
    by_comp: dict[int, list[str]] = {}
    for c in companies:
        by_comp.setdefault(comp_of[c], []).append(c)
    groups = [
        targets[k : k + max_companies]
        for targets in sorted(by_comp.values(), key=lambda t: t[0])
        for k in range(0, len(targets), max_companies)
    ]
    pos = positions_by_company(positions)
    clusters = _family_clusters(family) if family else None
    attrs = node_dicts(G)
    pred = pred_dicts(G)
    rank = {n: i for i, n in enumerate(G)}
    units = []
    for targets in groups:
        keep = set(targets)
        for c in targets:
            keep |= ancestors(G, c)
        nodes = sorted(keep, key=rank.__getitem__)  # G's node order, not the set's
        sub: nx.DiGraph = nx.DiGraph()
        sub.add_nodes_from((n, attrs[n]) for n in nodes)
        for x in nodes:
            for h, d in pred[x].items():
                sub.add_edge(h, x, **d)
        unit_pos = tuple(row for n in nodes for row in pos.get(n, ()))
        fam: tuple[tuple[str, str, str], ...] | None = None
        if clusters is not None:
            persons = {n for n in nodes if attrs[n].get("kind") == "person"} | {p for p, _, _ in unit_pos}
            fam = tuple(sorted({pair for p in persons for pair in clusters.get(p, ())}))
        units.append(OwnershipUnit(sub, tuple(targets), unit_pos, fam))
    return units


def _family_clusters(family: Sequence[tuple[str, str, str]]) -> dict[str, tuple[tuple[str, str, str], ...]]:
    """Person → every family tie of the cluster (connected by family ties) the person is in."""
    index = family_index(family)
    out: dict[str, tuple[tuple[str, str, str], ...]] = {}
    for p in index:
        if p in out:
            continue
        pairs = tuple(family_of(index, {p}))
        for pair in pairs:
            out[pair[0]] = pairs
            out[pair[1]] = pairs
    return out


def beneficial_owners_split(
    executor: Executor,
    G: nx.DiGraph,
    companies: Sequence[str],
    positions: Sequence[tuple[str, str, str]],
    family: Sequence[tuple[str, str, str]] | None,
    controllers: Mapping[str, ControlResult] | None = None,
    **kwargs: Any,
) -> dict[str, BeneficialOwnership]:
    """{company: :func:`~risk_rules.algorithms.beneficial_owners`} of ``companies``, in units of
    :func:`ownership_units` (cost: companies × nodes of the unit's upstream closure); where
    splitting does not pay (``executor.splitting_pays``), in one unit of the whole graph (no
    closures are copied: each company is solved on its ancestors either way). ``controllers``:
    the run's control results (every controlled company), which each unit carries for its
    companies instead of solving their control again."""
    if not executor.splitting_pays:
        whole = OwnershipUnit(
            G,
            tuple(companies),
            tuple(positions),
            None if family is None else tuple(family),
            None if controllers is None else dict(controllers),
        )
        return {bo.company: bo for bo in owners_of_unit(whole, **kwargs)}
    units = ownership_units(G, companies, positions, family)
    if controllers is not None:
        units = [
            dataclasses.replace(u, controllers={c: controllers[c] for c in u.companies if c in controllers})
            for u in units
        ]
    fn = functools.partial(owners_of_unit, **kwargs)
    costs = [float(len(u.companies) * u.graph.number_of_nodes()) for u in units]
    found = executor.map(fn, units, costs=costs)
    return {bo.company: bo for part in found for bo in part}
