"""Integrated (look-through) ownership: every holder's share in a company across all layers, and
the ownership paths that explain it (Vitali, Glattfelder & Battiston, PLoS ONE 6(10), 2011;
Brioschi, Buzzacchi & Colombo, Journal of Banking & Finance 13, 1989).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from itertools import islice

import networkx as nx
import numpy as np
from scipy.sparse import csc_matrix, identity
from scipy.sparse.linalg import splu

from .._common import pred_dicts, succ_dicts
from .holdings import OwnershipDataError, upstream_holders, upstream_holdings


@dataclass(frozen=True)
class OwnershipPath:
    """One ownership path: ``nodes[0]`` holds ``pcts[0]`` of ``nodes[1]`` … ; ``product`` in pct."""

    nodes: tuple[str, ...]
    pcts: tuple[float, ...]
    product: float


def ownership_inconsistencies(
    G: nx.DiGraph, *, pct_attr: str = "pct", tolerance: float = 0.5
) -> dict[str, float]:
    """Companies whose recorded holders sum to more than ``100 + tolerance`` pct: {company: total}.

    Such data makes integrated shares meaningless; the rule layer should report them as data
    errors before trusting ownership results.

    Example:
        >>> G = nx.DiGraph([("A", "X", {"pct": 70}), ("B", "X", {"pct": 40})])
        >>> ownership_inconsistencies(G)
        {'X': 110.0}
    """
    totals: dict[Hashable, float] = {}
    p: object
    for u, v, p in G.edges(data=pct_attr, default=None):
        if p is not None and u != v:
            totals[v] = totals.get(v, 0.0) + float(p)
    return {str(k): t for k, t in sorted(totals.items(), key=lambda kv: str(kv[0])) if t > 100 + tolerance}


@dataclass(frozen=True)
class OwnershipIssue:
    """A company whose recorded holders sum over 100%: ``total_pct`` and the ``holdings`` behind it
    (holder, pct). Every share, controller or owner computed through it is marked inconsistent."""

    company: str
    total_pct: float
    holdings: tuple[tuple[str, float], ...]

    def as_json(self) -> dict:
        return {
            "company": self.company,
            "total_pct": round(self.total_pct, 6),
            "holdings": [{"holder": h, "pct": p} for h, p in self.holdings],
        }


def upstream_inconsistencies(
    G: nx.DiGraph,
    target: Hashable,
    *,
    pct_attr: str = "pct",
    tolerance: float = 0.5,
    over_100: Mapping[str, float] | None = None,
) -> tuple[OwnershipIssue, ...]:
    """The companies among ``target`` and its ownership ancestors whose holders sum over
    ``100 + tolerance`` pct (what :func:`ownership_inconsistencies` flags), with their holdings:
    the integrated shares, controller and beneficial owners of ``target`` are computed from them.
    Pass ``over_100`` (:func:`ownership_inconsistencies` of the whole graph) to check many targets.

    Example:
        >>> G = nx.DiGraph([("A", "X", {"pct": 70}), ("B", "X", {"pct": 40}), ("X", "Y", {"pct": 60})])
        >>> [(i.company, i.total_pct, i.holdings) for i in upstream_inconsistencies(G, "Y")]
        [('X', 110.0, (('A', 70.0), ('B', 40.0)))]
    """
    if target not in G:
        return ()
    bad = (
        ownership_inconsistencies(G, pct_attr=pct_attr, tolerance=tolerance) if over_100 is None else over_100
    )
    if not bad:
        return ()
    pred = pred_dicts(G)
    seen = {target}
    stack = [target]
    while stack:
        for h in pred[stack.pop()]:
            if h not in seen:
                seen.add(h)
                stack.append(h)
    out = []
    for c in sorted((x for x in seen if str(x) in bad), key=str):
        rows: dict[str, float] = {}
        for h, d in pred[c].items():
            vals = d.values() if G.is_multigraph() else [d]
            for e in vals:
                p = e.get(pct_attr)
                if p is not None and h != c:
                    rows[str(h)] = rows.get(str(h), 0.0) + float(p)
        out.append(OwnershipIssue(str(c), bad[str(c)], tuple(sorted(rows.items()))))
    return tuple(out)


def _closed_loop_error(target: Hashable) -> OwnershipDataError:
    return OwnershipDataError(
        f"{target} 的持股结构为封闭的 100% 循环，穿透比例无定义 / ownership of {target} contains a closed "
        "100% loop; integrated shares are undefined"
    )


def integrated_column(H: nx.DiGraph, target: Hashable) -> dict[Hashable, float]:
    """Integrated share (fraction) of every ancestor of ``target`` in ``target``.

    One upward pass collects the holders of every ancestor. Acyclic ancestor sets (the usual
    case) are then summed from the target upwards in topological order (a node's share is final
    once all its holdings inside the set are counted): share(x) = Σ_y A[x, y] · share(y) with
    share(target) = 1, which is exactly the sum over paths. Sets with cross-holdings are solved as
    (I − A) s = A[:, target] by sparse LU (no dense BLAS, which oversubscribes a busy machine).
    """
    pred_of = pred_dicts(H)
    holders: dict[Hashable, dict[Hashable, float]] = {}
    stack = [target]
    while stack:
        x = stack.pop()
        hs = {h: d["pct"] for h, d in pred_of[x].items()}
        holders[x] = hs
        for h in hs:
            if h not in holders:
                holders[h] = {}  # placeholder, filled when popped
                stack.append(h)
    return _integrated_from_holders(holders, target)


def _integrated_from_holders(
    holders: dict[Hashable, dict[Hashable, float]], target: Hashable
) -> dict[Hashable, float]:
    anc = set(holders) - {target}
    if not anc:
        return {}
    pending = dict.fromkeys(holders, 0)  # holdings inside the set not yet counted
    for hs in holders.values():
        for h in hs:
            pending[h] += 1
    share: dict[Hashable, float] = dict.fromkeys(holders, 0.0)
    share[target] = 1.0
    ready = [target] if pending[target] == 0 else []
    done = 0
    while ready:
        y = ready.pop()
        done += 1
        sy = share[y]
        for h, p in holders[y].items():
            share[h] += p / 100.0 * sy
            pending[h] -= 1
            if pending[h] == 0:
                ready.append(h)
    if done == len(holders):
        return {n: f for n, f in share.items() if n != target and f > 0}
    nodes = sorted(holders, key=str)
    idx = {n: i for i, n in enumerate(nodes)}
    k = len(nodes)
    rows, cols, vals = [], [], []
    for v, hs in holders.items():
        for u, p in hs.items():
            rows.append(idx[u])
            cols.append(idx[v])
            vals.append(p / 100.0)
    A = csc_matrix((vals, (rows, cols)), shape=(k, k))
    col = np.asarray(A[:, idx[target]].todense()).ravel()
    try:
        s = splu((identity(k, format="csc") - A).tocsc()).solve(col)
    except RuntimeError as exc:  # "Factor is exactly singular"
        raise _closed_loop_error(target) from exc
    if not np.all(np.isfinite(s)):
        raise _closed_loop_error(target)
    return {n: float(s[idx[n]]) for n in nodes if n != target and s[idx[n]] > 0}


def integrated_ownership(G: nx.DiGraph, target: Hashable, *, pct_attr: str = "pct") -> dict[str, float]:
    """Integrated ownership share (pct, 0–100) of every direct or indirect holder in ``target``.

    Exact with cross-holdings (see the module docstring for the definition). The target's own
    indirect holding of itself through a cycle is not reported. Holders whose recorded stakes
    sum to > 100% are not rejected here (see :func:`ownership_inconsistencies`), but a closed
    100% loop raises :class:`OwnershipDataError`.

    Example:
        >>> G = nx.DiGraph([("P", "A", {"pct": 60}), ("A", "B", {"pct": 50}), ("P", "B", {"pct": 10})])
        >>> {k: round(v, 6) for k, v in integrated_ownership(G, "B").items()}
        {'A': 50.0, 'P': 40.0}
    """
    if target not in G:
        return {}
    col = _integrated_from_holders(upstream_holders(G, target, pct_attr), target)
    return {str(n): 100.0 * f for n, f in sorted(col.items(), key=lambda kv: str(kv[0]))}


def ownership_paths(
    G: nx.DiGraph,
    holder: Hashable,
    target: Hashable,
    *,
    pct_attr: str = "pct",
    max_paths: int = 5,
    max_hops: int | None = None,
) -> tuple[OwnershipPath, ...]:
    """The ``max_paths`` simple ownership paths from ``holder`` to ``target`` with the largest
    products (best first), optionally at most ``max_hops`` edges long.

    Found with Yen's k-shortest simple paths on weights ``−log(pct/100)``, so the first path is
    the single largest contribution. With cross-holdings the integrated share also counts
    non-simple walks; compare the products' sum with :func:`integrated_ownership` to see how
    much the listed paths explain.

    Example:
        >>> G = nx.DiGraph([("P", "A", {"pct": 60}), ("A", "B", {"pct": 50}), ("P", "B", {"pct": 10})])
        >>> [(p.nodes, round(p.product, 6)) for p in ownership_paths(G, "P", "B")]
        [(('P', 'A', 'B'), 30.0), (('P', 'B'), 10.0)]
    """
    if target not in G:
        return ()
    return holdings_paths(upstream_holdings(G, target, pct_attr), holder, target, max_paths, max_hops)


def holdings_paths(
    H: nx.DiGraph, holder: Hashable, target: Hashable, max_paths: int, max_hops: int | None
) -> tuple[OwnershipPath, ...]:
    if holder not in H or target not in H or holder == target or max_paths <= 0:
        return ()
    below = nx.descendants(H, holder)
    if target not in below:
        return ()
    between = (below & nx.ancestors(H, target)) | {holder, target}
    single = _single_path(H, between, holder, target)
    if single is not None:  # the usual case (one route): what Yen's algorithm would return
        if max_hops is not None and len(single) - 1 > max_hops:
            return ()
        pcts = tuple(float(H[a][b]["pct"]) for a, b in zip(single, single[1:], strict=False))
        prod = 100.0 * math.prod(p / 100.0 for p in pcts)
        return (OwnershipPath(tuple(str(x) for x in single), pcts, prod),)
    sub: nx.DiGraph = nx.DiGraph()
    p: float
    # built in a fixed order (a subgraph view of a small set iterates in the set's, which varies
    # per process): paths of equal weight then come out in the same order on every run
    succ = succ_dicts(H)
    for u in sorted(between, key=str):
        for v, d in succ[u].items():
            if v in between:
                p = d["pct"]
                sub.add_edge(u, v, pct=p, w=-math.log(min(p, 100.0) / 100.0))
    out: list[OwnershipPath] = []
    for path in islice(nx.shortest_simple_paths(sub, holder, target, weight="w"), max_paths * 20):
        if max_hops is not None and len(path) - 1 > max_hops:
            continue
        pcts = tuple(float(sub[a][b]["pct"]) for a, b in zip(path, path[1:], strict=False))
        prod = 100.0 * math.prod(p / 100.0 for p in pcts)
        out.append(OwnershipPath(tuple(str(x) for x in path), pcts, prod))
        if len(out) >= max_paths:
            break
    return tuple(out)


def _single_path(H: nx.DiGraph, between: set, holder: Hashable, target: Hashable) -> list | None:
    """The only simple path holder → target inside ``between``, or None when there may be more.

    Every node of ``between`` lies on a walk from ``holder`` to ``target``; if each of them except
    ``target`` has exactly one successor inside the set, every path is forced, so there is exactly
    one simple path and it is the walk that follows those successors.
    """
    succ = succ_dicts(H)
    path = [holder]
    for x in between:
        if x == target:
            continue
        n = 0
        for y in succ[x]:
            if y in between:
                n += 1
                if n > 1:
                    return None
    x = holder
    seen = {holder}
    while x != target:
        x = next(y for y in succ[x] if y in between)
        if x in seen:  # cannot happen when ``between`` is as described; stay on the safe side
            return None
        seen.add(x)
        path.append(x)
    return path
