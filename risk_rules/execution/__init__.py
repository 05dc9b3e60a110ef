"""Where the batch rules' independent units of work run: in this process, in worker processes, on Spark.

A rule whose computation splits into independent units (a weakly connected component of the
guarantee network, of the ownership graph …) hands a picklable pure function and the units to
``ctx.executor.map``; whichever executor runs them, the results come back in the units' order and
are the same, byte for byte (each unit is computed by the same function on the same data). The
rules say which of them split (docs/scaling.md); the runner takes the executor as an argument and
the in-process one is the default.
"""

from __future__ import annotations

from risk_rules.execution.components import balanced_chunks, edges_by_component, weak_component_labels
from risk_rules.execution.executors import (
    EXECUTOR_NAMES,
    Executor,
    InProcessExecutor,
    ProcessExecutor,
    make_executor,
)

__all__ = [
    "EXECUTOR_NAMES",
    "Executor",
    "InProcessExecutor",
    "ProcessExecutor",
    "balanced_chunks",
    "edges_by_component",
    "make_executor",
    "weak_component_labels",
]
