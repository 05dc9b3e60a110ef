"""Guarantee-network algorithms (担保网络).

Graph convention: a ``nx.DiGraph`` or ``nx.MultiDiGraph`` whose edges go **guarantor → borrower**,
edge attribute ``amount`` (guaranteed amount; parallel edges = several contracts and are summed),
optional node attributes ``kind`` ("company"/"person"), ``net_assets``, ``equity``,
``loan_balance``, ``status`` ("normal"/"overdue"/"defaulted") and ``blacklisted`` (bool).

Functions (all pure; nothing here touches a database):

- :func:`mutual_guarantees` — 互保, reciprocal pairs.
- :func:`guarantee_circles` / :func:`guarantee_circles_from_edges` — 担保圈, strongly connected
  components of size ≥ 2 with their shortest member cycles as evidence. SCCs come from
  ``scipy.sparse.csgraph.connected_components(connection="strong")`` on integer-coded arrays, so a
  million edges take seconds; networkx is only used on the (small) circles.
- :func:`shortest_cycle_through` — the shortest guarantee cycle through one entity (for the API's
  "why is this company in a circle" view).
- :func:`guarantee_chains` — 担保链, longest paths in the condensation DAG (circles collapsed),
  with per-node upstream/downstream depth and an evidence chain for every node.
- :func:`one_guarantor_for_many` (一保多) and :func:`many_guarantors_for_one` (联保/多保一).
- :func:`guarantee_leverage` — total guaranteed ÷ net assets per guarantor.
- :func:`circle_exposure` — loans inside a circle and its overdue / defaulted / blacklisted members.
- :func:`circles_through_common_control` — 互保/担保圈 in substance: circles that close only once
  entities under common control (one group customer) are taken as one party.

References: Battiston et al. do not cover this part; the motifs follow the CBIRC/PBoC usage of
互保/担保圈/担保链 and the findings of "Fragility of guarantee networks", Nature Communications 11
(2020), and Cheng et al., "Risk assessment for networked-guarantee loans", IJCAI 2019.
"""

from __future__ import annotations

import functools
import math
from collections import deque
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, shortest_path

from ._common import code_edges, longest_path_layers, pair_sums, stable_id

__all__ = [
    "MutualGuarantee",
    "GuaranteeCircle",
    "ChainDepth",
    "GuaranteeChain",
    "GuaranteeChainReport",
    "GuaranteeFan",
    "GuaranteeLeverage",
    "CircleExposure",
    "mutual_guarantees",
    "guarantee_circles",
    "guarantee_circles_from_edges",
    "shortest_cycle_through",
    "guarantee_chains",
    "one_guarantor_for_many",
    "many_guarantors_for_one",
    "guarantee_leverage",
    "circle_exposure",
    "ControlledCircle",
    "circles_through_common_control",
]

#: Circles larger than this use scipy's C BFS for their evidence cycles instead of Python BFS.
_LARGE_CIRCLE = 2000


# --------------------------------------------------------------------------------------------
# results


@dataclass(frozen=True)
class MutualGuarantee:
    """A reciprocal guarantee pair (互保): ``a`` guarantees ``b`` and ``b`` guarantees ``a``.

    ``a < b`` (string order) so each pair is reported once. Amounts sum parallel contracts.
    """

    a: str
    b: str
    amount_ab: float
    amount_ba: float

    @property
    def path(self) -> tuple[str, str, str]:
        """Evidence cycle ``a → b → a``."""
        return (self.a, self.b, self.a)


@dataclass(frozen=True)
class GuaranteeCircle:
    """A guarantee circle (担保圈): a strongly connected component with ≥ 2 members.

    Attributes:
        circle_id: stable id derived from the sorted members (``GC:<sha1-16>``).
        members: member ids, sorted.
        edge_count: number of distinct guarantor→borrower pairs inside the circle.
        internal_amount: sum of guaranteed amounts on those pairs (None when amounts unknown).
        cycles: evidence — distinct shortest cycles through members, each written closed
            (first id == last id), rotated to start at its smallest id, shortest first.
        cycles_truncated: True when not every member's shortest cycle was computed (caps hit).
    """

    circle_id: str
    members: tuple[str, ...]
    edge_count: int
    internal_amount: float | None
    cycles: tuple[tuple[str, ...], ...]
    cycles_truncated: bool

    @property
    def size(self) -> int:
        return len(self.members)


