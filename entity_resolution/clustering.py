"""From pairwise decisions to entities without chaining unrelated records.

1. Connected components over the positive links (matches, reviewer "same", equal strong keys).
2. The pipeline scores every pair inside each component (up to ``max_cluster_check`` records),
   so a chain A~B~C also gets an A–C comparison.  A component with no *hard* cannot-link pair
   (hard no-merge, reviewer "different", parts of a split) and no clear non-match (score below
   ``cannot_link``) inside is accepted as one entity.
3. Any other component is rebuilt greedily: its positive links are replayed strongest first
   (reviewer "same" and equal strong keys first), and two sub-clusters are joined only if
   - no hard cannot-link pair spans them, their valid strong keys do not differ and (incremental
     runs) they do not hold two different prior entities; and
   - unless the link is forced (reviewer "same", equal valid strong key), the *sum* of the
     weights of all scored pairs across them is positive — the positive evidence that links them
     must outweigh the negative evidence that separates them (the greedy rule of correlation
     clustering).
   So in A~B~C with A clearly not C, B joins the side it is more strongly linked to and the other
   stays apart; while one mistyped id that contradicts one record of an entity does not tear a
   record away from an entity that three other records firmly link it to.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


def components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Connected-component label per node for the undirected edges (a, b)."""
    if n == 0:
        return np.empty(0, np.int64)
    graph = coo_matrix((np.ones(len(a), np.int8), (a, b)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return labels.astype(np.int64)


def _strong_compatible(ka: dict[str, str], kb: dict[str, str]) -> bool:
    return all(kb.get(name, key) == key for name, key in ka.items())


def constrained_clusters(
    n: int,
    a: np.ndarray,
    b: np.ndarray,
    priority: np.ndarray,
    hard_a: np.ndarray,
    hard_b: np.ndarray,
    strong: dict[str, np.ndarray],
    *,
    weight_a: np.ndarray,
    weight_b: np.ndarray,
    weight: np.ndarray,
    cannot_link: float,
    forced_priority: float = 1e6,
    group: np.ndarray | None = None,
    max_unchecked: int = 400,
) -> np.ndarray:
    """Cluster label per node; see the module docstring for the method.

    ``(a, b, priority)``: positive links; ``hard_a/hard_b``: absolute cannot-links;
    ``(weight_a, weight_b, weight)``: every scored pair with its total weight (soft evidence)."""
    labels = components(n, a, b)
    sizes = np.bincount(labels, minlength=labels.max() + 1 if n else 0)
    conflicted = np.zeros(len(sizes), bool)
    hard_inside = labels[hard_a] == labels[hard_b]
    conflicted[labels[hard_a[hard_inside]]] = True
    soft = weight < cannot_link
    soft_inside = soft & (labels[weight_a] == labels[weight_b])
    conflicted[labels[weight_a[soft_inside]]] = True
    conflicted |= sizes > max_unchecked
    if group is not None:
        has_group = np.array([g is not None for g in group])
        conflicted[np.unique(labels[has_group])] = True
    if not conflicted.any():
        return labels

    edge_sel = conflicted[labels[a]]
    ea, eb, ep = a[edge_sel], b[edge_sel], priority[edge_sel]
    order = np.lexsort((eb, ea, -ep))
    cannot: dict[int, set[int]] = {}
    for x, y in zip(hard_a[hard_inside].tolist(), hard_b[hard_inside].tolist(), strict=True):
        cannot.setdefault(x, set()).add(y)
        cannot.setdefault(y, set()).add(x)
    wsel = conflicted[labels[weight_a]] & (labels[weight_a] == labels[weight_b])
    wadj: dict[int, dict[int, float]] = {}
    for x, y, w in zip(weight_a[wsel].tolist(), weight_b[wsel].tolist(), weight[wsel].tolist(), strict=True):
        wadj.setdefault(x, {})[y] = w
        wadj.setdefault(y, {})[x] = w

    parent: dict[int, int] = {}
    members: dict[int, list[int]] = {}
    keys: dict[int, dict[str, str]] = {}
    groups: dict[int, object] = {}

    def init(x: int) -> None:
        if x not in parent:
            parent[x] = x
            members[x] = [x]
            keys[x] = {name: arr[x] for name, arr in strong.items() if arr[x] is not None}
            groups[x] = group[x] if group is not None else None

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for k in order.tolist():
        x, y = int(ea[k]), int(eb[k])
        init(x)
        init(y)
        rx, ry = find(x), find(y)
        if rx == ry:
            continue
        if not _strong_compatible(keys[rx], keys[ry]):
            continue
        gx, gy = groups[rx], groups[ry]
        if gx is not None and gy is not None and gx != gy:
            continue
        small, big = (rx, ry) if len(members[rx]) <= len(members[ry]) else (ry, rx)
        big_set = set(members[big])
        if any(cannot.get(m, set()) & big_set for m in members[small]):
            continue
        if ep[k] < forced_priority:
            cross = sum(w for m in members[small] for o, w in wadj.get(m, {}).items() if o in big_set)
            if cross <= 0:
                continue
        parent[small] = big
        members[big].extend(members.pop(small))
        keys[big].update(keys.pop(small))
        groups[big] = gx if gx is not None else gy
        groups.pop(small, None)

    out = labels.copy()
    next_label = int(labels.max()) + 1 if n else 0
    # nodes of conflicted components get fresh labels by their greedy root
    root_label: dict[int, int] = {}
    for node in np.flatnonzero(conflicted[labels]).tolist():
        r = find(node) if node in parent else node
        if r not in root_label:
            root_label[r] = next_label
            next_label += 1
        out[node] = root_label[r]
    return out
