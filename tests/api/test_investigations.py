"""Ownership, groups, circles, alerts (+ triage), blacklist spread, rule runs, ER review, audit, keys."""

from __future__ import annotations

import pytest

from api.audit.log import verify_chain
from tests.api import sample_graph as g
from tests.api.conftest import auth
from tests.support.keys import issue_key

pytestmark = pytest.mark.neo4j


def test_ownership_chain_and_beneficial_owners(client, graph, keys):
    r = client.get("/v1/entities/C:APPLICANT/ownership", headers=auth(keys, "examiner"))
    assert r.status_code == 200, r.text
    o = r.json()
    assert {(h["holder"], h["pct"]) for h in o["direct_holders"]} == {("P:BOSS", 60.0), ("P:WIFE", 40.0)}
    assert o["integrated"][0] == {"holder": "P:BOSS", "share_pct": 60.0}
    owners = {b["person"]: b for b in o["beneficial_owners"]["owners"]}
    assert set(owners) == {"P:BOSS", "P:WIFE"}  # both ≥ 25%
    assert owners["P:BOSS"]["paths"][0]["nodes"] == ["P:BOSS", "C:APPLICANT"]
    assert o["controller"]["controller"] and "P:BOSS" in o["controller"]["controller"]
    assert [c["controller"] for c in o["rule_controls"]] == ["P:BOSS"]
    two = client.get("/v1/entities/C:OUTSIDER/ownership", headers=auth(keys, "examiner")).json()
    assert two["integrated"] == [{"holder": "C:LISTED", "share_pct": 30.0}]
    assert two["beneficial_owners"]["owners"] == [] or two["beneficial_owners"]["basis"] != "ownership"


def test_groups(client, graph, keys):
    r = client.get("/v1/entities/C:SISTER/groups", headers=auth(keys, "approver")).json()
    assert [x["group_id"] for x in r["groups"]] == ["G:BOSS"]
    grp = client.get("/v1/groups/G:BOSS", headers=auth(keys, "approver")).json()
    assert [m["entity_id"] for m in grp["members"]] == ["C:APPLICANT", "C:SISTER"]
    assert client.get("/v1/groups/G:NOPE", headers=auth(keys, "approver")).status_code == 404


def test_guarantee_circles_list_and_detail(client, graph, keys):
    page = client.get("/v1/guarantee-circles", headers=auth(keys, "examiner")).json()
    assert [c["circle_id"] for c in page["circles"]] == [g.CIRCLE_ID]
    d = client.get(f"/v1/guarantee-circles/{g.CIRCLE_ID}", headers=auth(keys, "examiner")).json()
    assert d["circle"]["members"] == ["C:APPLICANT", "C:SISTER"]
    assert {(e["guarantor"], e["borrower"]) for e in d["edges"]} == {
        ("C:APPLICANT", "C:SISTER"),
        ("C:SISTER", "C:APPLICANT"),
    }
    assert d["exposure"]["loan_balance"] == 8.0e7
    assert d["cycles"] == [["C:APPLICANT", "C:SISTER", "C:APPLICANT"]]
    assert client.get("/v1/guarantee-circles/GC:none", headers=auth(keys, "examiner")).status_code == 404