@dataclass(frozen=True)
class ChainDepth:
    """Position of one entity in the guarantee chains.

    ``upstream`` = longest chain of guarantee links *ending* at the entity (layers of guarantors
    above it); ``downstream`` = longest chain *starting* at it (layers of borrowers below it).
    Circles count as one unit (their members share the same numbers).
    """

    node: str
    upstream: int
    downstream: int

    @property
    def length(self) -> int:
        """Length (in links) of the longest chain through this entity."""
        return self.upstream + self.downstream


@dataclass(frozen=True)
class GuaranteeChain:
    """A chain (担保链) through the condensation: ``units[0]`` guarantees into ``units[1]`` ….

    Each unit is a tuple of member ids: one id for an ordinary entity, all members (sorted) for a
    collapsed circle. ``links`` gives one concrete guarantor→borrower edge per step as evidence.
    """

    units: tuple[tuple[str, ...], ...]
    links: tuple[tuple[str, str], ...]

    @property
    def depth(self) -> int:
        return len(self.units) - 1


@dataclass(frozen=True, eq=False)
class GuaranteeChainReport:
    """Result of :func:`guarantee_chains`.

    Kept array-backed (not one object per node) because it covers every node of graphs with
    millions of edges; use :meth:`depth_of` and :meth:`chain_through` to read it.
    """

    longest: tuple[GuaranteeChain, ...]
    max_depth: int
    _index: dict = field(repr=False)
    _labels: np.ndarray = field(repr=False)
    _up: np.ndarray = field(repr=False)
    _down: np.ndarray = field(repr=False)
    _pred: np.ndarray = field(repr=False)
    _succ: np.ndarray = field(repr=False)
    _members: list = field(repr=False)
    _links: tuple = field(repr=False)  # (nodes, n_components, sorted pair keys, guarantor idx, borrower idx)

    def _link(self, a: int, b: int) -> tuple[str, str]:
        nodes, nc, keys, lsrc, ldst = self._links
        i = int(np.searchsorted(keys, a * nc + b))
        return (str(nodes[lsrc[i]]), str(nodes[ldst[i]]))

    def depth_of(self, node: Hashable) -> ChainDepth:
        c = self._labels[self._index[node]]
        return ChainDepth(str(node), int(self._up[c]), int(self._down[c]))

    def chain_through(self, node: Hashable) -> GuaranteeChain:
        """A longest chain through ``node`` (evidence for its :class:`ChainDepth`)."""
        return self._chain_through_comp(int(self._labels[self._index[node]]))

    def _chain_through_comp(self, c: int) -> GuaranteeChain:
        before: list[int] = []
        x = c
        while self._pred[x] >= 0:
            x = int(self._pred[x])
            before.append(x)
        after: list[int] = []
        x = c
        while self._succ[x] >= 0:
            x = int(self._succ[x])
            after.append(x)
        comps = list(reversed(before)) + [c] + after
        units = tuple(self._members[k] for k in comps)
        links = tuple(self._link(a, b) for a, b in zip(comps, comps[1:], strict=False))
        return GuaranteeChain(units, links)


@dataclass(frozen=True)
class GuaranteeFan:
    """一保多 (``direction == "out"``: one guarantor, many borrowers) or 联保/多保一
    (``direction == "in"``: one borrower, many guarantors). Counterparties are distinct ids."""

    node: str
    direction: str
    counterparties: tuple[str, ...]
    total_amount: float

    @property
    def degree(self) -> int:
        return len(self.counterparties)


@dataclass(frozen=True)
class GuaranteeLeverage:
    """Guarantee leverage of one guarantor: ``total_guaranteed / net_assets``.

    ``status`` is "ok", "missing_net_assets" (ratio None, exceeds None — unknown, not zero) or
    "non_positive_net_assets" (ratio None; exceeds True when anything is guaranteed, because an
    insolvent guarantor has no capacity at all).
    """

    node: str
    total_guaranteed: float
    net_assets: float | None
    ratio: float | None
    limit: float | None
    exceeds: bool | None
    status: str


