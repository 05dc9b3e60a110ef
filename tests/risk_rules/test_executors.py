"""The executors give the same alerts, byte for byte: in this process, in worker processes, on Spark.

On the generator's xs world (1,000 companies, loaded with true ids) the rules that split their work
into units (guarantee circles per guarantee component; beneficial owners and actual controllers per
upstream closure of at most 200 companies of an ownership component; contagion's explaining paths
per component of the listed entities' ball) run once in process — the reference — and again
through each executor; the second run must find every alert unchanged (same id, evidence JSON,
severity, content hash), every rule must raise alerts, and the split must really be a split (many
units). The pure splitters are also held against the unsplit algorithms without a database.
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
from risk_rules.algorithms import all_controllers, blacklist_contagion, guarantee_circles_from_edges
from risk_rules.config import load_config
from risk_rules.execution import InProcessExecutor, ProcessExecutor
from risk_rules.execution.spark import MISSING, spark_available
from risk_rules.execution.split import guarantee_circles_split, ownership_units
from risk_rules.execution.split_contagion import split_path_search
from risk_rules.execution.split_control import all_controllers_split, control_units, controllers_of_unit
from risk_rules.runner import run_rules
from tests.support.child_env import child_env

AS_OF = dt.date(2025, 12, 31)
CLI = [sys.executable, "-m", "riskgraph"]
SPLIT_RULES = [
    "guarantee.circle",
    "ownership.beneficial_owner",
    "control.actual_controller",
    "contagion.blacklist",
]
# every company with holders, identified owners reported too: the most alerts to compare
CONFIG = {"rules": {"ownership.beneficial_owner": {"scope": "all", "report_identified": True}}}


class CountingExecutor(InProcessExecutor):
    """The in-process executor, counting the units it is handed (the split is not vacuous): it
    asks for the units, as a parallel executor does."""

    splitting_pays = True

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
    # one map per rule; every split but the contagion's is many units (on xs the listed entities'
    # three-hop ball is one component: its path search is one unit there)
    assert len(counting.units) == len(SPLIT_RULES) and min(counting.units) >= 1, counting.units
    assert sorted(counting.units)[1] > 10, counting.units
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


#: Spark local as cheap as it goes: two cores, as many partitions, no UI, reused Python workers; the
#: JIT's quick tier and the serial collector (short tasks: on the 2-core machine, starting a session
#: and running a first job took 9.5–10.1 s against 13.1–13.8 s with the JVM's defaults).
SPARK_TEST_CONF = {
    "spark.default.parallelism": "2",
    "spark.sql.shuffle.partitions": "2",
    "spark.ui.enabled": "false",
    "spark.python.worker.reuse": "true",
    "spark.driver.memory": "1g",
    "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
}


@pytest.fixture(scope="module")
def spark_executor():
    """One Spark local[2] session for the module, stopped at its end (skipped without pyspark)."""
    pytest.importorskip("pyspark", reason=MISSING)
    from risk_rules.execution.spark import SparkExecutor

    executor = SparkExecutor(master="local[2]", conf=SPARK_TEST_CONF)
    try:
        yield executor
    finally:
        executor.close()


@pytest.mark.spark
@pytest.mark.skipif(not spark_available(), reason=MISSING)
def test_spark_local_executor_same_alerts_as_in_process(neo4j_driver, reference, spark_executor):
    summaries = _run(neo4j_driver, spark_executor)
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


def _random_ownership(seed: int) -> tuple[nx.DiGraph, list, list]:
    """A sparse random ownership world: many small components, cross-holdings, boards appointed by
    holders, relatives holding in the same company (so positions and family change the answers)."""
    rng = np.random.default_rng(seed)
    n_p, n_c = 1500, 2000
    G = nx.DiGraph()
    for _ in range(900):
        c = f"C:{rng.integers(n_c):04d}"
        h = f"P:{rng.integers(n_p):04d}" if rng.random() < 0.6 else f"C:{rng.integers(n_c):04d}"
        if h != c:
            G.add_edge(h, c, pct=float(rng.choice([10.0, 20.0, 25.0, 30.0, 35.0, 51.0])))
    for n in G:
        G.nodes[n]["kind"] = "person" if n.startswith("P:") else "company"
    companies = sorted(c for c in G if G.in_degree(c) > 0)
    positions, family = [], []
    for c in companies[::3]:
        holders = sorted(G.pred[c])
        persons = [h for h in holders if h.startswith("P:")]
        for _ in range(3):  # a board of three, mostly the holders' people
            who = (
                persons[rng.integers(len(persons))]
                if persons and rng.random() < 0.7
                else f"P:{rng.integers(n_p):04d}"
            )
            positions.append((who, c, ["chairman", "director", "supervisor"][rng.integers(3)]))
        if len(persons) >= 2:
            family.append((persons[0], persons[1], ["spouse", "sibling", "colleague"][rng.integers(3)]))
    return G, positions, family


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("scope", ["near", "extended"])
def test_controllers_split_equal_unsplit(seed, scope):
    """Without a database: controllers per component of holdings + positions + family ties are the
    unsplit call's, in its order, with and without family blocks."""
    G, positions, family = _random_ownership(seed)
    for fam in (family, None):
        whole = all_controllers(G, positions=positions, family_pairs=fam, family_scope=scope)
        counting = CountingExecutor()
        split = all_controllers_split(counting, G, positions=positions, family_pairs=fam, family_scope=scope)
        assert len(whole) > 50 and list(split.items()) == list(whole.items())
        assert counting.units[0] > 20
        # one component cut into closures of one company each: still the unsplit answers
        units = control_units(G, positions, fam, max_companies=1)
        one_each = {c: r for u in units for c, r in controllers_of_unit(u, family_scope=scope).items()}
        assert dict(sorted(one_each.items())) == whole
    # the positions and family ties the units carry decide some of the answers
    assert all_controllers(G, positions=positions, family_pairs=family) != all_controllers(G)