def test_alerts_filter_detail_and_triage(client, graph, keys, neo4j_driver):
    lst = client.get(
        "/v1/alerts", params={"entity_id": "C:SISTER", "status": "open"}, headers=auth(keys, "supervisor")
    ).json()
    assert [a["alert_id"] for a in lst["alerts"]] == [g.CIRCLE_ALERT_ID]
    none = client.get("/v1/alerts", params={"severity": "low"}, headers=auth(keys, "supervisor")).json()
    assert none["alerts"] == []
    one = client.get(f"/v1/alerts/{g.CIRCLE_ALERT_ID}", headers=auth(keys, "examiner")).json()
    assert one["evidence"]["circle_id"] == g.CIRCLE_ID and one["runs"] == ["R-CIRCLE-1"]
    t = client.post(
        f"/v1/alerts/{g.CIRCLE_ALERT_ID}/triage",
        json={"status": "confirmed", "comment": "已核实"},
        headers=auth(keys, "examiner"),
    )
    assert t.status_code == 200, t.text
    assert t.json()["status"] == "confirmed" and t.json()["user"] == "test-examiner"
    rec = neo4j_driver.execute_query(
        "MATCH (a:Alert {alert_id: $id}) RETURN a.status AS s, a.triage_comment AS c",
        {"id": g.CIRCLE_ALERT_ID},
    ).records[0]
    assert (rec["s"], rec["c"]) == ("confirmed", "已核实")
    assert (
        client.post(
            "/v1/alerts/nope/triage", json={"status": "dismissed"}, headers=auth(keys, "examiner")
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/v1/alerts/{g.CIRCLE_ALERT_ID}/triage", json={"status": "open"}, headers=auth(keys, "approver")
        ).status_code
        == 403
    )
    client.post(
        f"/v1/alerts/{g.CIRCLE_ALERT_ID}/triage", json={"status": "open"}, headers=auth(keys, "examiner")
    )


def test_blacklist_spread_since_a_date(client, graph, keys):
    r = client.get("/v1/blacklist/spread", params={"since": "2026-10-01"}, headers=auth(keys, "supervisor"))
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["current_run"]["run_id"] == "R-SCORE-1" and d["baseline_run"] is None
    assert [x["entity_id"] for x in d["newly_reached"]] == ["C:APPLICANT"]
    assert d["newly_reached"][0]["paths"] == [["C:APPLICANT", "C:OUTSIDER", "C:LISTED"]]


def test_rule_runs(client, graph, keys):
    runs = client.get("/v1/rule-runs", headers=auth(keys, "admin")).json()["runs"]
    assert [x["run_id"] for x in runs] == ["R-SCORE-1", "R-CIRCLE-1"]
    one = client.get("/v1/rule-runs/R-CIRCLE-1", headers=auth(keys, "admin")).json()
    assert one["alerts"] == 1 and one["counts"] == {"new": 1}
    page1 = client.get("/v1/rule-runs", params={"limit": 1}, headers=auth(keys, "admin")).json()
    page2 = client.get(
        "/v1/rule-runs",
        params={"limit": 1, "cursor": page1["page"]["next_cursor"]},
        headers=auth(keys, "admin"),
    ).json()
    assert [x["run_id"] for x in page1["runs"] + page2["runs"]] == ["R-SCORE-1", "R-CIRCLE-1"]


