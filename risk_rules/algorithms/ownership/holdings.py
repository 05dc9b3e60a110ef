"""The holdings graph every ownership algorithm starts from, and the facts around it.

Shared by integrated ownership, control, beneficial owners and ``groups``: the graph is read once,
collapsed to one ``pct`` per holder → company (parallel records summed, self-holdings dropped,
invalid stakes rejected), and persons, family clusters and board positions are told apart the
same way everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

import networkx as nx

from .._common import PCT_EPS, UnionFind, pred_dicts

#: Relations counted as 近亲属 (near relatives) when merging a family into one controller.
NEAR_RELATIVES = frozenset({"spouse", "parent", "child", "sibling"})

#: How far a family reaches when it votes as one block: "near" = a person and his or her own
#: near relatives (银行保险机构关联交易管理办法: 近亲属); "extended" = everyone connected by a chain
#: of near-relative ties (in-laws such as a spouse's sibling or a sibling's spouse included).
FAMILY_SCOPES = ("near", "extended")


class OwnershipDataError(ValueError):
    """Ownership data that makes integrated shares undefined (> 100% held, or a closed 100% loop)."""


def is_person(G: nx.Graph, node: Hashable) -> bool:
    kind = G.nodes[node].get("kind") if node in G else None
    if kind is not None:
        return kind == "person"
    return str(node).startswith("P:")


def upstream_holders(G: nx.DiGraph, target: Hashable, pct_attr: str) -> dict[Hashable, dict[Hashable, float]]:
    """{entity: {holder: summed pct}} for ``target`` and everything upstream of it, in one pass
    over ``G`` (validating pct, skipping self-holdings and zero/missing stakes)."""
    multi = G.is_multigraph()
    holders: dict[Hashable, dict[Hashable, float]] = {}
    stack = [target]
    holders[target] = {}
    while stack:
        x = stack.pop()
        hs = holders[x]
        for h, data in pred_dicts(G)[x].items():
            if h == x:
                continue
            vals = [d.get(pct_attr) for d in data.values()] if multi else [data.get(pct_attr)]
            total = 0.0
            for p in vals:
                if p is None:
                    continue
                p = float(p)
                if p < 0 or p > 100 + PCT_EPS or math.isnan(p):
                    raise OwnershipDataError(f"持股比例无效 {h}→{x}: {p} / invalid pct {h}->{x}: {p}")
                total += p
            if total <= 0:
                continue
            hs[h] = total
            if h not in holders:
                holders[h] = {}
                stack.append(h)
    return holders


def upstream_holdings(G: nx.DiGraph, target: Hashable, pct_attr: str) -> nx.DiGraph:
    """:func:`holdings` of ``target``'s upstream in a single upward pass (no views): the collapsed
    holdings of ``target`` and of every entity holding it directly or indirectly."""
    holders = upstream_holders(G, target, pct_attr)
    H: nx.DiGraph = nx.DiGraph()
    H.add_nodes_from((n, G.nodes[n]) for n in holders)
    H.add_edges_from((h, x, {"pct": p}) for x, hs in holders.items() for h, p in hs.items())
    return H


def holdings(G: nx.DiGraph, pct_attr: str) -> nx.DiGraph:
    """Collapse to a simple DiGraph with summed pct; drop self-holdings (treasury shares carry no
    vote) and zero edges; reject negative or > 100 values."""
    H: nx.DiGraph = nx.DiGraph()
    H.add_nodes_from(G.nodes(data=True))
    p: object
    for u, v, p in G.edges(data=pct_attr, default=None):
        if p is None or u == v:
            continue
        pct = float(p)
        if pct < 0 or pct > 100 + PCT_EPS or math.isnan(pct):
            raise OwnershipDataError(f"持股比例无效 {u}→{v}: {pct} / invalid pct {u}->{v}: {pct}")
        if pct == 0:
            continue
        if H.has_edge(u, v):
            H[u][v]["pct"] += pct
        else:
            H.add_edge(u, v, pct=pct)
    return H


def clean_holdings(G: nx.DiGraph, pct_attr: str) -> nx.DiGraph:
    """``G`` itself when it already is what :func:`holdings` would build (a simple DiGraph whose
    ``pct`` are floats in (0, 100], no self-holdings), else :func:`holdings`: the whole-graph
    control pass then needs no second copy of a million-edge graph. Readers of the result use
    only ``pct`` and never depend on the order holders are stored in."""
    if pct_attr == "pct" and type(G) is nx.DiGraph:
        limit = 100 + PCT_EPS
        p: object
        for u, v, p in G.edges(data="pct"):
            if u == v or type(p) is not float or not 0 < p <= limit:
                break
        else:
            return G
    return holdings(G, pct_attr)


def family_clusters(
    family_pairs: Iterable[tuple[str, str, str]] | FamilyTies | None,
) -> dict[str, tuple[str, ...]]:
    """Map each person with a near relative to the sorted members of its family cluster.

    Clusters are connected components of the near-relative relation (``NEAR_RELATIVES``), so an
    in-law chain (A's sibling's spouse) is merged too: this is the "extended" family scope, used
    only when a bank chooses it; by default a family block is a person and his or her own near
    relatives (:func:`near_relatives`). Ages are not known here, so "adult children" cannot be
    checked.

    Example:
        >>> family_clusters([("P:h", "P:w", "spouse"), ("P:w", "P:x", "colleague")])
        {'P:h': ('P:h', 'P:w'), 'P:w': ('P:h', 'P:w')}
    """
    if isinstance(family_pairs, FamilyTies):
        family_pairs = family_pairs.pairs
    uf: UnionFind[str] = UnionFind()
    for a, b, rel in family_pairs or ():
        if str(rel).lower() in NEAR_RELATIVES and a != b:
            uf.union(str(a), str(b))
    out: dict[str, tuple[str, ...]] = {}
    for members in uf.groups().values():
        t = tuple(sorted(str(m) for m in members))
        for m in t:
            out[m] = t
    return out


def near_relatives(
    family_pairs: Iterable[tuple[str, str, str]] | FamilyTies | None,
) -> Mapping[str, frozenset[str]]:
    """Each person's own near relatives (direct spouse/parent/child/sibling ties, not chains):
    :attr:`FamilyTies.near`, so pass :class:`FamilyTies` to reuse an index already built.

    Example:
        >>> sorted(near_relatives([("P:h", "P:w", "spouse"), ("P:w", "P:b", "sibling")])["P:w"])
        ['P:b', 'P:h']
    """
    return FamilyTies.of(family_pairs).near


@dataclass(frozen=True)
class ExtendedTie:
    """An extended-family tie: ``person`` —``relations[0]``→ ``via`` —``relations[1]``→ ``relative``
    (e.g. a spouse's sibling), where ``relative`` is not a near relative of ``person``."""

    person: str
    relative: str
    via: str
    relations: tuple[str, str]


@dataclass(frozen=True)
class FamilyTies:
    """The near-relative ties indexed once: a rule asks for the in-laws of thousands of controllers,
    and rescanning every family pair for each of them is quadratic at a bank's scale. One index
    serves a whole rule run: the control solver's near relatives (:func:`near_relatives`), the
    groups' family blocks and the in-laws shown as evidence; ``pairs`` keeps the family pairs it
    was built from, for what needs them as rows (:func:`family_clusters`, units of work)."""

    near: Mapping[str, frozenset[str]]
    relation: Mapping[tuple[str, str], str]
    pairs: tuple[tuple[str, str, str], ...] = ()

    @classmethod
    def of(cls, family_pairs: Iterable[tuple[str, str, str]] | FamilyTies | None) -> FamilyTies:
        if isinstance(family_pairs, FamilyTies):
            return family_pairs
        pairs = tuple(family_pairs or ())
        relation: dict[tuple[str, str], str] = {}
        near: dict[str, set[str]] = {}
        for a, b, rel in pairs:
            r = str(rel).lower()
            if r in NEAR_RELATIVES and a != b:
                relation.setdefault((str(a), str(b)), r)
                relation.setdefault((str(b), str(a)), r)
                near.setdefault(str(a), set()).add(str(b))
                near.setdefault(str(b), set()).add(str(a))
        return cls({k: frozenset(v) for k, v in near.items()}, relation, pairs)


def extended_family(
    family_pairs: Iterable[tuple[str, str, str]] | FamilyTies | None, persons: Iterable[str]
) -> tuple[ExtendedTie, ...]:
    """The extended family (in-laws and other two-step relatives) of ``persons``: relatives
    reached through one near relative who are not near relatives themselves. Kept as evidence;
    they are related parties or one control block only when the family scope says so. Pass
    :class:`FamilyTies` when asking for many persons' in-laws over the same pairs.

    Example:
        >>> fam = [("P:h", "P:w", "spouse"), ("P:w", "P:b", "sibling")]
        >>> [(t.person, t.relative, t.via, t.relations) for t in extended_family(fam, ["P:h"])]
        [('P:h', 'P:b', 'P:w', ('spouse', 'sibling'))]
        >>> extended_family(FamilyTies.of(fam), ["P:h"]) == extended_family(fam, ["P:h"])
        True
    """
    ties = FamilyTies.of(family_pairs)
    near, rel_of = ties.near, ties.relation
    out: dict[tuple[str, str], ExtendedTie] = {}
    for p in sorted({str(x) for x in persons}):
        mine = near.get(p, frozenset())
        for via in sorted(mine):
            for r in sorted(near.get(via, ())):
                if r != p and r not in mine and (p, r) not in out:
                    out[(p, r)] = ExtendedTie(p, r, via, (rel_of[(p, via)], rel_of[(via, r)]))
    return tuple(out[k] for k in sorted(out))


def positions_by_company(
    positions: Iterable[tuple[str, str, str]] | nx.Graph | None,
) -> dict[str, list[tuple[str, str]]]:
    """Normalise positions to {company: [(person, role), ...]} (sorted, deduplicated).

    Example:
        >>> positions_by_company([("P:1", "C:1", "Director"), ("P:1", "C:1", "director"), ("P:2", "C:1", None)])
        {'C:1': [('P:1', 'director')]}
    """
    out: dict[str, set[tuple[str, str]]] = {}
    if positions is None:
        return {}
    rows: Iterable[tuple[str, str, str]] = (
        positions.edges(data="role") if isinstance(positions, nx.Graph) else positions
    )
    for person, company, role in rows:
        if role is None:
            continue
        out.setdefault(str(company), set()).add((str(person), str(role).lower()))
    return {c: sorted(v) for c, v in out.items()}