@dataclass(frozen=True)
class CircleExposure:
    """Credit exposure concentrated inside one guarantee circle.

    ``total_loans`` sums ``loan_balance`` over members that have it; members without it are listed
    in ``members_missing_loan`` so a zero is never mistaken for "no loan".
    """

    circle_id: str
    members: tuple[str, ...]
    total_loans: float
    internal_guarantee_amount: float
    members_missing_loan: tuple[str, ...]
    overdue: tuple[str, ...]
    defaulted: tuple[str, ...]
    blacklisted: tuple[str, ...]

    @property
    def distressed(self) -> tuple[str, ...]:
        """Members overdue, defaulted or blacklisted (sorted, unique)."""
        return tuple(sorted(set(self.overdue) | set(self.defaulted) | set(self.blacklisted)))


# --------------------------------------------------------------------------------------------
# mutual guarantees


def mutual_guarantees(G: nx.DiGraph, *, amount_attr: str = "amount") -> tuple[MutualGuarantee, ...]:
    """Reciprocal guarantee pairs (互保).

    A pair {a, b} is mutual when both a→b and b→a exist. Parallel contracts are summed.

    Example:
        >>> G = nx.DiGraph([("A", "B", {"amount": 5.0}), ("B", "A", {"amount": 3.0}), ("B", "C")])
        >>> mutual_guarantees(G)
        (MutualGuarantee(a='A', b='B', amount_ab=5.0, amount_ba=3.0),)
    """
    sums = pair_sums(G, amount_attr)
    out = []
    for (u, v), amt in sums.items():
        if u != v and str(u) < str(v) and (v, u) in sums:
            out.append(MutualGuarantee(str(u), str(v), amt, sums[(v, u)]))
    out.sort(key=lambda m: (m.a, m.b))
    return tuple(out)


# --------------------------------------------------------------------------------------------
# circles


def _canonical_cycle(cycle: Sequence) -> tuple[str, ...]:
    """Rotate an open cycle [v0..vk] to start at its smallest id and close it."""
    names = [str(x) for x in cycle]
    i = min(range(len(names)), key=names.__getitem__)
    rot = names[i:] + names[:i]
    return tuple(rot + [rot[0]])


def _bfs_cycle(succ: list[list[int]], v: int, max_len: int | None) -> list[int] | None:
    """Shortest cycle through ``v`` (as an open node list starting at v) by BFS, or None."""
    parent = {v: -1}
    depth = {v: 0}
    queue = deque([v])
    while queue:
        u = queue.popleft()
        if max_len is not None and depth[u] + 1 > max_len:
            break
        for w in succ[u]:
            if w == v:
                path = [u]
                while parent[path[-1]] != -1:
                    path.append(parent[path[-1]])
                return list(reversed(path))
            if w not in parent:
                parent[w] = u
                depth[w] = depth[u] + 1
                queue.append(w)
    return None


def _scipy_cycle(
    local: csr_matrix, pred_lists: list[list[int]], v: int, max_len: int | None
) -> list[int] | None:
    """Shortest cycle through ``v`` using scipy's C BFS (for large circles)."""
    dist, pred = shortest_path(local, directed=True, unweighted=True, indices=v, return_predecessors=True)
    best_u, best_d = -1, math.inf
    for u in pred_lists[v]:
        d = dist[u]
        if d < best_d or (d == best_d and u < best_u):
            best_u, best_d = u, d
    if best_u < 0 or not math.isfinite(best_d):
        return None
    if max_len is not None and best_d + 1 > max_len:
        return None
    path = [best_u]
    while path[-1] != v:
        path.append(int(pred[path[-1]]))
    return list(reversed(path))


