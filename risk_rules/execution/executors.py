"""The executor interface and its in-process and multi-process implementations.

``Executor.map(fn, units, costs)`` returns ``[fn(u) for u in units]``, in the units' order, however
the work is spread. ``fn`` must be a picklable pure function (a module-level function, or a
``functools.partial`` of one with picklable arguments): it reads nothing but its unit, so a unit
computed in another process, or on a Spark executor, gives exactly what it gives here.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Protocol, TypeVar

from risk_rules.execution.chunks import CHUNKS_PER_WORKER, in_order, indexed_chunks, run_chunk

U = TypeVar("U")
R = TypeVar("R")

#: Names ``riskgraph rules run --executor`` accepts.
EXECUTOR_NAMES = ("in-process", "process", "spark")


class Executor(Protocol):
    """Runs a pure function over independent units; results in the units' order.

    ``splitting_pays`` tells the split functions (``risk_rules.execution.split*``) whether to cut
    a computation into units at all: only where units run side by side (worker processes, Spark)
    does the cut pay for what the units each redo — a unit of companies re-solves the upstream
    ownership it shares with the others. Where it is False the computation is one unit, the
    unsplit algorithm's own call; either way the results are the same.
    """

    name: str

    @property
    def splitting_pays(self) -> bool: ...

    def map(
        self, fn: Callable[[U], R], units: Sequence[U], costs: Sequence[float] | None = None
    ) -> list[R]: ...

    def close(self) -> None: ...


class InProcessExecutor:
    """The default: the units one after another in this process (the floor the others are held to)."""

    name = "in-process"

    #: False: the units would run one after another here, each redoing shared work
    splitting_pays: bool = False

    def map(self, fn: Callable[[U], R], units: Sequence[U], costs: Sequence[float] | None = None) -> list[R]:
        return [fn(u) for u in units]

    def close(self) -> None:
        pass


class ProcessExecutor:
    """Worker processes on this machine (``spawn``ed: no fork of a process holding a database
    driver); the pool starts at the first ``map`` and lives until :meth:`close`."""

    name = "process"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        self._pool: ProcessPoolExecutor | None = None

    @property
    def splitting_pays(self) -> bool:
        """True with two workers or more (one worker would run the units one after another)."""
        return self.workers > 1

    def map(self, fn: Callable[[U], R], units: Sequence[U], costs: Sequence[float] | None = None) -> list[R]:
        if len(units) <= 1:  # nothing to spread: not worth the round trip
            return [fn(u) for u in units]
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context("spawn")
            )
        chunks = indexed_chunks(units, costs, self.workers * CHUNKS_PER_WORKER)
        futures = [self._pool.submit(run_chunk, fn, c) for c in chunks]
        return in_order(len(units), [f.result() for f in futures])

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def make_executor(name: str, *, workers: int | None = None, spark_master: str | None = None) -> Executor:
    """The executor of a name in :data:`EXECUTOR_NAMES` (Spark only when pyspark is installed)."""
    if name == "in-process":
        return InProcessExecutor()
    if name == "process":
        return ProcessExecutor(workers)
    if name == "spark":
        from risk_rules.execution.spark import SparkExecutor

        return SparkExecutor(master=spark_master or "local[2]")
    raise ValueError(f"未知执行器 / unknown executor {name!r}; known: {', '.join(EXECUTOR_NAMES)}")
