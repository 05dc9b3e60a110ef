"""The executors give the same alerts, byte for byte: in this process, in worker processes, on Spark.

On the generator's xs world (1,000 companies, loaded with true ids) the rules that split their work
into components (guarantee circles per guarantee component, beneficial owners per ownership
component) run once in process — the reference — and again through each executor; the second run
must find every alert unchanged (same id, evidence JSON, severity, content hash), and the split
must really be a split (many units, more than one chunk). The pure splitters are also held against
the unsplit algorithms without a database.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections.abc import Callable, Sequence
from typing import Any

import networkx as nx
import numpy as np
import pytest
import yaml
from neo4j import Driver

from bench.rules.world_loader import build, load_world
from risk_rules.algorithms import guarantee_circles_from_edges
from risk_rules.config import load_config
from risk_rules.execution import InProcessExecutor, ProcessExecutor
from risk_rules.execution.spark import MISSING, spark_available
from risk_rules.execution.split import guarantee_circles_split, ownership_units
from risk_rules.runner import run_rules
from tests.support.child_env import child_env

AS_OF = dt.date(2025, 12, 31)
CLI = [sys.executable, "-m", "riskgraph"]
SPLIT_RULES = ["guarantee.circle", "ownership.beneficial_owner"]
# every company with holders, identified owners reported too: the most alerts to compare
CONFIG = {"rules": {"ownership.beneficial_owner": {"scope": "all", "report_identified": True}}}


class CountingExecutor(InProcessExecutor):
    """The in-process executor, counting the units it is handed (the split is not vacuous)."""

    def __init__(self) -> None:
        self.units: list[int] = []

    def map(self, fn: Callable[[Any], Any], units: Sequence[Any], costs: Sequence[float] | None = None):
        self.units.append(len(units))
        return super().map(fn, units, costs)


@pytest.fixture(scope="module")
def xs_world():
    return build(seed=11, n_companies=1000)


@pytest.fixture(scope="module")
def reference(neo4j_driver: Driver, xs_world) -> dict[str, list[dict[str, Any]]]:
    """The xs world loaded once for the module; the in-process run's alerts per rule."""
    with neo4j_driver.session() as session:
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()
    w, cr = xs_world
    load_world(neo4j_driver, w, cr, progress=lambda _m: None)
    counting = CountingExecutor()
    _run(neo4j_driver, counting)
    assert len(counting.units) == len(SPLIT_RULES) and min(counting.units) > 10, counting.units
    return {r: _alerts(neo4j_driver, r) for r in SPLIT_RULES}


def _run(driver: Driver, executor) -> list:
    summaries = run_rules(
        driver, load_config(extra=CONFIG), rule_ids=SPLIT_RULES, as_of=AS_OF, today=AS_OF, executor=executor
    )
    assert all(s.status == "completed" for s in summaries), [s.error for s in summaries]
    return summaries


def _alerts(driver: Driver, rule_id: str) -> list[dict[str, Any]]:
    """What a user sees of each active alert, without the run ids and times that differ per run."""
    with driver.session() as s:
        rows = s.run(
            "MATCH (a:Alert {rule_id: $rule}) WHERE a.active RETURN a {.*} AS a ORDER BY a.alert_id",
            rule=rule_id,
        )
        return [
            {k: v for k, v in sorted(dict(r["a"]).items()) if "run_id" not in k and not k.endswith("_at")}
            for r in rows
        ]


def _assert_same_alerts(driver: Driver, summaries, reference: dict[str, list[dict[str, Any]]]) -> None:
    for s in summaries:
        c = s.counts.as_dict()
        assert (c["new"], c["changed"], c["reactivated"], c["resolved"]) == (0, 0, 0, 0), (s.rule_id, c)
        assert c["unchanged"] == len(reference[s.rule_id]) > 0
    for rule_id, want in reference.items():
        got = _alerts(driver, rule_id)
        assert [a["alert_id"] for a in got] == [a["alert_id"] for a in want]
        for g, r in zip(got, want, strict=True):
            assert g == r  # evidence is the stored JSON text: equal strings, byte for byte
            json.loads(g["evidence"])


pytestmark = pytest.mark.neo4j


def test_process_executor_same_alerts_as_in_process(neo4j_driver, reference):
    executor = ProcessExecutor(workers=2)
    try:
        summaries = _run(neo4j_driver, executor)
    finally:
        executor.close()
    _assert_same_alerts(neo4j_driver, summaries, reference)