def _circles_from_codes(
    nodes: Sequence[Hashable],
    src: np.ndarray,
    dst: np.ndarray,
    amounts: np.ndarray | None,
    *,
    max_cycles: int,
    max_sources: int | None,
    max_cycle_length: int | None,
    min_size: int,
) -> tuple[list[GuaranteeCircle], np.ndarray]:
    n = len(nodes)
    keep = src != dst  # a self-guarantee is not a circle
    src, dst = src[keep], dst[keep]
    if amounts is not None:
        amounts = amounts[keep]
    if n == 0:
        return [], np.zeros(0, dtype=np.int64)
    adj = csr_matrix((np.ones(len(src), dtype=np.int32), (src, dst)), shape=(n, n))
    _, labels = connected_components(adj, directed=True, connection="strong")
    labels = labels.astype(np.int64)
    sizes = np.bincount(labels)
    big = sizes >= max(min_size, 2)
    circles: list[GuaranteeCircle] = []
    if not big.any():
        return circles, labels

    # Members grouped by component.
    node_order = np.argsort(labels, kind="stable")
    node_bounds = np.searchsorted(labels[node_order], np.arange(len(sizes) + 1))
    # Intra-circle edges grouped by component.
    lab_s = labels[src]
    intra = (lab_s == labels[dst]) & big[lab_s]
    e_src, e_dst, e_lab = src[intra], dst[intra], lab_s[intra]
    e_amt = amounts[intra] if amounts is not None else None
    e_order = np.argsort(e_lab, kind="stable")
    e_src, e_dst, e_lab = e_src[e_order], e_dst[e_order], e_lab[e_order]
    if e_amt is not None:
        e_amt = e_amt[e_order]
    e_bounds = np.searchsorted(e_lab, np.arange(len(sizes) + 1))

    for c in np.flatnonzero(big):
        members_idx = np.sort(node_order[node_bounds[c] : node_bounds[c + 1]])
        es, ed = e_src[e_bounds[c] : e_bounds[c + 1]], e_dst[e_bounds[c] : e_bounds[c + 1]]
        ls = np.searchsorted(members_idx, es)
        ld = np.searchsorted(members_idx, ed)
        k = len(members_idx)
        pairs = np.unique(ls * k + ld)
        ps, pd_ = pairs // k, pairs % k
        names = [str(nodes[i]) for i in members_idx]
        # Try members in id order so evidence is deterministic.
        order = sorted(range(k), key=names.__getitem__)
        budget = len(order) if max_sources is None else min(len(order), max_sources)
        found: dict[tuple[str, ...], None] = {}
        tried = 0
        if k <= _LARGE_CIRCLE:
            succ: list[list[int]] = [[] for _ in range(k)]
            for a, b in zip(ps.tolist(), pd_.tolist(), strict=True):
                succ[a].append(b)
            for lst in succ:
                lst.sort(key=names.__getitem__)
            finder = functools.partial(_bfs_cycle, succ, max_len=max_cycle_length)
        else:
            local = csr_matrix((np.ones(len(ps)), (ps, pd_)), shape=(k, k))
            preds: list[list[int]] = [[] for _ in range(k)]
            for a, b in zip(ps.tolist(), pd_.tolist(), strict=True):
                preds[b].append(a)
            finder = functools.partial(_scipy_cycle, local, preds, max_len=max_cycle_length)
        for v in order[:budget] if max_cycles > 0 else ():
            tried += 1
            cyc = finder(v)
            if cyc is not None:
                found.setdefault(_canonical_cycle([names[i] for i in cyc]), None)
            if len(found) >= max_cycles:
                break
        cycles = sorted(found, key=lambda t: (len(t), t))
        circles.append(
            GuaranteeCircle(
                circle_id=stable_id("GC", names),
                members=tuple(sorted(names)),
                edge_count=int(len(pairs)),
                internal_amount=float(e_amt[e_bounds[c] : e_bounds[c + 1]].sum())
                if e_amt is not None
                else None,
                cycles=tuple(cycles),
                cycles_truncated=tried < k,
            )
        )
    circles.sort(key=lambda c: (-c.size, c.members[0]))
    return circles, labels


def guarantee_circles(
    G: nx.DiGraph,
    *,
    amount_attr: str = "amount",
    max_cycles: int = 20,
    max_sources: int | None = 200,
    max_cycle_length: int | None = None,
    min_size: int = 2,
) -> tuple[GuaranteeCircle, ...]:
    """Guarantee circles (担保圈): strongly connected components with at least ``min_size`` members.

    Definition: u and v are in the same circle iff each is reachable from the other along
    guarantor→borrower edges — a default anywhere in the circle can come back to hit every member.
    Self-guarantees (loops) are ignored. Persons are ordinary nodes: a circle that closes only
    through a natural-person guarantor is still a circle.

    Evidence: for members taken in id order, the shortest cycle through that member (BFS),
    deduplicated (rotation-canonical), until ``max_cycles`` distinct cycles are found
    (``max_cycles=0``: membership only, no evidence) or
    ``max_sources`` members have been tried (None = all members). ``max_cycle_length`` bounds the
    BFS depth (None = unbounded). ``cycles_truncated`` says whether every member was tried.

    Complexity: SCC in O(n + m) via scipy on a CSR matrix; evidence O(max_sources · (n_c + m_c))
    per circle.

    Example:
        >>> G = nx.DiGraph([("A", "B"), ("B", "C"), ("C", "A"), ("C", "D")])
        >>> [c.members for c in guarantee_circles(G)]
        [('A', 'B', 'C')]
        >>> guarantee_circles(G)[0].cycles
        (('A', 'B', 'C', 'A'),)
    """
    nodes, src, dst = code_edges(G)
    has_amounts = G.number_of_edges() > 0
    amounts = None
    if has_amounts:
        amounts = np.fromiter(
            (float(a) if a is not None else 0.0 for _, _, a in G.edges(data=amount_attr, default=0.0)),
            dtype=np.float64,
            count=G.number_of_edges(),
        )
    circles, _ = _circles_from_codes(
        nodes,
        src,
        dst,
        amounts,
        max_cycles=max_cycles,
        max_sources=max_sources,
        max_cycle_length=max_cycle_length,
        min_size=min_size,
    )
    return tuple(circles)


