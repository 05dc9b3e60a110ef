"""A group larger than what a profile lists: each member's profile lists its largest members and
nearest related parties with the totals and sums, the group profile holds the group once and
whole, and the limits add up every member all the same."""

from __future__ import annotations

import json

import pytest
from neo4j import Driver

import risk_rules.findings.profile as profile
from tests.api.conftest import auth
from tests.api.findings_world import check, reset, run_all
from tests.risk_rules.rulekit import GraphSpec

pytestmark = pytest.mark.neo4j

#: members' loan balances (C:M0 … C:M6), all controlled by P:BIG through majority holdings
BALANCES = [9e6, 2e7, 3e6, 1.5e7, 7e6, 1e6, 4e6]
LISTED = 3  # rows a profile lists in this test (the shipped number is larger)


def _world() -> GraphSpec:
    w = GraphSpec()
    w.person("P:BIG", name="赵大成")
    for i, bal in enumerate(BALANCES):
        w.company(f"C:M{i}", name=f"大成{i}号实业有限公司")
        w.holds("P:BIG", f"C:M{i}", 60.0)
        w.loan(f"C:M{i}", bal, loan_id=f"L-M{i}")
    return w


@pytest.fixture(scope="module")
def world(neo4j_driver: Driver) -> Driver:
    reset(neo4j_driver, _world())
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(profile, "PROFILE_ROWS", LISTED)
        run_all(neo4j_driver)
    return neo4j_driver


def _stored(driver: Driver, cypher: str, **params) -> dict:
    return json.loads(driver.execute_query(cypher, **params).records[0][0])


def test_a_member_profile_lists_the_largest_members_and_the_sums(world):
    body = _stored(world, "MATCH (p:RiskProfile {entity_id: 'C:M0'}) RETURN p.body")
    g = body["group"]
    assert g["size"] == g["members_total"] == len(BALANCES)
    assert [m["balance"] for m in g["members"]] == sorted(BALANCES, reverse=True)[:LISTED]
    assert g["loans"] == pytest.approx(sum(BALANCES))
    assert g["others_loans"] == pytest.approx(sum(BALANCES) - BALANCES[0])
    own = body["ownership"]
    assert len(own["related_parties"]) == LISTED
    assert own["related_parties_total"] == len(BALANCES)  # the controller and six sister companies
    assert own["related_parties"][0]["entity_id"] == "P:BIG"  # the nearest relation first
    whole = _stored(world, "MATCH (g:GroupProfile {group_id: $id}) RETURN g.body", id=g["group_id"])
    assert sorted(m["entity_id"] for m in whole["members"]) == [f"C:M{i}" for i in range(len(BALANCES))]
    assert whole["loans"] == pytest.approx(sum(BALANCES))


def test_the_check_adds_up_every_member_and_says_how_many(world, client, keys):
    b = check(client, keys, {"entity_id": "C:M5"}, amount=2e6)
    lim = {x["name"]: x for x in b["limits"]}["group_customer"]
    assert lim["numerator"] == pytest.approx(sum(BALANCES))
    assert lim["requested"] == 2e6 and lim["members_total"] == len(BALANCES)
    assert b["group"]["size"] == len(BALANCES) and b["group"]["source"] == "rule_run"
    assert b["related_parties_total"] == len(BALANCES) and len(b["related_parties"]) == LISTED
    exposure = b["exposure"]["group"]
    assert exposure["loans"] == pytest.approx(sum(BALANCES)) and exposure["members_total"] == len(BALANCES)
    assert sum(m["share"] for m in exposure["members"]) < 1.0  # a part, each share of the whole group


def test_the_group_view_lists_every_member(world, client, keys):
    r = client.get("/v1/entities/C:M3/group", headers=auth(keys, "examiner"))
    assert r.status_code == 200, r.text
    g = r.json()
    assert len(g["members"]) == g["size"] == len(BALANCES)
    assert g["exposure"] == pytest.approx(sum(BALANCES))
    assert sum(m["share"] for m in g["members"]) == pytest.approx(1.0, abs=1e-5)  # shares rounded to 6 places
    assert g["source"] == "rule_run"


def test_an_alert_about_thousands_lists_its_first_members_and_counts_them_all(world, client, keys):
    """A group or contagion alert can concern thousands of entities; the check lists the first
    ones, says how many there are, and stays a few KB (this one weighed megabytes before)."""
    many = ["C:M6", *(f"C:X{i:05d}" for i in range(3000))]
    world.execute_query(
        "MATCH (e:Company {entity_id: 'C:M6'}) "
        "CREATE (al:Alert {alert_id: 'AL-MANY', rule_id: 'group.concentration', severity: 'high', "
        "status: 'open', active: true, entity_ids: $ids, explanation_zh: '集团集中度', "
        "explanation_en: 'group concentration'})-[:CONCERNS]->(e)",
        ids=many,
    )
    try:
        r = client.post(
            "/v1/checks/pre-loan",
            json={"application_ref": "LA-F-2", "applicant": {"entity_id": "C:M6"}, "requested_amount": 1e6},
            headers=auth(keys, "service", purpose=None),
        )
        assert r.status_code == 200, r.text
        b = r.json()
        (al,) = [a for a in b["open_alerts"] if a["alert_id"] == "AL-MANY"]
        assert al["entity_ids_total"] == len(many)
        assert al["entity_ids"] == many[: len(al["entity_ids"])] and 0 < len(al["entity_ids"]) <= 50
        reasons = [
            x for x in b["reasons"] + sum(b["details"].values(), []) if x["code"].startswith("open_alert")
        ]
        (reason,) = [x for x in reasons if x["evidence"]["alert_id"] == "AL-MANY"]
        assert reason["evidence"]["entity_ids_total"] == len(many)
        assert f"等 {len(many)} 个" in reason["message"]["zh"]
        assert f"and {len(many) - 8} more" in reason["message"]["en"]
        assert len(r.content) < 64_000
    finally:
        world.execute_query("MATCH (al:Alert {alert_id: 'AL-MANY'}) DETACH DELETE al")
