"""Runs as of a past date are snapshots: the live alerts and their triage stay as they were."""

from __future__ import annotations

import datetime as dt
import json

from neo4j import Driver
from rulekit import AS_OF, GraphSpec, alerts, run, snapshot_alerts

from risk_rules.alerts import triage_alert
from risk_rules.backfill import backfill, period_dates
from risk_rules.config import load_config
from risk_rules.reach import spread_trend
from risk_rules.runner import run_rules

RULE = "contagion.blacklist"
PAST = dt.date(2025, 3, 31)


def _world(graph: GraphSpec) -> None:
    """BAD (listed from 2024-05-01) is guaranteed by C1, C1 by C2 (risk flows from a borrower to
    its guarantors, the strong way); C3 guarantees BAD too. C1's guarantee of BAD begins only in
    2025-06, and LATE is listed only from 2025-09, guaranteed by L1."""
    graph.company("BAD")
    graph.listed("BAD", list_date=dt.date(2024, 5, 1))
    for c in ("C1", "C2", "C3", "LATE", "L1"):
        graph.company(c)
    graph.guarantee("C1", "BAD", valid_from=dt.date(2025, 6, 1))
    graph.guarantee("C2", "C1")
    graph.guarantee("C3", "BAD")
    graph.listed("LATE", list_date=dt.date(2025, 9, 1))
    graph.guarantee("L1", "LATE")


def _live_state(driver: Driver) -> list[tuple]:
    with driver.session() as s:
        return [
            tuple(r.values())
            for r in s.run(
                "MATCH (a:Alert) RETURN a.alert_id, a.active, a.status, a.triaged_by, a.triage_comment, "
                "a.triage_history, a.last_run_id, a.content_hash, a.resolved_run_id ORDER BY a.alert_id"
            )
        ]


def test_an_as_of_run_leaves_live_alerts_and_triage_and_writes_the_snapshot(
    graph: GraphSpec, clean_graph: Driver
) -> None:
    _world(graph)
    graph.write(clean_graph)
    run(clean_graph, RULE)  # the live run (as of AS_OF, "today" for these worlds)
    live = {a["subject_key"] for a in alerts(clean_graph, RULE)}
    assert live == {"C1", "C2", "C3", "L1"}
    c1 = next(a for a in alerts(clean_graph, RULE) if a["subject_key"] == "C1")
    triage_alert(clean_graph, c1["alert_id"], "confirmed", "已核实 checked", "examiner1")
    before = _live_state(clean_graph)

    (summary,) = run(clean_graph, RULE, as_of=PAST)

    assert summary.snapshot and summary.counts is None
    assert _live_state(clean_graph) == before  # count, ids, activity, status, comment, triager
    snap = snapshot_alerts(clean_graph, RULE, PAST)
    # as of 2025-03-31 BAD's guarantee of C1 has not begun and LATE is not listed yet
    got = {a["subject_key"] for a in snap}
    assert "L1" not in got and "C3" in got
    assert summary.snapshot_counts["snapshot_alerts"] == len(snap)
    assert all(a["run_id"] == summary.run_id and "status" not in a for a in snap)
    # the snapshot alert has the live alert's id for the same subject
    c3_live = next(a for a in alerts(clean_graph, RULE) if a["subject_key"] == "C3")
    assert c3_live["alert_id"] in {a["alert_id"] for a in snap}


def test_rerunning_a_date_replaces_its_snapshot_only(graph: GraphSpec, clean_graph: Driver) -> None:
    _world(graph)
    graph.write(clean_graph)
    run(clean_graph, RULE, as_of=PAST)
    run(clean_graph, RULE, as_of=dt.date(2025, 10, 31))
    first = snapshot_alerts(clean_graph, RULE, PAST)
    (again,) = run(clean_graph, RULE, as_of=PAST)
    second = snapshot_alerts(clean_graph, RULE, PAST)
    assert [a["alert_id"] for a in second] == [a["alert_id"] for a in first]
    assert {a["run_id"] for a in second} == {again.run_id}
    assert again.snapshot_counts["replaced"] == len(first)
    assert {a["subject_key"] for a in snapshot_alerts(clean_graph, RULE, dt.date(2025, 10, 31))} >= {"L1"}
    with clean_graph.session() as s:
        scores = s.run(
            "MATCH (x:RiskScore) WHERE x.as_of = $d RETURN collect(DISTINCT x.run_id) AS runs", d=PAST
        ).single()["runs"]
        assert scores == [again.run_id]  # the earlier run's scores of that date are gone
        assert s.run("MATCH (a:Alert) RETURN count(a) AS n").single()["n"] == 0  # no live run yet
        snap = s.run("MATCH (n:Snapshot {as_of: $d}) RETURN n {.*} AS n", d=PAST).single()["n"]
        assert snap["rule_ids"] == [RULE] and snap["run_ids"] == [again.run_id]


