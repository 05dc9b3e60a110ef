"""Units of work: weakly connected components of an edge list, packed into balanced chunks.

Pure functions (numpy/scipy), no database: what a rule splits its projection by, and how an
executor packs thousands of small units into a few tasks (one task per unit would spend more on
pickling than on computing at the generator's component sizes).
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components


def weak_component_labels(src: np.ndarray, dst: np.ndarray, n: int) -> np.ndarray:
    """Component label (0 … k−1) of each of ``n`` nodes given edges as integer codes.

    Labels are numbered by each component's smallest node code, so they do not depend on the
    edges' order.

    Example:
        >>> weak_component_labels(np.array([0, 3]), np.array([1, 2]), 5).tolist()
        [0, 0, 1, 1, 2]
    """
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    adj = csr_matrix((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(n, n))
    _, raw = connected_components(adj, directed=True, connection="weak")
    # renumber by first appearance in node order: stable whatever scipy's numbering
    _, first = np.unique(raw, return_index=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return rank[raw].astype(np.int64)


def balanced_chunks(costs: Sequence[float], n_chunks: int) -> list[list[int]]:
    """Unit indices packed into at most ``n_chunks`` chunks of similar total cost.

    Longest-processing-time-first greedy (Graham 1969): each unit, costliest first, goes to the
    chunk with the least cost so far; ties by index, so the packing is deterministic. Indices in a
    chunk are ascending; empty chunks are dropped.

    Example:
        >>> balanced_chunks([5, 1, 1, 1, 2], 2)
        [[0], [1, 2, 3, 4]]
    """
    k = max(1, min(n_chunks, len(costs)))
    heap = [(0.0, i) for i in range(k)]
    chunks: list[list[int]] = [[] for _ in range(k)]
    for u in sorted(range(len(costs)), key=lambda i: (-costs[i], i)):
        load, c = heapq.heappop(heap)
        chunks[c].append(u)
        heapq.heappush(heap, (load + float(costs[u]), c))
    return [sorted(c) for c in chunks if c]


def edges_by_component(
    heads: Sequence[object] | np.ndarray, tails: Sequence[object] | np.ndarray, *, min_edges: int = 1
) -> list[np.ndarray]:
    """Indices of the edges of each weakly connected component with at least ``min_edges`` edges.

    Components come in the order of their first node's first appearance; within a component the
    edges keep their order in the input, so a sum over a component's edges adds the same numbers
    in the same order as over the whole list.

    Example:
        >>> [x.tolist() for x in edges_by_component(["A", "C", "B"], ["B", "D", "A"])]
        [[0, 2], [1]]
    """
    h = np.asarray(heads, dtype=object)
    t = np.asarray(tails, dtype=object)
    if len(h) == 0:
        return []
    codes, uniques = pd.factorize(np.concatenate([h, t]))
    src, dst = codes[: len(h)], codes[len(h) :]
    labels = weak_component_labels(src, dst, len(uniques))[src]
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(labels.max() + 2))
    parts = (order[bounds[c] : bounds[c + 1]] for c in range(len(bounds) - 1))
    return [p for p in parts if len(p) >= min_edges]
