"""Small helpers shared by the algorithm modules (not part of the public API).

Kept here so every module codes node ids, sums parallel edges and builds stable ids the same way;
a result computed by one module can then be joined with another's without surprises.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Iterable
from typing import Any, Generic, TypeVar

import networkx as nx
import numpy as np

#: Tolerance used for every threshold comparison on computed shares (percentage points).
#: Linear solves give 24.999999999999996 for 50% x 50%; without a tolerance a 25% owner would be
#: missed by a ">= 25" test. 1e-9 pp is far below any meaningful shareholding difference.
PCT_EPS = 1e-9


T = TypeVar("T", bound=Hashable)


def stable_id(prefix: str, members: Iterable[Hashable]) -> str:
    """A deterministic id for a set of members (same members ⇒ same id, across runs).

    Sorting first makes the id independent of discovery order, so a circle found in two nightly
    runs keeps its id and alerts can be matched between snapshots.
    """
    text = "\x1f".join(sorted(str(m) for m in members))
    return f"{prefix}:{hashlib.sha1(text.encode('utf-8')).hexdigest()[:16]}"


def pair_sums(G: nx.Graph, attr: str, default: float = 0.0) -> dict[tuple[Hashable, Hashable], float]:
    """Sum an edge attribute over parallel edges: {(u, v): total}. Self-loops are kept."""
    out: dict[tuple[Hashable, Hashable], float] = {}
    for u, v, x in G.edges(data=attr, default=default):
        val = float(x) if x is not None else default
        out[(u, v)] = out.get((u, v), 0.0) + val
    return out


def code_edges(G: nx.Graph) -> tuple[list[Hashable], np.ndarray, np.ndarray]:
    """Integer-code a graph: (nodes, src, dst) with ``nodes[src[i]] -> nodes[dst[i]]``.

    Parallel edges stay as repeated rows; callers that need unique pairs deduplicate.
    """
    nodes = list(G.nodes)
    index = {n: i for i, n in enumerate(nodes)}
    m = G.number_of_edges()
    src = np.empty(m, dtype=np.int64)
    dst = np.empty(m, dtype=np.int64)
    for i, (u, v) in enumerate(G.edges()):
        src[i] = index[u]
        dst[i] = index[v]
    return nodes, src, dst


def check_choice(name: str, value: str, allowed: Iterable[str]) -> None:
    """Raise a bilingual ValueError when a string parameter is not one of ``allowed``."""
    allowed = tuple(allowed)
    if value not in allowed:
        raise ValueError(
            f"参数 {name} 取值无效: {value!r}（可选 {allowed}） / invalid {name}: {value!r} (allowed: {allowed})"
        )


class UnionFind(Generic[T]):
    """Plain union-find with path halving; used to merge family clusters and shared-attribute links."""

    def __init__(self) -> None:
        self.parent: dict[T, T] = {}

    def find(self, x: T) -> T:
        parent = self.parent
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: T, b: T) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # Deterministic representative: the smaller id wins.
            if str(rb) < str(ra):
                ra, rb = rb, ra
            self.parent[rb] = ra

    def groups(self) -> dict[T, list[T]]:
        out: dict[T, list[T]] = {}
        for x in list(self.parent):
            out.setdefault(self.find(x), []).append(x)
        return out


def longest_path_layers(n: int, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Longest path (in edges) ending at each node of the DAG with edges a[i] → b[i], and one
    predecessor on such a path (-1 for sources).

    Kahn's algorithm frontier by frontier, vectorised: each round processes the out-edges of all
    nodes whose in-degree dropped to 0, so the number of numpy rounds is the longest path length
    (short in guarantee networks), and the total work is O(n + m).
    """
    order = np.argsort(a, kind="stable")
    a_s, b_s = a[order], b[order]
    indptr = np.searchsorted(a_s, np.arange(n + 1))
    indeg = np.bincount(b, minlength=n).astype(np.int64)
    depth = np.zeros(n, dtype=np.int64)
    frontier = np.flatnonzero(indeg == 0)
    while frontier.size:
        starts, counts = indptr[frontier], indptr[frontier + 1] - indptr[frontier]
        total = int(counts.sum())
        if total == 0:
            break
        offsets = np.repeat(starts - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
        idx = offsets + np.arange(total)
        u, v = a_s[idx], b_s[idx]
        np.maximum.at(depth, v, depth[u] + 1)
        np.subtract.at(indeg, v, 1)
        cand = np.unique(v)
        frontier = cand[indeg[cand] == 0]
    if (indeg > 0).any():
        raise ValueError("condensation is not acyclic / 缩点图存在环 (internal error)")
    pred = np.full(n, -1, dtype=np.int64)
    on_path = depth[a] + 1 == depth[b]
    # smallest predecessor index among those on a longest path, for determinism
    pa, pb = a[on_path], b[on_path]
    o = np.lexsort((pa, pb))
    pa, pb = pa[o], pb[o]
    firsts = np.ones(len(pb), dtype=bool)
    firsts[1:] = pb[1:] != pb[:-1]
    pred[pb[firsts]] = pa[firsts]
    return depth, pred


# networkx keeps a DiGraph's adjacency in plain dicts; ``G.pred`` / ``G.succ`` / ``G.nodes`` wrap
# them in views whose per-access dispatch shows at 10^6 nodes. These name the dicts themselves,
# read-only by convention, in one place.
def pred_dicts(G: nx.DiGraph) -> dict[Any, dict[Any, dict[str, Any]]]:
    """``{node: {predecessor: edge data}}`` of ``G``, without a view."""
    return G._pred  # type: ignore[attr-defined]


def succ_dicts(G: nx.DiGraph) -> dict[Any, dict[Any, dict[str, Any]]]:
    """``{node: {successor: edge data}}`` of ``G``, without a view."""
    return G._succ  # type: ignore[attr-defined]


def node_dicts(G: nx.Graph) -> dict[Any, dict[str, Any]]:
    """``{node: node data}`` of ``G``, without a view."""
    return G._node  # type: ignore[attr-defined]
