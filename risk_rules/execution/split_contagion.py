"""Blacklist contagion's explaining paths, per weakly connected component of the seeds' ball.

The personalized PageRank of :func:`~risk_rules.algorithms.blacklist_contagion` is one small sparse
system over the whole ball (its scores are normalised over every seed, and a walker stuck on a
node without links jumps back to all of them), so it stays whole, in the driver. The explaining
paths are the costly part, and none leaves the weak component of the seed it starts from: each
component of the ball (every one holds a seed) is searched on its own with the unchanged
:func:`~risk_rules.algorithms.best_paths`. A unit keeps its seeds in the seeds' order and every
node's links in the link table's order, so the search pops the same labels in the same order as
over the whole ball, and the paths are the unsplit call's, exactly.
"""

from __future__ import annotations

import functools
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from risk_rules.algorithms.contagion import ContagionPath, PathSearch, best_paths
from risk_rules.execution.components import weak_component_labels
from risk_rules.execution.executors import Executor

Adjacency = Mapping[Hashable, Mapping[Hashable, tuple[float, str]]]


@dataclass(frozen=True)
class ContagionUnit:
    """One component of the ball: each node's links to other ball nodes, and its seeds."""

    adj: dict[Hashable, dict[Hashable, tuple[float, str]]]
    seeds: dict[Hashable, float]


def paths_of_unit(unit: ContagionUnit, **kwargs: Any) -> dict[str, tuple[ContagionPath, ...]]:
    """The explaining paths of one component (:func:`~risk_rules.algorithms.best_paths`)."""
    return best_paths(unit.adj, unit.seeds, **kwargs)


def contagion_units(
    adj: Adjacency, seeds: Mapping[Hashable, float], dist: Mapping[Hashable, int]
) -> list[ContagionUnit]:
    """The weak components of the ball ``dist`` (nodes within the hop bound of a seed) under
    ``adj``'s links, in the order of their first ball node; nodes keep ``dist``'s order."""
    nodes = list(dist)
    if not nodes:
        return []
    idx = {n: i for i, n in enumerate(nodes)}
    src: list[int] = []
    dst: list[int] = []
    for u in nodes:
        i = idx[u]
        for w in adj[u]:
            j = idx.get(w)
            if j is not None:
                src.append(i)
                dst.append(j)
    labels = weak_component_labels(
        np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64), len(nodes)
    )
    comp = dict(zip(nodes, labels.tolist(), strict=True))
    parts: list[ContagionUnit] = [ContagionUnit({}, {}) for _ in range(int(labels.max()) + 1)]
    for u in nodes:
        parts[comp[u]].adj[u] = {w: x for w, x in adj[u].items() if w in idx}
    for s, strength in seeds.items():
        if s in comp:
            parts[comp[s]].seeds[s] = strength
    return parts


def _whole_table_paths(
    adj: Adjacency, seeds: Mapping[Hashable, float], dist: Mapping[Hashable, int], **kwargs: Any
) -> dict[str, tuple[ContagionPath, ...]]:
    """The unsplit search: :func:`~risk_rules.algorithms.best_paths` over the whole link table."""
    return best_paths(adj, seeds, **kwargs)


def split_path_search(executor: Executor) -> PathSearch:
    """A ``path_search`` for :func:`~risk_rules.algorithms.blacklist_contagion` that searches each
    component of the ball as one unit on ``executor`` (cost: the component's links), or, where
    splitting does not pay (``executor.splitting_pays``), the whole link table at once as the
    default search does."""
    if not executor.splitting_pays:
        return _whole_table_paths

    def search(
        adj: Adjacency,
        seeds: Mapping[Hashable, float],
        dist: Mapping[Hashable, int],
        **kwargs: Any,
    ) -> dict[str, tuple[ContagionPath, ...]]:
        units = contagion_units(adj, seeds, dist)
        costs = [float(sum(len(nb) for nb in u.adj.values()) + 1) for u in units]
        found = executor.map(functools.partial(paths_of_unit, **kwargs), units, costs=costs)
        return {v: p for part in found for v, p in part.items()}

    return search