def test_control_units_carry_board_seats_and_families_of_the_closure():
    """A unit of a company carries the positions at it and at its holder companies, and the whole
    family cluster of the persons above it, not the other units' rows."""
    G = nx.DiGraph(
        [("P:a", "C:1", {"pct": 40.0}), ("C:1", "C:2", {"pct": 40.0}), ("P:z", "C:3", {"pct": 9.0})]
    )
    for n in G:
        G.nodes[n]["kind"] = "person" if n.startswith("P:") else "company"
    positions = [("P:d", "C:1", "director"), ("P:e", "C:3", "director")]
    family = [("P:a", "P:b", "spouse"), ("P:b", "P:c", "sibling"), ("P:z", "P:y", "parent")]
    units = control_units(G, positions, family, max_companies=1)
    assert [u.companies for u in units] == [("C:1",), ("C:2",), ("C:3",)]
    assert sorted(units[1].graph) == ["C:1", "C:2", "P:a"]
    assert units[1].positions == (("P:d", "C:1", "director"),)
    assert units[1].family == (("P:a", "P:b", "spouse"), ("P:b", "P:c", "sibling"))
    assert units[2].family == (("P:z", "P:y", "parent"),)
    assert control_units(G, [], None)[0].family is None


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_contagion_paths_split_equal_unsplit(seed):
    """Without a database: contagion on a random sparse link graph (many components, ties of equal
    strength, one-way guarantees) with the paths searched per ball component is the unsplit
    call's, score for score and path for path."""
    rng = np.random.default_rng(seed)
    rels = ["control", "guarantee", "shareholding", "family", "position", "shared_contact"]
    L = nx.MultiDiGraph()
    for _ in range(1800):
        u, v = f"E:{rng.integers(3000):04d}", f"E:{rng.integers(3000):04d}"
        L.add_edge(u, v, rel=rels[rng.integers(len(rels))], pct=float(rng.choice([20.0, 50.0, 70.0])))
    seeds = {f"E:{x:04d}": float(rng.choice([1.0, 0.6])) for x in rng.choice(3000, 60, replace=False)}
    kw = {"reverse_weights": {"guarantee": 0.0}, "majority_pct": 50.0, "top_k_paths": 3}
    whole = blacklist_contagion(L, seeds, **kw)
    counting = CountingExecutor()
    split = blacklist_contagion(L, seeds, path_search=split_path_search(counting), **kw)
    assert len(whole.scores) > 200 and any(len(s.paths) > 1 for s in whole.scores)
    assert split == whole
    assert counting.units[0] > 5


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
