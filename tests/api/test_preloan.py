"""The pre-loan check on the sample graph: resolution, evidence, arithmetic, verdicts, determinism."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from api.audit.log import read_records
from risk_rules.config import load_config
from tests.api import sample_graph as g
from tests.api.conftest import auth

pytestmark = pytest.mark.neo4j
URL = "/v1/checks/pre-loan"


def check(client, keys, applicant, amount=1.0e7, who="service", ref="LA-T-1", **extra):
    return client.post(
        URL,
        json={"application_ref": ref, "applicant": applicant, "requested_amount": amount, **extra},
        headers=auth(keys, who, purpose=None),
    )


def codes(body):
    return {r["code"]: r for r in body["reasons"]}


def test_applicant_by_uscc_collects_every_kind_of_evidence(client, graph, keys):
    r = check(client, keys, {"uscc": g.USCC_APPLICANT})
    assert r.status_code == 200, r.text
    b = r.json()
    assert b["resolution"] == "resolved" and b["applicant"]["entity_id"] == "C:APPLICANT"
    rp = {p["entity_id"]: p for p in b["related_parties"]}
    assert "controller" in rp["P:BOSS"]["kinds"] and "shareholder" in rp["P:WIFE"]["kinds"]
    assert "C:SISTER" in rp and rp["C:SISTER"]["paths"]
    assert b["group"]["group_id"] == "G:BOSS" and b["group"]["members"] == ["C:APPLICANT", "C:SISTER"]
    gs = b["guarantees"]
    assert [m["b"] if m["a"] == "C:APPLICANT" else m["a"] for m in gs["mutual"]] == ["C:SISTER"]
    assert gs["circle"]["members"] == ["C:APPLICANT", "C:SISTER"]
    assert gs["circle"]["cycle_through_applicant"] == ["C:APPLICANT", "C:SISTER", "C:APPLICANT"]
    assert [x["guarantor"] for x in gs["guarantees_received"]] == ["C:OUTSIDER", "C:SISTER"]
    # no run profiled the sample graph (its RiskScore is hand-made): contagion is computed live, LISTED -30%- OUTSIDER
    # -guarantees- APPLICANT (the weak way of a guarantee, guarantor → borrower: 0.3)
    assert b["blacklist"]["source"] == "on_the_fly" and b["blacklist"]["score"] == pytest.approx(
        0.6 * 0.3 * 0.85 * 0.3 * 0.85
    )
    c = codes(b)
    assert {
        "mutual_guarantee",
        "guarantee_circle",
        "open_alert:guarantee.circle",
    } <= set(
        c
    )  # blacklist_proximity dropped: the live strength 0.039 is below the contagion rule's threshold 0.25
    assert c["guarantee_circle"]["evidence"]["cycle"] == ["C:APPLICANT", "C:SISTER", "C:APPLICANT"]
    assert b["verdict"] == "refer"


def test_limit_arithmetic_includes_the_requested_amount(client, graph, keys):
    cfg = load_config()
    net = cfg.bank.net_capital
    limit = cfg.rules["concentration.large_exposure"]["single_borrower_limit"]
    balance = 5.0e7  # L-1 outstanding
    small = check(client, keys, {"uscc": g.USCC_APPLICANT}, amount=1.0e6).json()
    sb = {x["name"]: x for x in small["limits"]}["single_borrower"]
    assert sb["numerator"] == balance and sb["requested"] == 1.0e6 and sb["denominator"] == net
    assert sb["ratio"] == pytest.approx((balance + 1.0e6) / net) and not sb["breach"]
    grp = {x["name"]: x for x in small["limits"]}["group_customer"]
    assert grp["numerator"] == balance + 3.0e7 and grp["members"] == ["C:APPLICANT", "C:SISTER"]
    over = limit * net - balance + 1.0  # one yuan over the single-borrower limit
    big = check(client, keys, {"uscc": g.USCC_APPLICANT}, amount=over).json()
    assert big["verdict"] == "decline-suggested"
    breach = codes(big)["limit_breach:single_borrower"]
    assert breach["effect"] == "decline-suggested" and breach["evidence"]["limit"]["breach"] is True
    assert breach["evidence"]["limit"]["headroom"] == pytest.approx(-1.0)


def test_unknown_applicant_never_passes(client, graph, keys):
    b = check(client, keys, {"uscc": g.make_uscc("91330106MA2B99999")}).json()
    assert b["resolution"] == "not_found" and b["verdict"] == "refer"
    assert "applicant_not_found" in codes(b)
    bad = check(client, keys, {"uscc": "91330106MA2B000010"}).json()
    assert bad["verdict"] == "refer"


def test_ambiguous_name_lists_candidates_and_refers(client, graph, keys):
    b = check(client, keys, {"name": "王伟", "kind": "person"}).json()
    assert b["resolution"] == "ambiguous" and b["verdict"] == "refer"
    assert sorted(c["entity_id"] for c in b["candidates"]) == ["P:WANG1", "P:WANG2"]
    assert g.RIC_WANG1 not in str(b)  # masked for the service role


def test_name_with_birth_date_hint_resolves_and_a_clean_applicant_passes(client, graph, keys):
    b = check(client, keys, {"name": "王伟", "kind": "person", "hints": {"birth_date": "1980-03-03"}}).json()
    assert b["resolution"] == "resolved" and b["applicant"]["entity_id"] == "P:WANG1"
    assert b["verdict"] == "pass", b["reasons"]
    assert [r["code"] for r in b["reasons"]] == ["resolved_by_name"]


def test_blacklisted_applicant_is_decline_suggested(client, graph, keys):
    b = check(client, keys, {"uscc": g.USCC_LISTED}).json()
    assert b["verdict"] == "decline-suggested"
    assert codes(b)["applicant_blacklisted"]["evidence"]["listings"][0]["entry_id"] == "BL-1"


def test_on_the_fly_proximity_has_paths_and_overdue_loan_refers(client, graph, keys):
    b = check(client, keys, {"entity_id": "C:OUTSIDER"}).json()
    bl = b["blacklist"]
    assert bl["source"] == "on_the_fly" and bl["hops"] == 1
    assert bl["paths"][0]["nodes"] == ["C:LISTED", "C:OUTSIDER"] and bl["paths"][0]["rels"] == [
        "shareholding"
    ]
    assert bl["nearest"][0]["entity_id"] == "C:LISTED"
    assert 0 < bl["score"] < 1
    assert "applicant_overdue_loan" in codes(b) and b["verdict"] == "refer"


def test_deterministic_apart_from_timestamp(client, graph, keys):
    a = check(client, keys, {"uscc": g.USCC_APPLICANT}).json()
    b = check(client, keys, {"uscc": g.USCC_APPLICANT}).json()
    a.pop("checked_at"), b.pop("checked_at")
    assert a == b


def test_application_ref_is_required_and_roles_are_enforced(client, graph, keys):
    r = client.post(
        URL,
        json={"applicant": {"uscc": g.USCC_APPLICANT}, "requested_amount": 1},
        headers=auth(keys, "service"),
    )
    assert r.status_code == 422
    assert check(client, keys, {"uscc": g.USCC_APPLICANT}, who="examiner").status_code == 403
    assert check(client, keys, {"uscc": g.USCC_APPLICANT}, who="approver").status_code == 200


def test_check_is_audited_with_verdict_and_application_ref(client, graph, keys, api_settings):
    r = check(client, keys, {"uscc": g.USCC_APPLICANT}, ref="LA-AUDIT-9")
    rec = [
        x
        for x in read_records(api_settings.audit_log_path)
        if x.get("request_id") == r.headers["x-request-id"]
    ]
    assert rec and rec[0]["verdict"] == "refer" and rec[0]["purpose_ref"] == "LA-AUDIT-9"
    assert "C:APPLICANT" in rec[0]["entity_ids"] and rec[0]["user_id"] == "test-service"


def test_the_answer_is_masked_once_and_a_second_masking_changes_nothing(client, graph, keys):
    from api.masking import mask_response

    r = check(client, keys, {"name": "王伟", "kind": "person", "hints": {"birth_date": "1980-03-03"}})
    assert r.status_code == 200 and g.RIC_WANG1 not in r.text
    again, _ = mask_response("application/json", r.content, [])
    assert json.loads(again) == r.json()


def test_long_lists_are_capped_with_their_totals_and_the_verdict_is_the_same(
    client, graph, keys, monkeypatch
):
    import api.routers.checks as routes
    from api.services.preloan import CheckBounds

    full = check(client, keys, {"uscc": g.USCC_APPLICANT}).json()

    @dataclass(frozen=True)
    class Tiny(CheckBounds):
        max_members: int = 1
        max_rows: int = 1
        max_paths: int = 1

    monkeypatch.setattr(routes, "CheckBounds", Tiny)
    b = check(client, keys, {"uscc": g.USCC_APPLICANT}).json()
    assert b["verdict"] == full["verdict"] and [r["code"] for r in b["reasons"]] == [
        r["code"] for r in full["reasons"]
    ]
    assert len(b["related_parties"]) == 1 and b["related_parties_total"] == len(full["related_parties"]) > 1
    gs = b["guarantees"]
    assert len(gs["guarantees_received"]) == 1 and gs["guarantees_received_total"] == 2
    assert gs["circle"]["members"] == ["C:APPLICANT"] and gs["circle"]["size"] == 2
    assert b["group"]["members"] == ["C:APPLICANT"] and b["group"]["size"] == 2
    grp = {x["name"]: x for x in b["limits"]}["group_customer"]
    assert grp["members"] == ["C:APPLICANT"] and grp["members_total"] == 2
    circle = codes(b)["guarantee_circle"]
    assert circle["evidence"]["members_total"] == 2 and "2 members" in circle["message"]["en"]
    assert b["more"]["group"] == "/v1/entities/C:APPLICANT/group"
