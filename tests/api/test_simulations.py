"""POST /v1/simulations/default against a hand-computed DebtRank on a 5-company guarantee world."""

from __future__ import annotations

import pytest
from neo4j import Driver

from tests.api.conftest import auth
from tests.api.findings_world import reset
from tests.risk_rules.rulekit import GraphSpec

pytestmark = pytest.mark.neo4j

URL = "/v1/simulations/default"


def _world() -> GraphSpec:
    """Edges guarantor → borrower (amount 元); equity = net assets (元).

    A defaults. B guarantees A for 500,000 with equity 1,000,000; C guarantees A for 300,000 with
    equity 200,000; D guarantees B for 400,000 and C for 100,000 with equity 1,000,000; E
    guarantees D for 250,000 with equity 500,000. A's own equity is 2,000,000.
    """
    w = GraphSpec()
    for eid, name, equity in (
        ("C:SIM_A", "甲违约公司", 2_000_000.0),
        ("C:SIM_B", "乙担保公司", 1_000_000.0),
        ("C:SIM_C", "丙担保公司", 200_000.0),
        ("C:SIM_D", "丁担保公司", 1_000_000.0),
        ("C:SIM_E", "戊担保公司", 500_000.0),
    ):
        w.company(eid, name=name, net_assets=equity)
    w.guarantee("C:SIM_B", "C:SIM_A", 500_000.0)
    w.guarantee("C:SIM_C", "C:SIM_A", 300_000.0)
    w.guarantee("C:SIM_D", "C:SIM_B", 400_000.0)
    w.guarantee("C:SIM_D", "C:SIM_C", 100_000.0)
    w.guarantee("C:SIM_E", "C:SIM_D", 250_000.0)
    w.loan("C:SIM_A", 3_000_000.0, status="defaulted", loan_id="L-SIM-A")
    w.loan("C:SIM_B", 800_000.0, loan_id="L-SIM-B")
    w.loan("C:SIM_C", 100_000.0, loan_id="L-SIM-C")
    w.loan("C:SIM_D", 500_000.0, loan_id="L-SIM-D")
    return w


@pytest.fixture(scope="module")
def world(neo4j_driver: Driver) -> Driver:
    reset(neo4j_driver, _world())
    return neo4j_driver


def _post(client, keys, body, role="examiner"):
    return client.post(URL, json=body, headers=auth(keys, role, purpose=None))


