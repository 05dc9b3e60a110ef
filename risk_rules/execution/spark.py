"""The Spark executor: the same pure functions over the same units, on Apache Spark.

The rule reads its projection from Neo4j through the product's own reads (risk_rules/projection.py),
splits it into units and hands them here; each chunk of units becomes one partition of an RDD and
one Spark task, which runs :func:`risk_rules.execution.executors.run_chunk` in a Spark Python worker.
The findings come back to the driver and go through the normal alert reconciliation, so an alert
is the same whether the in-process executor or Spark computed it. Needs the optional extra
``riskgraph[spark]`` (pyspark, a Java 17 runtime); on a cluster every worker has riskgraph installed.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from risk_rules.execution.chunks import CHUNKS_PER_WORKER, in_order, indexed_chunks, run_chunk

U = TypeVar("U")
R = TypeVar("R")

MISSING = (
    "未安装 pyspark：请安装可选依赖 riskgraph[spark] / pyspark is not installed: install the optional "
    "extra riskgraph[spark] (pip install 'riskgraph[spark]') and a Java 17 runtime"
)


def spark_available() -> bool:
    """Whether pyspark can be imported (the Spark executor's tests are skipped otherwise)."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return False
    return True


def parallelism_of(master: str) -> int:
    """Cores a master string offers: ``local[2]`` → 2, ``local[*]``/``local`` → this machine's cores;
    a cluster URL: the session's default parallelism decides (0 here)."""
    if master == "local" or master == "local[*]":
        return os.cpu_count() or 1
    if master.startswith("local[") and master.endswith("]"):
        inner = master[6:-1].split(",")[0]
        return os.cpu_count() or 1 if inner == "*" else int(inner)
    return 0


class SparkExecutor:
    """Units as RDD partitions on a Spark master (``local[2]`` by default; a cluster's URL works the
    same way). The session starts at the first ``map`` and stops at :meth:`close`."""

    name = "spark"
    #: Spark runs partitions side by side (on a cluster, as many as it has cores)
    splitting_pays = True

    def __init__(
        self,
        master: str = "local[2]",
        app_name: str = "riskgraph-rules",
        conf: Mapping[str, str] | None = None,
    ) -> None:
        if not spark_available():
            raise RuntimeError(MISSING)
        self.master = master
        self.app_name = app_name
        self.conf = dict(conf or {})
        self._session: Any = None

    def _context(self) -> Any:
        if self._session is None:
            from pyspark.sql import SparkSession

            # the workers run this interpreter (the one riskgraph is installed in)
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
            os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
            local = self.master.startswith("local")
            builder = (
                SparkSession.builder.master(self.master)
                .appName(self.app_name)
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.python.worker.reuse", "true")
                # local mode listens on loopback only (a cluster's driver host is the deployment's)
                .config("spark.driver.host", "127.0.0.1" if local else "")
                .config("spark.driver.bindAddress", "127.0.0.1" if local else "0.0.0.0")
            )
            for key, value in self.conf.items():  # the caller's settings last: they win
                builder = builder.config(key, value)
            self._session = builder.getOrCreate()
            self._session.sparkContext.setLogLevel("ERROR")
        return self._session.sparkContext

    def map(self, fn: Callable[[U], R], units: Sequence[U], costs: Sequence[float] | None = None) -> list[R]:
        if not units:
            return []
        sc = self._context()
        slots = parallelism_of(self.master) or int(sc.defaultParallelism)
        chunks = indexed_chunks(units, costs, slots * CHUNKS_PER_WORKER)
        rdd = sc.parallelize(chunks, len(chunks))
        parts = rdd.map(functools.partial(run_chunk, fn)).collect()
        return in_order(len(units), parts)

    def close(self) -> None:
        if self._session is not None:
            self._session.stop()
            self._session = None