def guarantee_circles_from_edges(
    guarantors: Sequence[str] | np.ndarray,
    borrowers: Sequence[str] | np.ndarray,
    amounts: Sequence[float] | np.ndarray | None = None,
    *,
    max_cycles: int = 20,
    max_sources: int | None = 200,
    max_cycle_length: int | None = None,
    min_size: int = 2,
) -> tuple[GuaranteeCircle, ...]:
    """Same as :func:`guarantee_circles` but from parallel edge columns (no networkx graph).

    This is the path for million-edge projections read straight from Neo4j: ids are factorised
    with pandas and never become Python graph objects.

    Example:
        >>> [(c.members, c.internal_amount) for c in guarantee_circles_from_edges(
        ...     ["A", "B", "C", "D"], ["B", "C", "A", "A"], [10.0, 20.0, 30.0, 5.0])]
        [(('A', 'B', 'C'), 60.0)]
    """
    g = np.asarray(guarantors, dtype=object)
    b = np.asarray(borrowers, dtype=object)
    if len(g) != len(b):
        raise ValueError("guarantors 与 borrowers 长度不一致 / guarantors and borrowers differ in length")
    codes, uniques = pd.factorize(np.concatenate([g, b]))
    src, dst = codes[: len(g)].astype(np.int64), codes[len(g) :].astype(np.int64)
    amt = None if amounts is None else np.asarray(amounts, dtype=np.float64)
    circles, _ = _circles_from_codes(
        list(uniques),
        src,
        dst,
        amt,
        max_cycles=max_cycles,
        max_sources=max_sources,
        max_cycle_length=max_cycle_length,
        min_size=min_size,
    )
    return tuple(circles)


def shortest_cycle_through(
    G: nx.DiGraph, node: Hashable, *, max_length: int | None = None
) -> tuple[str, ...] | None:
    """The shortest guarantee cycle through ``node`` (closed, starting at ``node``), or None.

    Ties between equally short cycles are broken by neighbour id order, so the answer is stable.

    Example:
        >>> G = nx.DiGraph([("A", "B"), ("B", "A"), ("B", "C"), ("C", "A")])
        >>> shortest_cycle_through(G, "C")
        ('C', 'A', 'B', 'C')
    """
    if node not in G:
        return None
    parent: dict[Hashable, Hashable | None] = {node: None}
    depth = {node: 0}
    queue = deque([node])
    while queue:
        u = queue.popleft()
        if max_length is not None and depth[u] + 1 > max_length:
            break
        for w in sorted(set(G.successors(u)), key=str):
            if w == node and u != node:
                path = [u]
                while parent[path[-1]] is not None:
                    path.append(parent[path[-1]])
                return tuple(str(x) for x in reversed(path)) + (str(node),)
            if w not in parent:
                parent[w] = u
                depth[w] = depth[u] + 1
                queue.append(w)
    return None


# --------------------------------------------------------------------------------------------
# chains


