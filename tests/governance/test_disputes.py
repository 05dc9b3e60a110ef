"""Disputes on the real Neo4j: a disputed fact shows as disputed (graph answers and pre-loan reasons);
a correction keeps the earlier value as history, re-runs the affected rules and changes the verdict."""

from __future__ import annotations

import json

import pytest

from tests.api import sample_graph as g
from tests.governance.conftest import key_for, make_user, uid

pytestmark = pytest.mark.neo4j


@pytest.fixture
def sample(clean_graph):
    g.build(clean_graph)
    return clean_graph


@pytest.fixture
def people(neo4j_driver):
    ex = make_user(neo4j_driver, uid("exam"), branch="杭州分行", roles=("examiner",))
    sup = make_user(neo4j_driver, uid("sup"), roles=("supervisor",))
    svc = make_user(neo4j_driver, uid("svc"), roles=("service",), password=None)
    return {
        "examiner": ({"X-API-Key": key_for(neo4j_driver, ex, ["examiner"])}, ex),
        "supervisor": ({"X-API-Key": key_for(neo4j_driver, sup, ["supervisor"])}, sup),
        "service": ({"X-API-Key": key_for(neo4j_driver, svc, ["service"])}, svc),
    }


def pre_loan(client, headers, uscc, ref):
    r = client.post(
        "/v1/checks/pre-loan",
        headers=headers,
        json={"application_ref": ref, "applicant": {"uscc": uscc}, "requested_amount": 1.0e6},
    )
    assert r.status_code == 200, r.text
    return r.json()


def test_listing_disputed_then_retracted_keeps_history_and_changes_the_verdict(gov_client, sample, people):
    ex_h, ex = people["examiner"]
    sup_h, sup = people["supervisor"]
    svc_h, _ = people["service"]
    before = pre_loan(gov_client, svc_h, g.USCC_LISTED, "LA-D-1")
    assert before["verdict"] == "decline-suggested"
    assert not any(r["code"] == "disputed_fact" for r in before["reasons"])

    # raise: the listing is said to belong to another company with a similar name
    r = gov_client.post(
        "/v1/disputes",
        headers=ex_h,
        json={
            "fact": {"kind": "listing", "start": "C:LISTED", "end": "BL-1"},
            "reason": "名单所列为同名另一企业 / the listing is of another company with a similar name",
            "evidence": "court notice 2026-123",
        },
    )
    assert r.status_code == 201, r.text
    d = r.json()
    did = d["dispute_id"]
    assert d["status"] == "open" and d["raised_by"] == ex and d["branch"] == "杭州分行"
    assert d["entity_ids"] == ["C:LISTED"] and d["subject"] == "C:LISTED-[LISTED_AS]->BL-1"

    # shown as disputed in graph answers …
    nb = gov_client.get("/v1/entities/C:LISTED/neighbourhood", headers=ex_h).json()
    detail = gov_client.get("/v1/entities/C:LISTED", headers=ex_h).json()
    assert [x["dispute_id"] for x in detail["disputes"]] == [did]
    listed = [e for e in nb["edges"] if e["type"] == "LISTED_AS"]
    assert listed and listed[0]["properties"]["disputed"] is True
    assert listed[0]["properties"]["dispute_ids"] == [did]
    # … and in the pre-loan reasons, while the fact still counts
    during = pre_loan(gov_client, svc_h, g.USCC_LISTED, "LA-D-2")
    assert during["verdict"] == "decline-suggested"
    disputed = [r for r in during["reasons"] if r["code"] == "disputed_fact"]
    assert len(disputed) == 1 and disputed[0]["evidence"]["dispute_id"] == did
    assert "异议" in disputed[0]["message_zh"] and "disputed" in disputed[0]["message_en"]

    # whoever raised it cannot handle it; an examiner has no handling permission at all
    assert (
        gov_client.post(
            f"/v1/disputes/{did}/resolve", headers=ex_h, json={"decision": "uphold", "reason": "x"}
        ).status_code
        == 403
    )
    r = gov_client.post(
        f"/v1/disputes/{did}/resolve",
        headers=sup_h,
        json={
            "decision": "correct",
            "action": "retract",
            "reason": "法院公告核实为另一企业 / verified: another company",
        },
    )
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["status"] == "corrected" and out["handled_by"] == sup
    assert out["correction"]["action"] == "retract"
    # history: the whole relationship is kept as a FactVersion on the company
    assert len(out["versions"]) == 1
    v = out["versions"][0]
    assert v["attribute"] == "LISTED_AS" and v["subject"] == "C:LISTED-[LISTED_AS]->BL-1"
    assert v["record_key"] == f"dispute:{did}" and v["valid_to"]
    assert "disputed" not in json.loads(v["value"])
    n = sample.execute_query(
        "MATCH (:Company {entity_id: 'C:LISTED'})-[:HAS_VERSION]->(v:FactVersion {version_id: $v}) RETURN count(v) AS n",
        {"v": v["version_id"]},
    ).records[0]["n"]
    assert n == 1
    assert (
        sample.execute_query(
            "MATCH (:Company {entity_id: 'C:LISTED'})-[r:LISTED_AS]->() RETURN count(r) AS n"
        ).records[0]["n"]
        == 0
    )
    # the affected rules re-ran (whole-graph runs)
    assert out["rerun"]["status"] in ("completed", "partly failed")
    assert "contagion.blacklist" in out["rerun"]["rules"]
    run_ids = [x["run_id"] for x in out["rerun"]["runs"]]
    assert (
        sample.execute_query(
            "MATCH (r:RuleRun) WHERE r.run_id IN $ids RETURN count(r) AS n", {"ids": run_ids}
        ).records[0]["n"]
        == len(run_ids)
        > 0
    )
    # the verdict follows the corrected fact
    after = pre_loan(gov_client, svc_h, g.USCC_LISTED, "LA-D-3")
    assert after["verdict"] != "decline-suggested"
    assert not any(r["code"] == "disputed_fact" for r in after["reasons"])
    assert after["blacklist"]["source"] != "self_listed"
    detail = gov_client.get("/v1/entities/C:LISTED", headers=ex_h).json()
    assert detail["disputes"] == [] and any(v["record_key"] == f"dispute:{did}" for v in detail["versions"])
    # handled once only
    assert (
        gov_client.post(
            f"/v1/disputes/{did}/resolve", headers=sup_h, json={"decision": "uphold", "reason": "again"}
        ).status_code
        == 409
    )
    listed = gov_client.get("/v1/disputes", headers=sup_h, params={"entity_id": "C:LISTED"}).json()[
        "disputes"
    ]
    assert [x["dispute_id"] for x in listed] == [did]


