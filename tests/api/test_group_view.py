"""GET /v1/entities/{id}/group: the group customer as the rule run found it (members, exposure,
limits at nothing requested), read from the stored profile — no pre-loan check is run."""

from __future__ import annotations

import pytest
from neo4j import Driver

from tests.api.conftest import auth
from tests.api.findings_world import reset, run_all
from tests.risk_rules.rulekit import GraphSpec

pytestmark = pytest.mark.neo4j


def _world() -> GraphSpec:
    w = GraphSpec()
    w.person("P:X", name="钱多多")
    w.company("C:A", name="台州甲制造有限公司", net_assets=5e7)
    w.company("C:S", name="台州乙制造有限公司", net_assets=3e7)
    w.company("C:LONE", name="丽水戊公司")
    w.holds("P:X", "C:A", 60.0)
    w.holds("P:X", "C:S", 70.0)
    w.loan("C:A", 2e7, loan_id="L-A")
    w.loan("C:S", 1e7, status="defaulted", loan_id="L-S")
    # for the drawing's styling facts: a listed guarantor of C:A, and a guarantee circle C:A ⇄ C:S
    w.company("C:L", name="失信丙公司")
    w.listed("C:L")
    w.guarantee("C:L", "C:A", 5e6)
    w.guarantee("C:A", "C:S", 5e6)
    w.guarantee("C:S", "C:A", 5e6)
    return w


@pytest.fixture(scope="module")
def world(neo4j_driver: Driver) -> Driver:
    reset(neo4j_driver, _world())
    run_all(neo4j_driver)
    return neo4j_driver


def _count(driver: Driver, cypher: str) -> int:
    return int(driver.execute_query(cypher).records[0][0])


def test_group_members_exposure_and_limits_from_the_profile(world, client, keys, api_settings):
    before = api_settings.audit_log_path.read_text(encoding="utf-8").count("/v1/checks/pre-loan")
    r = client.get("/v1/entities/C:A/group", headers=auth(keys, "examiner"))
    assert r.status_code == 200, r.text
    g = r.json()
    assert {m["entity_id"] for m in g["members"]} == {"C:A", "C:S"}
    assert g["exposure"] == pytest.approx(3e7)
    assert {m["entity_id"]: m["share"] for m in g["members"]} == pytest.approx({"C:A": 2 / 3, "C:S": 1 / 3})
    assert g["controller_ids"] == ["P:X"] and g["run_id"]
    names = {lim["name"] for lim in g["limits"]}
    assert "group_customer" in names
    lim = next(lim for lim in g["limits"] if lim["name"] == "group_customer")
    assert lim["numerator"] == pytest.approx(3e7) and lim["ratio"] == pytest.approx(3e7 / lim["denominator"])
    # the supervisor and the approver read it too (entity:read), and nothing was checked
    for role in ("supervisor", "approver"):
        assert client.get("/v1/entities/C:S/group", headers=auth(keys, role)).status_code == 200
    after = api_settings.audit_log_path.read_text(encoding="utf-8").count("/v1/checks/pre-loan")
    assert after == before
    assert "/v1/entities/C:A/group" in api_settings.audit_log_path.read_text(encoding="utf-8")


def test_an_entity_outside_any_group_and_an_unknown_one(world, client, keys):
    lone = client.get("/v1/entities/C:LONE/group", headers=auth(keys, "examiner"))
    assert lone.status_code == 404 and "no group" in lone.json()["detail"]
    assert client.get("/v1/entities/C:NOPE/group", headers=auth(keys, "examiner")).status_code == 404


def test_network_nodes_carry_the_styling_facts_of_the_profile(world, client, keys):
    from risk_rules.config import load_config
    from risk_rules.findings.params import FindingParams

    fp = FindingParams.from_config(load_config())
    r = client.get("/v1/entities/C:A/neighbourhood", params={"hops": 1}, headers=auth(keys, "examiner"))
    assert r.status_code == 200, r.text
    style = {n["id"]: n.get("styling") for n in r.json()["nodes"]}
    assert style["C:L"]["listed"] is True and style["C:A"]["listed"] is False
    assert style["C:S"]["loan_status"] == "defaulted" and style["C:A"]["loan_status"] is None
    assert style["C:A"]["circle_id"] and style["C:A"]["circle_id"] == style["C:S"]["circle_id"]
    score = style["C:A"]["contagion_score"]
    assert score and score > 0
    expected = (
        "high"
        if score >= fp.contagion.high_score
        else ("elevated" if score >= fp.contagion.threshold else None)
    )
    assert style["C:A"]["contagion_band"] == expected
    assert all(v is None for k, v in style.items() if not k.startswith(("C:", "P:")))
