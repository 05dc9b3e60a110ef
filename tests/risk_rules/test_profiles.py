"""Risk profiles written by a full rule run: their evidence, and reconciliation by content hash."""

from __future__ import annotations

import json

import pytest
from neo4j import Driver
from rulekit import AS_OF, GraphSpec

from risk_rules.config import load_config
from risk_rules.findings.store import PROFILE_RULE_ID
from risk_rules.runner import run_rules

pytestmark = pytest.mark.neo4j


def _world(graph: GraphSpec) -> None:
    graph.person("P:BOSS", name="王建国")
    graph.company("C:A", name="杭州甲贸易有限公司", net_assets=5e7)
    graph.company("C:B", name="杭州乙贸易有限公司", net_assets=4e7)
    graph.company("C:C", name="杭州丙贸易有限公司", net_assets=1e7)
    graph.company("C:LIST", name="温州丁投资有限公司")
    graph.holds("P:BOSS", "C:A", 60.0)
    graph.holds("P:BOSS", "C:B", 70.0)
    graph.guarantee("C:A", "C:B", 2e7)
    graph.guarantee("C:B", "C:A", 3e7)
    graph.holds("C:LIST", "C:C", 30.0)
    graph.guarantee("C:C", "C:A", 1e7)
    graph.listed("C:LIST")
    graph.loan("C:A", 5e7)
    graph.loan("C:B", 3e7)


def _profiles(driver: Driver) -> dict[str, dict]:
    with driver.session() as s:
        rows = s.run(
            "MATCH (e)-[:HAS_PROFILE]->(p:RiskProfile) RETURN e.entity_id AS id, p {.*} AS p ORDER BY id"
        )
        return {r["id"]: {**dict(r["p"]), "body": json.loads(r["p"]["body"])} for r in rows}


def _run(driver: Driver):
    summaries = run_rules(driver, load_config(), as_of=AS_OF, profiles=True, today=AS_OF)
    assert all(s.status == "completed" for s in summaries), [s.error for s in summaries]
    return summaries[-1]


def test_a_full_run_profiles_every_touched_entity_with_its_evidence(
    graph: GraphSpec, clean_graph: Driver
) -> None:
    _world(graph)
    graph.write(clean_graph)
    summary = _run(clean_graph)
    assert summary.rule_id == PROFILE_RULE_ID and summary.derived["written"] == 5
    profiles = _profiles(clean_graph)
    assert set(profiles) == {"P:BOSS", "C:A", "C:B", "C:C", "C:LIST"}
    a = profiles["C:A"]
    assert a["run_id"] == summary.run_id and a["as_of"].to_native() == AS_OF
    assert json.loads(a["rule_versions"])["contagion.blacklist"]
    body = a["body"]
    assert body["name"] == "杭州甲贸易有限公司"
    assert body["ownership"]["controller"]["controller_ids"] == ["P:BOSS"]
    assert [o["entity_id"] for o in body["ownership"]["owners"]] == ["P:BOSS"]
    rp = {r["entity_id"]: r for r in body["ownership"]["related_parties"]}
    assert "controller" in rp["P:BOSS"]["kinds"] and rp["C:B"]["paths"]
    assert body["group"]["members"] == [
        {"entity_id": "C:A", "name": "杭州甲贸易有限公司", "balance": 5e7},
        {"entity_id": "C:B", "name": "杭州乙贸易有限公司", "balance": 3e7},
    ]
    g = body["guarantees"]
    assert [m["other"] for m in g["mutual"]] == ["C:B"]
    assert g["circle"]["members"] == ["C:A", "C:B"]
    assert g["circle"]["cycle_through_applicant"] == ["C:A", "C:B", "C:A"]
    assert g["fans"] == {"out_degree": 1, "in_degree": 2}
    assert g["leverage"]["ratio"] == pytest.approx(2e7 / 5e7)
    # C:LIST, sole known holder (30%), controls C:C (CONTROLS written by this run), which guarantees C:A:
    # (1.0 × 0.85) × (0.3 × 0.85): the guarantee is taken the weak way, guarantor → borrower
    c = body["contagion"]
    assert c["hops"] == 2 and c["score"] == pytest.approx(1.0 * 0.85 * 0.3 * 0.85, abs=1e-6)
    assert c["paths"][0]["rels"] == ["control", "guarantee"]
    assert c["paths"][0]["nodes"] == ["C:LIST", "C:C", "C:A"]
    assert body["exposure"]["borrower_loans"] == 5e7


def test_a_rerun_on_unchanged_data_rewrites_no_profile(graph: GraphSpec, clean_graph: Driver) -> None:
    _world(graph)
    graph.write(clean_graph)
    first = _run(clean_graph)
    before = _profiles(clean_graph)
    second = _run(clean_graph)
    assert first.derived["groups_written"] >= 1
    assert second.derived == {
        "written": 0,
        "unchanged": 5,
        "removed": 0,
        "groups_written": 0,
        "groups_unchanged": first.derived["groups_written"],
        "groups_removed": 0,
    }
    after = _profiles(clean_graph)
    assert after == before  # same run id, same computed_at: nothing was rewritten
    assert {p["run_id"] for p in after.values()} == {first.run_id}


def test_a_changed_fact_rewrites_only_the_profiles_it_changes(graph: GraphSpec, clean_graph: Driver) -> None:
    _world(graph)
    graph.company("C:FAR", name="远方公司")
    graph.company("C:FAR2", name="远方二公司")
    graph.guarantee("C:FAR", "C:FAR2", 1e6)
    graph.write(clean_graph)
    _run(clean_graph)
    with clean_graph.session() as s:
        s.run(
            "MATCH (a:Company {entity_id: 'C:FAR2'}), (b:Company {entity_id: 'C:FAR'}) "
            "CREATE (a)-[:GUARANTEES {amount: 1e6, contract_id: 'GC-NEW'}]->(b)"
        ).consume()
    third = _run(clean_graph)
    assert third.derived["written"] == 2 and third.derived["unchanged"] == 5
    far = _profiles(clean_graph)["C:FAR"]["body"]["guarantees"]
    assert [m["other"] for m in far["mutual"]] == ["C:FAR2"] and far["circle"]["size"] == 2


def test_the_live_recompute_gives_the_run_profile(graph: GraphSpec, clean_graph: Driver) -> None:
    """Same functions, same parameters: the check's live profile equals the run's on a small world
    (the PPR score aside, which depends on the ball it is computed on)."""
    from risk_rules.findings.live import live_profile

    _world(graph)
    graph.write(clean_graph)
    _run(clean_graph)
    stored = _profiles(clean_graph)
    for eid in ("C:A", "C:B", "C:C", "P:BOSS"):
        live, touched = live_profile(clean_graph, "neo4j", eid, load_config(), [], as_of=AS_OF, today=AS_OF)
        run = stored[eid]["body"]
        assert not touched
        for part in (run, live):
            part["contagion"].pop("ppr")
        assert live == run, eid