def test_amended_shareholding_keeps_the_old_value_and_upheld_entry_loses_the_mark(gov_client, sample, people):
    ex_h, _ = people["examiner"]
    sup_h, _ = people["supervisor"]
    r = gov_client.post(
        "/v1/disputes",
        headers=ex_h,
        json={
            "fact": {"kind": "shareholding", "start": "P:WIFE", "end": "C:APPLICANT"},
            "reason": "工商变更后应为 20% / 20% after the registry change",
        },
    )
    assert r.status_code == 201, r.text
    did = r.json()["dispute_id"]
    bad = gov_client.post(
        f"/v1/disputes/{did}/resolve",
        headers=sup_h,
        json={
            "decision": "correct",
            "action": "amend",
            "changes": {"uscc": "x"},
            "reason": "wrong attribute",
        },
    )
    assert bad.status_code == 422
    r = gov_client.post(
        f"/v1/disputes/{did}/resolve",
        headers=sup_h,
        json={
            "decision": "correct",
            "action": "amend",
            "changes": {"pct": 20},
            "reason": "registry extract checked",
        },
    )
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["correction"] == {"action": "amend", "old": {"pct": 40.0}, "new": {"pct": 20.0}}
    [v] = out["versions"]
    assert v["attribute"] == "HOLDS_SHARES.pct" and json.loads(v["value"]) == 40.0
    row = sample.execute_query(
        "MATCH (:Person {entity_id: 'P:WIFE'})-[s:HOLDS_SHARES]->(:Company {entity_id: 'C:APPLICANT'}) "
        "RETURN s.pct AS pct, s.disputed AS d, s.corrected_by_dispute AS c"
    ).records[0]
    assert row["pct"] == 20.0 and row["d"] is None and row["c"] == did
    assert "control." + "actual_controller" in out["rerun"]["rules"]

    # a blacklist entry disputed then upheld: marked while open (entity detail shows it), unmarked after
    r = gov_client.post(
        "/v1/disputes",
        headers=ex_h,
        json={
            "fact": {"kind": "blacklist_entry", "key": "BL-1"},
            "reason": "已履行 / the judgment has been satisfied",
        },
    )
    assert r.status_code == 201, r.text
    d2 = r.json()["dispute_id"]
    assert r.json()["entity_ids"] == ["C:LISTED"]
    detail = gov_client.get("/v1/entities/C:LISTED", headers=ex_h).json()
    assert detail["listings"][0]["disputed"] is True
    r = gov_client.post(
        f"/v1/disputes/{d2}/resolve",
        headers=sup_h,
        json={"decision": "uphold", "reason": "法院系统仍在列 / still listed by the court"},
    )
    assert r.status_code == 200 and r.json()["status"] == "upheld" and r.json()["versions"] == []
    detail = gov_client.get("/v1/entities/C:LISTED", headers=ex_h).json()
    assert "disputed" not in detail["listings"][0] or not detail["listings"][0]["disputed"]
    assert r.json().get("rerun") is None