def test_review_judgements_and_splits_are_stored_as_nodes(client, graph, keys, neo4j_driver):
    neo4j_driver.execute_query(
        "MATCH (p:Person {entity_id: 'P:BOSS'}) "
        "CREATE (s:SourceRecord {record_key: 'test|persons|src-2', source: 'test'}) "
        "CREATE (p)-[:DERIVED_FROM {match_evidence: $ev}]->(s)",
        {
            "ev": '{"method": "entity_resolution", "spec": "person_cn", "pairs": ['
            '{"other": "test|persons|src-1", "score": 2.5, "decision": "review", "rule": "2<=weight<8"}, '
            '{"other": "test|persons|src-9", "score": 9.0, "decision": "match", "rule": "weight>=8"}]}'
        },
    )
    q = client.get("/v1/review/pairs", headers=auth(keys, "examiner")).json()
    pair = ("test|persons|src-1", "test|persons|src-2")
    assert [(p["record_id_a"], p["record_id_b"]) for p in q["pairs"]] == [pair]
    assert q["pairs"][0]["score"] == 2.5 and q["pairs"][0]["judgements"] == []
    j = client.post(
        "/v1/review/judgements",
        json={
            "record_id_a": "test|persons|src-2",
            "record_id_b": "test|persons|src-1",
            "verdict": "different",
        },
        headers=auth(keys, "examiner"),
    )
    assert j.status_code == 201, j.text
    assert (j.json()["record_id_a"], j.json()["record_id_b"]) == ("test|persons|src-1", "test|persons|src-2")
    from entity_resolution.review import Judgement

    stored = neo4j_driver.execute_query(
        "MATCH (j:ReviewJudgement {kind: 'pair'}) RETURN properties(j) AS j"
    ).records
    Judgement(**{k: stored[0]["j"][k] for k in ("record_id_a", "record_id_b", "verdict", "reviewer")})
    again = client.get("/v1/review/pairs", headers=auth(keys, "examiner")).json()
    assert again["pairs"][0]["judgements"][0]["verdict"] == "different"
    pending = client.get(
        "/v1/review/pairs", params={"pending_only": True}, headers=auth(keys, "examiner")
    ).json()
    assert pending["pairs"] == []
    bad = client.post(
        "/v1/review/splits",
        json={"entity_id": "P:BOSS", "parts": [["test|persons|src-1"], ["test|persons|nope"]]},
        headers=auth(keys, "admin"),
    )
    assert bad.status_code == 400
    sp = client.post(
        "/v1/review/splits",
        json={"entity_id": "P:BOSS", "parts": [["test|persons|src-1"], ["test|persons|src-2"]]},
        headers=auth(keys, "admin"),
    )
    assert sp.status_code == 201 and sp.json()["parts"] == [["test|persons|src-1"], ["test|persons|src-2"]]
    js = client.get("/v1/review/judgements", params={"kind": "split"}, headers=auth(keys, "admin")).json()
    assert [x["entity_id"] for x in js["judgements"]] == ["P:BOSS"]
    assert (
        client.post(
            "/v1/review/judgements",
            json={"record_id_a": "x", "record_id_b": "y", "verdict": "same"},
            headers=auth(keys, "approver"),
        ).status_code
        == 403
    )


def test_audit_endpoint_for_auditors_only_and_verify(client, graph, keys):
    client.get("/v1/entities/C:APPLICANT", headers=auth(keys, "examiner", purpose="CASE-AUD-7"))
    r = client.get("/v1/audit", params={"purpose_ref": "CASE-AUD-7"}, headers=auth(keys, "auditor"))
    assert r.status_code == 200
    recs = r.json()["records"]
    assert recs and all(x["purpose_ref"] == "CASE-AUD-7" for x in recs)
    assert client.get("/v1/audit/verify", headers=auth(keys, "auditor")).json()["ok"] is True
    assert client.get("/v1/audit", headers=auth(keys, "admin")).status_code == 403
    # no API call alters the log: every method other than GET on it is refused
    for method in ("post", "put", "delete", "patch"):
        assert getattr(client, method)("/v1/audit", headers=auth(keys, "auditor")).status_code == 405


def test_keys_issue_use_and_revoke(client, graph, keys, api_settings):
    # keys are issued to existing users only: an examiner of the head office
    issue_key("new.user", ["examiner"])
    r = client.post(
        "/v1/keys",
        json={"user_id": "new.user", "scopes": ["examiner"], "ttl_days": 1},
        headers=auth(keys, "admin"),
    )
    assert r.status_code == 201, r.text
    new = r.json()
    me = client.get("/v1/me", headers={"X-API-Key": new["key"]}).json()
    assert me["user_id"] == "new.user" and me["roles"] == ["examiner"] and "entity:read" in me["permissions"]
    listed = client.get("/v1/keys", headers=auth(keys, "admin")).text
    assert new["key"] not in listed and "argon2" not in listed
    assert client.post(f"/v1/keys/{new['key_id']}/revoke", headers=auth(keys, "admin")).status_code == 200
    assert client.get("/v1/me", headers={"X-API-Key": new["key"]}).status_code == 401
    assert verify_chain(api_settings.audit_log_path).ok
