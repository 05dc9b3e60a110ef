"""One meaning through the rule and the check: a phone-only hop, the alert/refer threshold, an
expired listing, a recorded name variant."""

from __future__ import annotations

import datetime as dt

import pytest
from neo4j import Driver

from risk_rules.config import load_config
from risk_rules.findings.live import live_profile
from risk_rules.framework import RuleContext
from risk_rules.projection import blacklist
from tests.api.conftest import auth
from tests.api.findings_world import all_reasons, check, profile_body, reset, run_all
from tests.risk_rules.rulekit import GraphSpec, alerts

pytestmark = pytest.mark.neo4j


def _world() -> GraphSpec:
    w = GraphSpec()
    # phone-only link: C:PHONE_LISTED (listed) and C:PHONEMATE share one phone, nothing else
    w.company("C:PHONE_LISTED", name="宁波甲电话公司")
    w.company("C:PHONEMATE", name="宁波乙电话公司")
    w.listed("C:PHONE_LISTED")
    w.phone("C:PHONE_LISTED", "057188880000")
    w.phone("C:PHONEMATE", "057188880000")
    # between the contagion rule's threshold (0.25) and the check's old 0.3: 0.6 × 0.495 × 0.85 = 0.2524
    w.person("P:MAJ", name="周大伟")
    w.company("C:SEED", name="绍兴丙投资公司")
    w.company("C:HALF", name="绍兴丁实业公司")
    w.listed("C:SEED")
    w.holds("C:SEED", "C:HALF", 49.5)
    w.holds("P:MAJ", "C:HALF", 50.5)
    # a listing removed in 2019 is history, and its neighbour is not within reach of a listing
    w.company("C:EXPIRED", name="湖州戊旧名单公司")
    w.company("C:EXP_CHILD", name="湖州己子公司")
    w.listed("C:EXPIRED", list_date=dt.date(2018, 1, 1), removal_date=dt.date(2019, 6, 30))
    w.holds("C:EXPIRED", "C:EXP_CHILD", 90.0)
    # a recorded name variant (core-banking spelling with full-width brackets)
    w.company("C:VARIANT", name="嘉兴庚精密机械有限公司", name_variants=["嘉兴庚精密机械（集团）有限公司"])
    return w


@pytest.fixture(scope="module")
def world(neo4j_driver: Driver) -> Driver:
    reset(neo4j_driver, _world())
    with neo4j_driver.session() as s:  # the same listing linked twice must be shown once
        s.run(
            "MATCH (c:Company {entity_id: 'C:PHONE_LISTED'})-[:LISTED_AS]->(b) CREATE (c)-[:LISTED_AS]->(b)"
        ).consume()
    run_all(neo4j_driver)
    return neo4j_driver


def test_a_phone_only_link_is_one_hop_of_0_17_in_the_rule_and_the_check(world, client, keys):
    expected = 0.85 * 0.2  # damping × the shipped shared_contact weight
    # the rule: with its threshold lowered, it alerts the phone mate at exactly this strength, one hop
    run_all(world, **{"contagion.blacklist": {"threshold": 0.15}})
    (rule_alert,) = [a for a in alerts(world, "contagion.blacklist") if "C:PHONEMATE" in a["concerns"]]
    assert rule_alert["evidence"]["hops"] == 1 and rule_alert["evidence"]["score"] == pytest.approx(expected)
    run_all(world)  # back to the shipped parameters
    # the profile the run wrote, and the check that reads it
    assert profile_body(world, "C:PHONEMATE")["contagion"]["score"] == pytest.approx(expected)
    b = check(client, keys, {"entity_id": "C:PHONEMATE"})
    assert b["freshness"]["source"] == "profile"
    bl = b["blacklist"]
    assert bl["hops"] == 1 and bl["score"] == pytest.approx(expected)
    assert bl["paths"][0]["nodes"] == ["C:PHONE_LISTED", "C:PHONEMATE"]
    assert bl["paths"][0]["rels"] == ["shared_contact"]
    # the live recompute says the same
    body, _ = live_profile(world, "neo4j", "C:PHONEMATE", load_config(), [])
    assert body["contagion"]["hops"] == 1 and body["contagion"]["score"] == pytest.approx(expected)


def test_what_raises_an_alert_refers_in_the_check(world, client, keys):
    (rule_alert,) = [a for a in alerts(world, "contagion.blacklist") if "C:HALF" in a["concerns"]]
    score = rule_alert["evidence"]["score"]
    assert 0.25 <= score < 0.3
    b = check(client, keys, {"entity_id": "C:HALF"})
    assert b["blacklist"]["score"] == pytest.approx(score) and b["blacklist"]["threshold"] == 0.25
    assert b["verdict"] == "refer"
    assert all_reasons(b)["blacklist_proximity"]["effect"] == "refer"


def test_an_expired_listing_is_history_in_the_rule_and_the_check(world, client, keys):
    ctx = RuleContext(world, "neo4j", dt.date.today(), load_config().bank, load_config().control)
    assert "C:EXPIRED" not in blacklist(ctx) and "C:PHONE_LISTED" in blacklist(ctx)
    b = check(client, keys, {"entity_id": "C:EXPIRED"})
    assert "applicant_blacklisted" not in all_reasons(b) and b["verdict"] == "pass", b["reasons"]
    child = check(client, keys, {"entity_id": "C:EXP_CHILD"})
    assert child["blacklist"]["score"] == 0.0 and child["verdict"] == "pass"
    listed = check(client, keys, {"entity_id": "C:PHONE_LISTED"})
    assert [x["entry_id"] for x in listed["blacklist"]["nearest"][0]["listings"]] == ["BL-C:PHONE_LISTED-0"]
    assert listed["verdict"] == "decline-suggested"


def test_a_recorded_name_variant_resolves_to_its_one_company(world, client, keys):
    b = check(client, keys, {"name": "嘉兴庚精密机械（集团）有限公司", "kind": "company"})
    assert b["resolution"] == "resolved" and b["applicant"]["entity_id"] == "C:VARIANT"
    assert all_reasons(b)["resolved_by_name"]["evidence"]["matched_on"] == "name_variant"
    one = check(
        client, keys, {"name": "嘉兴庚精密", "kind": "company"}
    )  # only this company shares its bigrams
    assert [c["entity_id"] for c in one["candidates"]] == ["C:VARIANT"] and one["verdict"] == "refer"
    # one approximate candidate is never "several candidates"
    assert "applicant_uncertain" in all_reasons(one) and "several" not in str(one["reasons"])


def test_a_saturated_admission_limit_answers_503_with_retry_after(world, client, keys):
    from api.routers.checks import Admission

    app = client.app
    saved = getattr(app.state, "check_admission", None)
    app.state.check_admission = adm = Admission(1)
    try:
        adm.in_flight = 1  # one check in flight fills the deliberately small limit
        r = client.post(
            "/v1/checks/pre-loan",
            json={"application_ref": "LA-F-9", "applicant": {"entity_id": "C:HALF"}, "requested_amount": 1.0},
            headers=auth(keys, "service", purpose=None),
        )
        assert r.status_code == 503 and r.headers["retry-after"] == "1", r.text
        assert r.json()["type"].endswith("overloaded")
        adm.in_flight = 0
        assert check(client, keys, {"entity_id": "C:HALF"})["verdict"] == "refer"
    finally:
        app.state.check_admission = saved
