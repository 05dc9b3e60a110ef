"""Actual controllers, per ownership component, cut into the upstream closures of its companies.

A company's controller is decided on its holders' blocks (the controllers of holder companies: its
ownership ancestors), the board seats at it (directors, and the holder companies they also sit in)
and the family ties of the persons among its ancestors — all within the weak component of the
projection's shareholdings, positions and family ties. The generator's ownership graph has one
component holding most companies, so as for beneficial owners a component's companies go into
units of at most :data:`~risk_rules.execution.split.MAX_COMPANIES_PER_UNIT`, each carrying the
upstream closure of its companies, the positions at the closure's companies and the whole family
cluster of every person there (:func:`~risk_rules.execution.split.ownership_units`). Each unit is
solved with the unchanged :func:`~risk_rules.algorithms.all_controllers`, and the results of its
own companies, put back in that function's order (by company id), are the unsplit call's.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import networkx as nx

from risk_rules.algorithms import ControlResult, FamilyTies, all_controllers
from risk_rules.algorithms._common import pred_dicts
from risk_rules.execution.executors import Executor
from risk_rules.execution.split import OwnershipUnit, ownership_units

Row = tuple[str, str, str]


def controllers_of_unit(unit: OwnershipUnit, **kwargs: Any) -> dict[str, ControlResult]:
    """The controlled companies among a unit's companies, solved on the unit's upstream closure
    (:func:`~risk_rules.algorithms.all_controllers`; the closure's other companies are left to
    their own unit)."""
    found = all_controllers(unit.graph, positions=unit.positions, family_pairs=unit.family, **kwargs)
    return {c: found[c] for c in unit.companies if c in found}


def control_units(
    G: nx.DiGraph, positions: Sequence[Row], family: Sequence[Row] | None, **kwargs: Any
) -> list[OwnershipUnit]:
    """Units of the companies that have holders, in ``G``'s order
    (:func:`~risk_rules.execution.split.ownership_units`)."""
    pred = pred_dicts(G)
    return ownership_units(G, [n for n in G if pred[n]], positions, family, **kwargs)


def all_controllers_split(
    executor: Executor,
    G: nx.DiGraph,
    *,
    positions: Sequence[Row],
    family_pairs: Sequence[Row] | FamilyTies | None,
    **kwargs: Any,
) -> dict[str, ControlResult]:
    """:func:`~risk_rules.algorithms.all_controllers` of ``G`` in units of :func:`control_units`
    (cost: companies × nodes of the unit's closure), merged in that function's order: by company id.
    ``family_pairs`` may be the run's :class:`~risk_rules.algorithms.FamilyTies` (units carry its rows).
    Where splitting does not pay (``executor.splitting_pays``) the whole graph is one unit: the
    unsplit call, solving the upstream ownership the units share once."""
    if not executor.splitting_pays:
        return all_controllers(G, positions=positions, family_pairs=family_pairs, **kwargs)
    rows = family_pairs.pairs if isinstance(family_pairs, FamilyTies) else family_pairs
    units = control_units(G, positions, rows)
    fn = functools.partial(controllers_of_unit, **kwargs)
    costs = [float(len(u.companies) * u.graph.number_of_nodes()) for u in units]
    found = executor.map(fn, units, costs=costs)
    merged = {k: v for part in found for k, v in part.items()}
    return {k: merged[k] for k in sorted(merged)}