@pytest.mark.spark
@pytest.mark.skipif(not spark_available(), reason=MISSING)
def test_spark_local_executor_same_alerts_as_in_process(neo4j_driver, reference):
    from risk_rules.execution.spark import SparkExecutor

    executor = SparkExecutor(master="local[2]")
    try:
        summaries = _run(neo4j_driver, executor)
    finally:
        executor.close()
    _assert_same_alerts(neo4j_driver, summaries, reference)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_circles_split_equal_unsplit(seed):
    """Without a database: per-component circles on a random sparse guarantee network (many small
    components, some circles, parallel edges and self-guarantees) are the unsplit call's, exactly."""
    rng = np.random.default_rng(seed)
    n, m = 3000, 3300
    g = np.array([f"C{x:05d}" for x in rng.integers(0, n, m)], dtype=object)
    b = np.array([f"C{x:05d}" for x in rng.integers(0, n, m)], dtype=object)
    a = rng.uniform(1e4, 1e8, m)
    whole = guarantee_circles_from_edges(g, b, a, max_cycles=5)
    counting = CountingExecutor()
    split = guarantee_circles_split(counting, g, b, a, max_cycles=5)
    assert len(whole) > 3 and split == whole
    assert counting.units[0] > len(whole)  # components without a circle's worth of edges are not sent


def test_ownership_units_carry_family_clusters_across_components():
    """A family tie between holders of two ownership components puts the whole cluster in both units."""
    G = nx.DiGraph()
    G.add_edge("P:a", "C:1", pct=60.0)
    G.add_edge("P:b", "C:2", pct=60.0)
    G.add_edge("P:z", "C:3", pct=60.0)
    for node, kind in [("P:a", "person"), ("P:b", "person"), ("P:z", "person")]:
        G.nodes[node]["kind"] = kind
    for node in ("C:1", "C:2", "C:3"):
        G.nodes[node]["kind"] = "company"
    fam = [("P:a", "P:b", "spouse")]
    units = ownership_units(G, ["C:1", "C:2", "C:3"], [], fam)
    assert [u.companies for u in units] == [("C:1",), ("C:2",), ("C:3",)]
    assert [u.family for u in units] == [(fam[0],), (fam[0],), ()]
    assert sorted(units[0].graph) == ["C:1", "P:a"]  # the tie, not the other component's graph
    assert ownership_units(G, ["C:1"], [], None)[0].family is None


def test_ownership_units_cut_a_component_into_upstream_closures():
    """One component's companies go into units of at most ``max_companies``, each with the holders
    above its companies only, holders in the graph's order."""
    G = nx.DiGraph()
    for a, b in [("P:x", "C:1"), ("P:y", "C:1"), ("P:x", "C:2"), ("C:2", "C:3"), ("P:z", "C:3")]:
        G.add_edge(a, b, pct=50.0)
    for n in G:
        G.nodes[n]["kind"] = "person" if n.startswith("P:") else "company"
    units = ownership_units(
        G, ["C:1", "C:2", "C:3"], [("P:q", "C:3", "senior_manager")], None, max_companies=2
    )
    assert [u.companies for u in units] == [("C:1", "C:2"), ("C:3",)]
    assert sorted(units[0].graph) == ["C:1", "C:2", "P:x", "P:y"]
    assert sorted(units[1].graph) == ["C:2", "C:3", "P:x", "P:z"]
    assert list(units[1].graph.pred["C:3"]) == list(G.pred["C:3"])
    assert units[1].positions == (("P:q", "C:3", "senior_manager"),)


def test_cli_rules_run_executor_process(neo4j_settings, neo4j_driver, reference, tmp_path):
    """`riskgraph rules run --executor process --workers 2` finds every alert of the in-process run
    unchanged; an unknown executor is refused by name."""
    cfg = tmp_path / "rules.yaml"
    cfg.write_text(yaml.safe_dump(CONFIG, allow_unicode=True), encoding="utf-8")
    env = {**child_env(neo4j_settings, tmp_path / "var"), "RISKGRAPH_RULES_TODAY": AS_OF.isoformat()}
    rules = [x for r in SPLIT_RULES for x in ("--rule", r)]
    ran = subprocess.run(
        [*CLI, "rules", "run", *rules, "--config", str(cfg), "--executor", "process", "--workers", "2"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-3000:]
    for rule_id, want in reference.items():
        assert _alerts(neo4j_driver, rule_id) == want
    bad = subprocess.run(
        [*CLI, "rules", "run", "--executor", "threads"], env=env, capture_output=True, text=True
    )
    assert bad.returncode != 0 and "threads" in bad.stdout + bad.stderr
