"""Alert lifecycle: deterministic ids, no change on a rerun, triage kept, resolution, run records."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from rulekit import alerts, run

from risk_rules.alerts import TriageError, triage_alert
from risk_rules.config import ConfigError, load_config
from risk_rules.registry import all_rules

pytestmark = pytest.mark.neo4j

VOLATILE = {"last_run_id"}  # the sighting marker; everything else must stay identical


def _snapshot(driver, rule_id):
    return {
        a["alert_id"]: {k: v for k, v in a.items() if k not in VOLATILE}
        for a in alerts(driver, rule_id, active_only=False)
    }


def _two_circles(graph):
    for c in "ABCDE":
        graph.company(c)
    graph.guarantee("A", "B")
    graph.guarantee("B", "A")
    graph.guarantee("C", "D")
    graph.guarantee("D", "E")
    graph.guarantee("E", "C")


def test_rerun_on_unchanged_data_changes_no_alert_and_keeps_triage(graph, clean_graph):
    _two_circles(graph)
    graph.write(clean_graph)
    first = run(clean_graph, "guarantee.circle", "guarantee.mutual")
    assert {s.rule_id: s.counts.new for s in first} == {"guarantee.circle": 2, "guarantee.mutual": 1}
    circle_ids = sorted(a["alert_id"] for a in alerts(clean_graph, "guarantee.circle"))
    triage_alert(clean_graph, circle_ids[0], "confirmed", "已核实 verified", "analyst1")
    triage_alert(clean_graph, circle_ids[1], "dismissed", "known structure", "analyst2")
    before = _snapshot(clean_graph, "guarantee.circle")

    second = run(clean_graph, "guarantee.circle", "guarantee.mutual")
    for s in second:
        c = s.counts
        assert (c.new, c.changed, c.resolved, c.reactivated) == (0, 0, 0, 0), s
    assert _snapshot(clean_graph, "guarantee.circle") == before
    statuses = {
        a["alert_id"]: (a["status"], a["triaged_by"]) for a in alerts(clean_graph, "guarantee.circle")
    }
    assert statuses == {circle_ids[0]: ("confirmed", "analyst1"), circle_ids[1]: ("dismissed", "analyst2")}
    with clean_graph.session() as s:
        n = s.run("MATCH (a:Alert) RETURN count(a) AS n").single()["n"]
        raised = s.run(
            "MATCH (a:Alert {alert_id: $id})-[:RAISED_IN]->(r:RuleRun) RETURN count(r) AS n", id=circle_ids[0]
        ).single()["n"]
    assert n == 3  # no duplicates
    assert raised == 2  # both runs recorded their sighting


def test_vanished_alert_becomes_inactive_then_reactivates_with_triage(graph, clean_graph):
    _two_circles(graph)
    graph.write(clean_graph)
    run(clean_graph, "guarantee.mutual")
    (a,) = alerts(clean_graph, "guarantee.mutual")
    triage_alert(clean_graph, a["alert_id"], "confirmed", None, "u")
    with clean_graph.session() as s:
        s.run(
            "MATCH ({entity_id: 'B'})-[r:GUARANTEES]->({entity_id: 'A'}) SET r.valid_to = date('2020-01-01')"
        ).consume()
    (summary,) = run(clean_graph, "guarantee.mutual")
    assert summary.counts.resolved == 1
    assert alerts(clean_graph, "guarantee.mutual") == []
    (gone,) = alerts(clean_graph, "guarantee.mutual", active_only=False)
    assert gone["active"] is False and gone["status"] == "confirmed"  # kept, not deleted
    with clean_graph.session() as s:
        s.run("MATCH ({entity_id: 'B'})-[r:GUARANTEES]->({entity_id: 'A'}) REMOVE r.valid_to").consume()
    (summary,) = run(clean_graph, "guarantee.mutual")
    assert summary.counts.reactivated == 1
    (back,) = alerts(clean_graph, "guarantee.mutual")
    assert back["alert_id"] == a["alert_id"] and back["status"] == "confirmed"


def test_rule_run_node_records_parameters_as_of_counts_duration(graph, clean_graph):
    _two_circles(graph)
    graph.write(clean_graph)
    (s1,) = run(clean_graph, "guarantee.circle", guarantee__circle={"critical_size": 3})
    with clean_graph.session() as s:
        r = s.run("MATCH (r:RuleRun {run_id: $id}) RETURN r {.*} AS r", id=s1.run_id).single()["r"]
    assert r["status"] == "completed" and r["rule_id"] == "guarantee.circle" and r["rule_version"] == "1.0"
    assert str(r["as_of"]) == "2025-12-31"
    assert json.loads(r["parameters"])["rule"]["critical_size"] == 3
    assert json.loads(r["counts"])["new"] == 2
    assert r["duration_ms"] >= 0
    sev = {tuple(a["entity_ids"]): a["severity"] for a in alerts(clean_graph, "guarantee.circle")}
    assert sev == {("A", "B"): "high", ("C", "D", "E"): "critical"}  # size 3 ≥ critical_size 3


def test_triage_rejects_unknown_status_and_alert(clean_graph):
    with pytest.raises(TriageError, match="invalid triage status"):
        triage_alert(clean_graph, "x", "closed", None, "u")
    with pytest.raises(TriageError, match="no such alert"):
        triage_alert(clean_graph, "guarantee.mutual:nope", "confirmed", None, "u")


def test_config_override_file_is_validated(tmp_path):
    ok = tmp_path / "bank.yaml"
    ok.write_text(
        "bank:\n  net_capital: 5.0e9\nrules:\n  guarantee.one_for_many:\n    min_degree: 5\n",
        encoding="utf-8",
    )
    cfg = load_config(ok)
    assert cfg.bank.net_capital == 5e9 and cfg.bank.tier1_capital == 16e9
    assert cfg.rules["guarantee.one_for_many"]["min_degree"] == 5
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  guarantee.one_for_many:\n    min_degre: 5\n", encoding="utf-8")
    from risk_rules.config import rule_params
    from risk_rules.rules.guarantee_fans import Params

    with pytest.raises(ConfigError, match="min_degre"):
        rule_params(load_config(bad), "guarantee.one_for_many", Params)
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "missing.yaml")


def test_every_rule_has_valid_default_parameters():
    from risk_rules.config import rule_params

    cfg = load_config()
    rules = all_rules()
    assert len({r.id for r in rules}) == len(rules)
    for r in rules:
        assert r.version and r.description_zh and r.description_en
        rule_params(cfg, r.id, r.Params)
    assert set(cfg.rules) == {r.id for r in rules}


def test_cli_rules_list_shows_every_rule(neo4j_env):
    out = subprocess.run(
        [sys.executable, "-m", "riskgraph", "rules", "list", "--json"],
        env=neo4j_env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    listed = json.loads(out)["rules"]
    assert [r["id"] for r in listed] == [r.id for r in all_rules()]
    for r in listed:
        assert r["version"] and r["description_zh"] and r["description_en"] and r["parameters"]


def test_cli_rules_run_twice_reports_unchanged(graph, clean_graph, neo4j_env):
    _two_circles(graph)
    graph.write(clean_graph)
    # the world is dated 2025-12-31: that day is "today" for its runs (else a snapshot, not live)
    neo4j_env = {**neo4j_env, "COLUMNS": "250", "RISKGRAPH_RULES_TODAY": "2025-12-31"}
    cmd = [
        sys.executable,
        "-m",
        "riskgraph",
        "rules",
        "run",
        "--rule",
        "guarantee.circle",
        "--as-of",
        "2025-12-31",
    ]
    first = subprocess.run(cmd, env=neo4j_env, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr + first.stdout
    before = _snapshot(clean_graph, "guarantee.circle")
    second = subprocess.run(cmd, env=neo4j_env, capture_output=True, text=True)
    assert second.returncode == 0, second.stderr
    assert "guarantee.circle" in second.stdout and "completed" in second.stdout
    assert _snapshot(clean_graph, "guarantee.circle") == before
    bad = subprocess.run([*cmd[:6], "no.such.rule"], env=neo4j_env, capture_output=True, text=True)
    assert bad.returncode != 0 and "unknown rule" in bad.stderr