def test_unknown_or_ambiguous_facts_are_refused(gov_client, sample, people):
    ex_h, _ = people["examiner"]
    r = gov_client.post(
        "/v1/disputes",
        headers=ex_h,
        json={
            "fact": {"kind": "guarantee", "start": "C:APPLICANT", "end": "C:SISTER"},
            "reason": "no contract id",
        },
    )
    assert r.status_code == 422
    r = gov_client.post(
        "/v1/disputes",
        headers=ex_h,
        json={
            "fact": {"kind": "shareholding", "start": "P:NOBODY", "end": "C:APPLICANT"},
            "reason": "not there",
        },
    )
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
    auditor = make_user(sample, uid("aud"), roles=("auditor",))
    ah = {"X-API-Key": key_for(sample, auditor, ["auditor"])}
    assert (
        gov_client.post(
            "/v1/disputes",
            headers=ah,
            json={"fact": {"kind": "blacklist_entry", "key": "BL-1"}, "reason": "auditors do not raise"},
        ).status_code
        == 403
    )
    assert gov_client.get("/v1/disputes", headers=ah).status_code == 200


def test_background_rerun_is_reported_on_the_dispute(neo4j_settings, sample, people, tmp_path):
    import time

    from fastapi.testclient import TestClient

    from api.app import create_app
    from tests.api.conftest import make_settings
    from tests.governance.conftest import gov_overrides

    ex_h, _ = people["examiner"]
    sup_h, _ = people["supervisor"]
    s = make_settings(neo4j_settings, tmp_path, **gov_overrides(tmp_path, gov_dispute_rerun="background"))
    with TestClient(create_app(s)) as c:
        did = c.post(
            "/v1/disputes",
            headers=ex_h,
            json={
                "fact": {
                    "kind": "guarantee",
                    "start": "C:OUTSIDER",
                    "end": "C:APPLICANT",
                    "contract_id": sample.execute_query(
                        "MATCH (:Company {entity_id: 'C:OUTSIDER'})-[g:GUARANTEES]->(:Company {entity_id: "
                        "'C:APPLICANT'}) RETURN g.contract_id AS c"
                    ).records[0]["c"],
                },
                "reason": "合同已解除 / contract terminated",
            },
        ).json()["dispute_id"]
        r = c.post(
            f"/v1/disputes/{did}/resolve",
            headers=sup_h,
            json={"decision": "correct", "action": "retract", "reason": "termination letter"},
        )
        assert r.status_code == 200 and r.json()["rerun"]["status"] == "running"
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            rerun = c.get(f"/v1/disputes/{did}", headers=sup_h).json()["rerun"]
            if rerun["status"] != "running":
                break
            time.sleep(1)
        assert rerun["status"] == "completed", rerun
        assert {x["rule_id"] for x in rerun["runs"]} >= {"guarantee.circle", "guarantee.mutual"}