def test_a_snapshot_writes_profiles_of_its_date_and_leaves_live_ones_and_controls(
    graph: GraphSpec, clean_graph: Driver
) -> None:
    graph.person("P:BOSS")
    for c in ("C:A", "C:B"):
        graph.company(c)
    graph.holds("P:BOSS", "C:A", 60.0)
    graph.holds("P:BOSS", "C:B", 70.0, valid_from=dt.date(2025, 7, 1))
    graph.guarantee("C:A", "C:B")
    graph.write(clean_graph)
    cfg = load_config()
    run_rules(clean_graph, cfg, as_of=AS_OF, profiles=True, today=AS_OF)
    with clean_graph.session() as s:
        live_controls = s.run(
            "MATCH (a)-[r:CONTROLS]->(b) RETURN a.entity_id + '>' + b.entity_id AS x ORDER BY x"
        )
        controls = [r["x"] for r in live_controls]
        live_profiles = s.run(
            "MATCH (p:RiskProfile) RETURN p.entity_id, p.run_id ORDER BY p.entity_id"
        ).values()
    assert controls == ["P:BOSS>C:A", "P:BOSS>C:B"]
    summaries = run_rules(clean_graph, cfg, as_of=PAST, profiles=True, today=AS_OF)
    assert all(s.status == "completed" and s.snapshot for s in summaries)
    with clean_graph.session() as s:
        assert [
            r["x"]
            for r in s.run(
                "MATCH (a)-[r:CONTROLS]->(b) RETURN a.entity_id + '>' + b.entity_id AS x ORDER BY x"
            )
        ] == controls
        assert (
            s.run("MATCH (p:RiskProfile) RETURN p.entity_id, p.run_id ORDER BY p.entity_id").values()
            == live_profiles
        )
        body = json.loads(
            s.run(
                "MATCH (p:SnapshotProfile {as_of: $d, entity_id: 'C:B'}) RETURN p.body AS b", d=PAST
            ).single()["b"]
        )
    # as of 2025-03-31 BOSS does not hold C:B yet: its controller then is nobody
    assert (body.get("ownership") or {}).get("controller") in (None, {})


def test_backfill_writes_one_snapshot_per_period_and_a_second_run_changes_nothing(
    graph: GraphSpec, clean_graph: Driver
) -> None:
    _world(graph)
    graph.write(clean_graph)
    cfg = load_config()
    run(clean_graph, RULE)  # live
    dates = period_dates(dt.date(2025, 1, 31), dt.date(2025, 11, 30), "quarter")
    assert dates == [dt.date(2025, 1, 31), dt.date(2025, 4, 30), dt.date(2025, 7, 31), dt.date(2025, 10, 31)]
    first = backfill(clean_graph, cfg, dates, rule_ids=[RULE], profiles=False, today=AS_OF)
    assert [r.status for r in first] == ["written"] * 4

    def state() -> list:
        with clean_graph.session() as s:
            return [
                s.run("MATCH (n:Snapshot) RETURN n.as_of AS d, n.run_ids AS r ORDER BY d").values(),
                s.run(
                    "MATCH (a:SnapshotAlert) RETURN a.as_of, a.alert_id, a.content_hash ORDER BY a.as_of, a.alert_id"
                ).values(),
                s.run("MATCH (x:RiskScore) RETURN x.as_of, count(*) ORDER BY x.as_of").values(),
                s.run("MATCH (r:RuleRun) RETURN count(r)").values(),
            ]

    before, live = state(), _live_state(clean_graph)
    assert len(before[0]) == 4
    second = backfill(clean_graph, cfg, dates, rule_ids=[RULE], profiles=False, today=AS_OF)
    assert [r.status for r in second] == ["held"] * 4
    assert state() == before and _live_state(clean_graph) == live

    trend = spread_trend(clean_graph)
    assert [p["as_of"] for p in trend] == [d.isoformat() for d in dates] + [AS_OF.isoformat()]
    by_date = {p["as_of"]: p for p in trend}
    assert by_date["2025-01-31"]["listed"] == 1 and by_date["2025-10-31"]["listed"] == 2
    assert by_date["2025-10-31"]["newly_reached"] >= 1  # L1, once LATE is listed
    assert by_date[AS_OF.isoformat()]["source"] == "live" and by_date["2025-01-31"]["source"] == "snapshot"


def test_cli_backfill_shows_each_date_and_a_second_run_holds_them(
    graph: GraphSpec, clean_graph: Driver, neo4j_env
) -> None:
    import subprocess
    import sys

    _world(graph)
    graph.write(clean_graph)
    env = {**neo4j_env, "COLUMNS": "250", "RISKGRAPH_RULES_TODAY": AS_OF.isoformat()}
    cmd = [sys.executable, "-m", "riskgraph", "rules", "backfill", "--from", "2025-09-30", "--every", "month"]
    cmd += ["--to", "2025-11-30", "--rule", RULE]
    first = subprocess.run(cmd, env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stdout[-2000:] + first.stderr[-2000:]
    assert all(d in first.stdout for d in ("2025-09-30", "2025-10-30", "2025-11-30"))
    assert "3 snapshot(s) written, 0 already held" in first.stdout
    second = subprocess.run(cmd, env=env, capture_output=True, text=True)
    assert second.returncode == 0 and "0 snapshot(s) written, 3 already held" in second.stdout
    late = subprocess.run(
        [*cmd[:5], "--from", "2025-12-01", "--to", AS_OF.isoformat()], env=env, capture_output=True, text=True
    )
    assert late.returncode != 0 and "must be before today" in late.stderr + late.stdout
    with clean_graph.session() as s:
        assert s.run("MATCH (n:Snapshot) RETURN count(n) AS n").single()["n"] == 3
        assert s.run("MATCH (a:Alert) RETURN count(a) AS n").single()["n"] == 0