def guarantee_chains(G: nx.DiGraph, *, top_k: int = 10) -> GuaranteeChainReport:
    """Guarantee chains (担保链): longest paths in the condensation DAG.

    Circles are collapsed to one unit (their members share one depth), then for every unit the
    longest path ending at it (``upstream``) and starting at it (``downstream``) is computed by
    dynamic programming in topological order, O(n + m). ``longest`` lists up to ``top_k``
    distinct longest chains (longest first); :meth:`GuaranteeChainReport.chain_through` returns
    the evidence chain for any node.

    Example:
        >>> G = nx.DiGraph([("A", "B"), ("B", "C"), ("X", "C")])
        >>> r = guarantee_chains(G)
        >>> r.max_depth, r.depth_of("B")
        (2, ChainDepth(node='B', upstream=1, downstream=1))
        >>> r.longest[0].units
        (('A',), ('B',), ('C',))
    """
    nodes, src, dst = code_edges(G)
    n = len(nodes)
    index = {v: i for i, v in enumerate(nodes)}
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return GuaranteeChainReport(
            (), 0, {}, empty, empty, empty, empty, empty, [], ([], 0, empty, empty, empty)
        )
    adj = csr_matrix((np.ones(len(src), dtype=np.int32), (src, dst)), shape=(n, n))
    nc, labels = connected_components(adj, directed=True, connection="strong")
    labels = labels.astype(np.int64)
    cs, cd = labels[src], labels[dst]
    cross = cs != cd
    cs, cd, us, vs = cs[cross], cd[cross], src[cross], dst[cross]
    # one concrete link per condensed edge: the first by (pair, guarantor index, borrower index)
    keys = cs * nc + cd
    order = np.lexsort((vs, us, keys))
    keys_sorted = keys[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = keys_sorted[1:] != keys_sorted[:-1]
    sel = order[first]
    link_keys, link_src, link_dst = keys[sel], us[sel], vs[sel]  # link_keys is sorted
    ca, cb = link_keys // nc, link_keys % nc
    up, pred = longest_path_layers(nc, ca, cb)
    down, nxt = longest_path_layers(nc, cb, ca)
    members: list[list[str]] = [[] for _ in range(nc)]
    for v, c in zip(nodes, labels.tolist(), strict=True):
        members[c].append(str(v))
    members_t = [tuple(sorted(m)) for m in members]
    up_a, down_a = up, down
    report = GuaranteeChainReport(
        longest=(),
        max_depth=int((up_a + down_a).max()) if nc else 0,
        _index=index,
        _labels=labels,
        _up=up_a,
        _down=down_a,
        _pred=pred,
        _succ=nxt,
        _members=members_t,
        _links=(nodes, nc, link_keys, link_src, link_dst),
    )
    # top_k distinct longest chains: start from source units (up == 0) with the largest downstream
    longest: list[GuaranteeChain] = []
    seen: set = set()
    starts: list[int] = sorted(
        np.flatnonzero((up_a == 0) & (down_a > 0)).tolist(), key=lambda c: (-int(down[c]), members_t[c])
    )
    for c in starts:
        ch = report._chain_through_comp(c)
        if ch.units not in seen:
            seen.add(ch.units)
            longest.append(ch)
        if len(longest) >= top_k:
            break
    object.__setattr__(report, "longest", tuple(longest))
    return report


# --------------------------------------------------------------------------------------------
# fan-out / fan-in


def _fans(G: nx.DiGraph, direction: str, k: int, amount_attr: str) -> tuple[GuaranteeFan, ...]:
    sums = pair_sums(G, amount_attr)
    by: dict[Hashable, dict[Hashable, float]] = {}
    for (u, v), amt in sums.items():
        if u == v:
            continue
        key, other = (u, v) if direction == "out" else (v, u)
        by.setdefault(key, {})[other] = amt
    out = [
        GuaranteeFan(str(node), direction, tuple(sorted(str(o) for o in cps)), float(sum(cps.values())))
        for node, cps in by.items()
        if len(cps) >= k
    ]
    out.sort(key=lambda f: (-f.degree, f.node))
    return tuple(out)


def one_guarantor_for_many(
    G: nx.DiGraph, *, min_borrowers: int = 3, amount_attr: str = "amount"
) -> tuple[GuaranteeFan, ...]:
    """一保多: guarantors guaranteeing at least ``min_borrowers`` distinct borrowers.

    Example:
        >>> G = nx.DiGraph([("G", "A"), ("G", "B"), ("G", "C")])
        >>> [(f.node, f.degree) for f in one_guarantor_for_many(G)]
        [('G', 3)]
    """
    return _fans(G, "out", min_borrowers, amount_attr)


def many_guarantors_for_one(
    G: nx.DiGraph, *, min_guarantors: int = 3, amount_attr: str = "amount"
) -> tuple[GuaranteeFan, ...]:
    """联保/多保一: borrowers guaranteed by at least ``min_guarantors`` distinct guarantors.

    Example:
        >>> G = nx.DiGraph([("A", "B"), ("C", "B"), ("D", "B")])
        >>> [(f.node, f.counterparties) for f in many_guarantors_for_one(G)]
        [('B', ('A', 'C', 'D'))]
    """
    return _fans(G, "in", min_guarantors, amount_attr)


# --------------------------------------------------------------------------------------------
# leverage and exposure


def guarantee_leverage(
    G: nx.DiGraph,
    *,
    amount_attr: str = "amount",
    net_assets_attr: str = "net_assets",
    limit: float | None = None,
) -> tuple[GuaranteeLeverage, ...]:
    """Guarantee leverage (担保倍数) of every guarantor: total guaranteed ÷ net assets.

    Missing net assets give ``status="missing_net_assets"`` with ratio None (never a crash and
    never a silent zero); non-positive net assets give ``status="non_positive_net_assets"``.
    ``limit`` (e.g. 1.0 = guarantees may not exceed net assets) sets ``exceeds``.

    Example:
        >>> G = nx.DiGraph([("G", "A", {"amount": 30.0}), ("G", "B", {"amount": 20.0})])
        >>> G.nodes["G"]["net_assets"] = 25.0
        >>> guarantee_leverage(G, limit=1.0)[0].ratio
        2.0
    """
    totals: dict[Hashable, float] = {}
    for (u, v), amt in pair_sums(G, amount_attr).items():
        if u != v:
            totals[u] = totals.get(u, 0.0) + amt
    out = []
    for node, total in totals.items():
        na = G.nodes[node].get(net_assets_attr)
        if na is None or (isinstance(na, float) and math.isnan(na)):
            out.append(GuaranteeLeverage(str(node), total, None, None, limit, None, "missing_net_assets"))
        elif float(na) <= 0:
            exceeds = (total > 0) if limit is not None else None
            out.append(
                GuaranteeLeverage(
                    str(node), total, float(na), None, limit, exceeds, "non_positive_net_assets"
                )
            )
        else:
            ratio = total / float(na)
            exceeds = (ratio > limit) if limit is not None else None
            out.append(GuaranteeLeverage(str(node), total, float(na), ratio, limit, exceeds, "ok"))
    out.sort(key=lambda r: (r.ratio is None, -(r.ratio or 0.0), r.node))
    return tuple(out)


def circle_exposure(
    G: nx.DiGraph,
    circle: GuaranteeCircle | Iterable[Hashable],
    *,
    amount_attr: str = "amount",
    loan_attr: str = "loan_balance",
    status_attr: str = "status",
    blacklist_attr: str = "blacklisted",
) -> CircleExposure:
    """Loans and distressed members inside a guarantee circle.

    ``circle`` is a :class:`GuaranteeCircle` or any iterable of member ids (ids absent from ``G``
    are ignored). Status values compared case-insensitively: "overdue", "defaulted".

    Example:
        >>> G = nx.DiGraph([("A", "B", {"amount": 1.0}), ("B", "A", {"amount": 2.0})])
        >>> G.nodes["A"].update(loan_balance=10.0, status="overdue")
        >>> e = circle_exposure(G, ["A", "B"])
        >>> e.total_loans, e.members_missing_loan, e.overdue
        (10.0, ('B',), ('A',))
    """
    members: list[Hashable]
    if isinstance(circle, GuaranteeCircle):
        members = [m for m in circle.members if m in G]
        cid = circle.circle_id
    else:
        members = sorted((m for m in circle if m in G), key=str)
        cid = stable_id("GC", members)
    mset = set(members)
    total, missing, overdue, defaulted, black = 0.0, [], [], [], []
    for m in members:
        attrs = G.nodes[m]
        loan = attrs.get(loan_attr)
        if loan is None or (isinstance(loan, float) and math.isnan(loan)):
            missing.append(str(m))
        else:
            total += float(loan)
        st = str(attrs.get(status_attr) or "").lower()
        if st == "overdue":
            overdue.append(str(m))
        elif st == "defaulted":
            defaulted.append(str(m))
        if attrs.get(blacklist_attr):
            black.append(str(m))
    internal = sum(a for (u, v), a in pair_sums(G.subgraph(mset), amount_attr).items() if u != v)
    return CircleExposure(
        circle_id=cid,
        members=tuple(sorted(str(m) for m in members)),
        total_loans=total,
        internal_guarantee_amount=float(internal),
        members_missing_loan=tuple(sorted(missing)),
        overdue=tuple(sorted(overdue)),
        defaulted=tuple(sorted(defaulted)),
        blacklisted=tuple(sorted(black)),
    )


# --------------------------------------------------------------------------------------------
# circles through common control


@dataclass(frozen=True)
class ControlledCircle:
    """A guarantee circle in substance: it closes only when the entities under common control
    (``unit_of``: entity → its group) are taken as one party, as a bank takes a group customer.

    ``units`` are the parties (group ids or entity ids), ``cycle`` the shortest closed cycle of
    units, ``members`` the entities on the guarantee ``edges`` (guarantor, borrower, amount)
    between different units, ``unit_members`` each unit's entities among them. ``mutual`` when
    two units guarantee each other (互保 in substance).
    """

    circle_id: str
    units: tuple[str, ...]
    cycle: tuple[str, ...]
    members: tuple[str, ...]
    unit_members: tuple[tuple[str, tuple[str, ...]], ...]
    edges: tuple[tuple[str, str, float], ...]

    @property
    def mutual(self) -> bool:
        return len(self.units) == 2


def circles_through_common_control(
    G: nx.DiGraph,
    unit_of: Mapping[str, str],
    *,
    amount_attr: str = "amount",
    min_units: int = 2,
) -> tuple[ControlledCircle, ...]:
    """Guarantee circles that appear once common control is collapsed, and not before.

    Every entity in ``unit_of`` is replaced by its unit (e.g. the group customer it belongs to);
    guarantees inside one unit are dropped; strongly connected components of the collapsed
    network with at least ``min_units`` units are kept when their entities do not already form
    one plain circle of ``G`` (those :func:`guarantee_circles` finds as before).

    Example — Q guarantees QA, QA guarantees QB, and Q controls QB (one group): a mutual guarantee
    between the group and QA in substance, although no two entities guarantee each other.

        >>> G = nx.DiGraph([("Q", "QA", {"amount": 5.0}), ("QA", "QB", {"amount": 3.0})])
        >>> (c,) = circles_through_common_control(G, {"Q": "GRP:1", "QB": "GRP:1"})
        >>> c.units, c.cycle, c.mutual, c.edges
        (('GRP:1', 'QA'), ('GRP:1', 'QA', 'GRP:1'), True, (('Q', 'QA', 5.0), ('QA', 'QB', 3.0)))
        >>> circles_through_common_control(nx.DiGraph([("A", "B"), ("B", "A")]), {})
        ()
    """
    if not unit_of:
        return ()
    amounts = pair_sums(G, amount_attr)
    H: nx.DiGraph = nx.DiGraph()
    between: dict[tuple[str, str], list[tuple[str, str, float]]] = {}
    for (u, v), amount in amounts.items():
        cu, cv = unit_of.get(str(u), str(u)), unit_of.get(str(v), str(v))
        if cu == cv:
            continue
        H.add_edge(cu, cv)
        between.setdefault((cu, cv), []).append((str(u), str(v), amount))
    comps = [c for c in nx.strongly_connected_components(H) if len(c) >= max(min_units, 2)]
    if not comps:
        return ()
    plain_of = {str(n): i for i, scc in enumerate(nx.strongly_connected_components(G)) for n in scc}
    comp_of = {u: i for i, comp in enumerate(comps) for u in comp}
    inside: dict[int, list[tuple[str, str, float]]] = {}  # one pass over the unit pairs, not one per circle
    for (cu, cv), es in between.items():
        i = comp_of.get(cu)
        if i is not None and comp_of.get(cv) == i:
            inside.setdefault(i, []).extend(es)
    out = []
    for i, comp in enumerate(comps):
        edges = sorted(inside.get(i, ()))
        members = sorted({x for u, v, _ in edges for x in (u, v)})
        if len({plain_of[m] for m in members}) == 1:
            continue  # already a plain circle
        units = tuple(sorted(comp))
        start = units[0]
        sub = H.subgraph(comp)
        cycle = min(
            ([start, *nx.shortest_path(sub, nbr, start)] for nbr in sub.successors(start)),
            key=lambda c: (len(c), c),
        )
        out.append(
            ControlledCircle(
                circle_id=stable_id("GCC", members),
                units=units,
                cycle=tuple(cycle),
                members=tuple(members),
                unit_members=tuple(
                    (unit, tuple(m for m in members if unit_of.get(m, m) == unit)) for unit in units
                ),
                edges=tuple(edges),
            )
        )
    out.sort(key=lambda c: (-len(c.units), c.circle_id))
    return tuple(out)