def test_default_cascade_matches_hand_computed_debtrank(world, client, keys):
    r = _post(client, keys, {"entity_ids": ["C:SIM_A"]})
    assert r.status_code == 200, r.text
    b = r.json()
    # W[borrower → guarantor] = min(1, guaranteed / guarantor equity):
    #   A→B = 500,000 / 1,000,000 = 0.5;  A→C = min(1, 300,000 / 200,000) = 1
    #   B→D = 400,000 / 1,000,000 = 0.4;  C→D = 100,000 / 1,000,000 = 0.1;  D→E = 250,000 / 500,000 = 0.5
    # round 1 (A spreads once): h_B = 0.5 × 1 = 0.5, h_C = 1 × 1 = 1.0
    # round 2 (B and C spread):  h_D = 0.4 × 0.5 + 0.1 × 1.0 = 0.3
    # round 3 (D spreads):       h_E = 0.5 × 0.3 = 0.15
    # round 4 (E spreads to nobody): no one distressed any more → 4 rounds
    h = {e["entity_id"]: e["h"] for e in b["entities"]}
    assert h == pytest.approx(
        {"C:SIM_A": 1.0, "C:SIM_B": 0.5, "C:SIM_C": 1.0, "C:SIM_D": 0.3, "C:SIM_E": 0.15}
    )
    assert [e["entity_id"] for e in b["entities"]] == ["C:SIM_A", "C:SIM_C", "C:SIM_B", "C:SIM_D", "C:SIM_E"]
    rounds = {e["entity_id"]: e["round"] for e in b["entities"]}
    assert rounds == {"C:SIM_A": 0, "C:SIM_B": 1, "C:SIM_C": 1, "C:SIM_D": 2, "C:SIM_E": 3}
    assert b["rounds"] == 4 and not b["truncated"]
    # R = Σ v·h − v_A·1 with v = equity / total equity (4,700,000):
    #   (1,000,000 × 0.5 + 200,000 × 1 + 1,000,000 × 0.3 + 500,000 × 0.15) / 4,700,000 = 1,075,000 / 4,700,000
    assert b["debtrank"] == pytest.approx(1_075_000 / 4_700_000, abs=1e-6)
    # D's strongest explanation: A → B → D (0.5 × 0.4 = 0.2) before A → C → D (1 × 0.1 = 0.1)
    (d,) = [e for e in b["entities"] if e["entity_id"] == "C:SIM_D"]
    assert d["name"] == "丁担保公司"
    assert [p["nodes"] for p in d["paths"]] == [
        ["C:SIM_A", "C:SIM_B", "C:SIM_D"],
        ["C:SIM_A", "C:SIM_C", "C:SIM_D"],
    ]
    assert [p["impact"] for p in d["paths"]] == pytest.approx([0.2, 0.1])
    assert d["paths"][0]["names"] == ["甲违约公司", "乙担保公司", "丁担保公司"]
    assert d["paths"][0]["rels"] == ["guarantee", "guarantee"]
    # loans at risk: every open loan of a distressed entity, largest first
    assert [(lo["loan_id"], lo["balance"]) for lo in b["loans_at_risk"]] == [
        ("L-SIM-A", 3_000_000.0),
        ("L-SIM-B", 800_000.0),
        ("L-SIM-D", 500_000.0),
        ("L-SIM-C", 100_000.0),
    ]
    assert b["exposure_at_risk"] == pytest.approx(4_400_000.0)
    # 3,000,000 × 1 + 800,000 × 0.5 + 100,000 × 1 + 500,000 × 0.3 = 3,650,000
    assert b["expected_exposure_at_risk"] == pytest.approx(3_650_000.0)
    assert "4 轮" in b["summary_zh"] and "4 more are distressed" in b["summary_en"]
    assert "余额合计 440万元" in b["summary_zh"] and "按承压程度加权 365万元" in b["summary_zh"]
    assert "balances of CNY 4.4m, CNY 3.65m weighted" in b["summary_en"]
    # deterministic: the same request gives the same answer
    assert _post(client, keys, {"entity_ids": ["C:SIM_A"]}).json() == b


def test_bounds_and_bad_input(world, client, keys):
    # one round only: A spreads once, B and C are distressed and stop there
    b = _post(client, keys, {"entity_ids": ["C:SIM_A"], "max_rounds": 1}).json()
    assert {e["entity_id"] for e in b["entities"]} == {"C:SIM_A", "C:SIM_B", "C:SIM_C"} and b["truncated"]
    b = _post(client, keys, {"entity_ids": ["C:SIM_A", "C:NO_SUCH"]}).json()
    assert b["unknown"] == ["C:NO_SUCH"] and "C:NO_SUCH" in b["summary_en"]
    r = _post(client, keys, {"entity_ids": [f"C:X{i}" for i in range(21)]})
    assert r.status_code == 422 and "at most 20" in r.text
    assert _post(client, keys, {"entity_ids": []}).status_code == 422


def test_only_examiners_and_supervisors_simulate(world, client, keys):
    from api.security.roles import PERMISSIONS

    assert PERMISSIONS["simulation:run"] == {"examiner", "supervisor"}
    assert _post(client, keys, {"entity_ids": ["C:SIM_A"]}, role="supervisor").status_code == 200
    assert _post(client, keys, {"entity_ids": ["C:SIM_A"]}, role="approver").status_code == 403
