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
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from neo4j import Driver
from rich.console import Console
from truthkit import entity_to_true

from risk_rules.reach import spread_trend
from risk_rules.registry import all_rules
from riskgraph import demo
from riskgraph.cli import app
from riskgraph.settings import Settings, get_settings

# about a minute of stages on an idle machine (docs/benchmarks.md); more when the machine is shared
pytestmark = [pytest.mark.neo4j, pytest.mark.timeout(1800)]

SCALE = "xs"  # the demo's own default scale (`riskgraph demo`), which runs here within a minute
SKIPPED = ("db start", "users demo", "serve")  # the test session's server; keys and serving are not data


SEVERITY_OF_LEVEL = {"near": "medium", "over": "high", "critical": "critical"}
RANK = {"low": 0, "medium": 1, "high": 2, "critical": 3}


@pytest.fixture(scope="module")
def demo_run(neo4j_driver: Driver, neo4j_settings: Settings, tmp_path_factory) -> Path:
    """Run the demo's data stages against the emptied test server; the generated data set's folder."""
    with neo4j_driver.session() as session:
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()
    var = tmp_path_factory.mktemp("demo-var")
    console = Console(file=io.StringIO(), width=200)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NEO4J_URI", neo4j_settings.bolt_uri)
        mp.setenv("NEO4J_USER", neo4j_settings.neo4j_user)
        mp.setenv("NEO4J_PASSWORD", neo4j_settings.resolved_password())
        mp.setenv("RISKGRAPH_VAR_DIR", str(var))
        mp.setenv("COLUMNS", "200")
        get_settings.cache_clear()
        try:
            with demo.demo_bank(SCALE):  # as run_demo runs its stages
                for stage in demo.stages(SCALE):
                    if " ".join(stage.command).startswith(SKIPPED):
                        continue
                    rc = demo.run_in_process(console, app, stage.command)
                    assert rc == 0, f"{stage.title}: exit {rc}\n{console.file.getvalue()[-3000:]}"  # type: ignore[attr-defined]
        finally:
            get_settings.cache_clear()
    return var / "demo-data" / SCALE


@pytest.fixture(scope="module")
def alerts(neo4j_driver: Driver, demo_run: Path) -> list[dict]:
    with neo4j_driver.session() as s:
        return [
            r.data()
            for r in s.run(
                "MATCH (a:Alert {active: true}) "
                "RETURN a.rule_id AS rule, a.kind AS kind, a.subject_key AS key, a.severity AS severity, "
                "a.entity_ids AS ids"
            )
        ]


@pytest.fixture(scope="module")
def planted(demo_run: Path) -> dict:
    return json.loads((demo_run / "ground_truth" / "demo_bank.json").read_text(encoding="utf-8"))


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


def test_demo_pipeline_every_rule_alerts(neo4j_driver: Driver, alerts: list[dict]) -> None:
    counts = Counter(a["rule"] for a in alerts)
    shares = flagged_shares(neo4j_driver, alerts)
    print(
        json.dumps(
            {r: {"alerts": counts[r], "flagged_share": round(v, 4)} for r, v in shares.items()}, indent=1
        )
    )
    assert [rule.id for rule in all_rules() if counts[rule.id] == 0] == []


def test_every_planted_case_is_alerted_by_its_rule(
    neo4j_driver: Driver, demo_run: Path, alerts: list[dict], planted: dict
) -> None:
    to_true = entity_to_true(neo4j_driver, demo_run)
    insider_ids = {i["true_id"]: i["strong_id"] for i in planted["insiders"] if i["configured"]}
    by_rule: dict[str, list[dict]] = defaultdict(list)
    for a in alerts:
        by_rule[a["rule"]].append({**a, "true": {to_true.get(e, e) for e in a["ids"]}})
    with neo4j_driver.session() as s:
        present = {
            r["e"]
            for r in s.run(
                "MATCH (e) WHERE e.entity_id IN $ids RETURN e.entity_id AS e", ids=list(insider_ids.values())
            )
        }
    assert present == set(insider_ids.values())  # the configured insiders are entities of the graph
    missed = []
    for case in planted["cases"]:
        if case.get("needs_person_id"):  # a person insider, not configured (docs/rules.md)
            continue
        rule, level = case["rule"], case["level"]
        if (
            "members" in case and case.get("kind") != "group"
        ):  # a group customer: all its members alerted as one
            hits = [a for a in by_rule[rule] if set(case["members"]) <= a["true"]]
        elif rule == "concentration.related_party":
            key = "single|" if case["kind"] == "single" else f"group|{insider_ids[case['insider']]}"
            hits = [
                a
                for a in by_rule[rule]
                if (
                    case["kind"] == "single"
                    and a["key"].startswith(key)
                    and to_true.get(a["key"][7:]) == case["entity"]
                )
                or (case["kind"] == "group" and a["key"] == key)
            ]
        else:
            hits = [a for a in by_rule[rule] if case["entity"] in a["true"]]
        # a limit's level sets the severity; a data-quality case only has to be reported
        want = "low" if rule.startswith("data_quality.") else SEVERITY_OF_LEVEL[level]
        if not any(RANK[a["severity"]] >= RANK[want] for a in hits):
            missed.append(
                f"{rule} {case.get('kind', '')} {level} {case.get('entity') or case.get('members')} "
                f"ratio {case.get('ratio')}: found {[(a['key'], a['severity']) for a in hits]}"
            )
    assert missed == []


def test_ordinary_customers_are_within_the_limits(
    neo4j_driver: Driver, demo_run: Path, alerts: list[dict], planted: dict
) -> None:
    """The bank is sized so that only the planted cases reach a limit's warning level."""
    to_true = entity_to_true(neo4j_driver, demo_run)
    cases = planted["cases"]
    singles = {c["entity"] for c in cases if c["rule"] == "concentration.large_exposure"}
    groups = [set(c["members"]) for c in cases if c["rule"] == "group.concentration"]
    got_singles = {
        to_true.get(a["key"], a["key"]) for a in alerts if a["rule"] == "concentration.large_exposure"
    }
    assert got_singles == singles
    for a in alerts:
        if a["rule"] == "group.concentration":
            members = {to_true.get(e, e) for e in a["ids"]}
            assert any(g <= members for g in groups), members


def test_listings_appear_in_every_month_of_the_last_year(neo4j_driver: Driver, planted: dict) -> None:
    months = {e["list_date"][:7] for e in planted["listings"]}
    assert len(months) == 12
    with neo4j_driver.session() as s:
        in_graph = {
            r["id"]: str(r["d"])
            for r in s.run("MATCH (b:BlacklistEntry) RETURN b.entry_id AS id, b.list_date AS d")
        }
    assert {e["entry_id"]: e["list_date"] for e in planted["listings"]}.items() <= in_graph.items()


def test_the_demos_backfill_gives_the_supervisors_spread_a_monthly_trend(
    neo4j_driver: Driver, demo_run: Path
) -> None:
    trend = spread_trend(neo4j_driver)
    snapshots = [t for t in trend if t["source"] == "snapshot"]
    assert len(snapshots) == 12, trend  # one per month of the sample data's year
    assert snapshots[0]["listed"] < snapshots[-1]["listed"]  # listings appear over the months
    assert any(t["newly_reached"] for t in snapshots[1:])
