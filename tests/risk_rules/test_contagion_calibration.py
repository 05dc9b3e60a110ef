"""Calibrated contagion on hand-built worlds: guarantee risk is directed, listing kinds weigh
differently, and the findings engine says what the rule says."""

from __future__ import annotations

import pytest
from rulekit import alerts, run

from risk_rules.config import load_config
from risk_rules.findings.live import live_profile

pytestmark = pytest.mark.neo4j


def _scores(driver) -> dict[str, dict]:
    return {a["subject_key"]: a for a in alerts(driver, "contagion.blacklist")}


def test_a_listed_borrower_taints_its_guarantor_more_than_a_listed_guarantor_its_borrower(graph, clean_graph):
    # world 1: the borrower is listed; its guarantor pays
    graph.company("B_LISTED", name="甲借款公司")
    graph.company("G_OF_LISTED", name="乙担保公司")
    graph.listed("B_LISTED")
    graph.guarantee("G_OF_LISTED", "B_LISTED")
    # world 2 (not linked to world 1): the guarantor is listed; the borrower loses a guarantee
    graph.company("G_LISTED", name="丙担保公司")
    graph.company("B_OF_LISTED", name="丁借款公司")
    graph.listed("G_LISTED")
    graph.guarantee("G_LISTED", "B_OF_LISTED")
    graph.write(clean_graph)
    run(clean_graph, "contagion.blacklist")
    got = _scores(clean_graph)
    guarantor, borrower = got["G_OF_LISTED"]["evidence"], got["B_OF_LISTED"]["evidence"]
    assert guarantor["score"] == pytest.approx(0.85 * 0.7)  # damping × reverse guarantee weight
    assert borrower["score"] == pytest.approx(0.85 * 0.3)  # damping × guarantee weight
    assert guarantor["score"] > borrower["score"]
    assert guarantor["paths"][0]["rels"] == ["guaranteed_by"] and borrower["paths"][0]["rels"] == [
        "guarantee"
    ]
    # the explanations say which way the risk went
    assert (
        "甲借款公司(B_LISTED) —[guaranteed by]→ 乙担保公司(G_OF_LISTED)"
        in got["G_OF_LISTED"]["explanation_en"]
    )
    assert "由其担保" in got["G_OF_LISTED"]["explanation_zh"]
    assert "甲借款公司" not in got["B_OF_LISTED"]["explanation_en"]
    assert "丙担保公司(G_LISTED) —[guarantees]→ 丁借款公司" in got["B_OF_LISTED"]["explanation_en"]
    # the findings engine computes the same numbers with the same parameters
    body, _ = live_profile(clean_graph, "neo4j", "G_OF_LISTED", load_config(), [])
    assert body["contagion"]["score"] == pytest.approx(guarantor["score"])
    body, _ = live_profile(clean_graph, "neo4j", "B_OF_LISTED", load_config(), [])
    assert body["contagion"]["score"] == pytest.approx(borrower["score"])


def test_a_dishonest_judgment_weighs_more_than_an_abnormal_operation_entry(graph, clean_graph):
    graph.company("DISHONEST", name="戊失信公司")
    graph.company("ABNORMAL", name="己异常公司")
    graph.company("SUB_D", name="戊子公司")
    graph.company("SUB_A", name="己子公司")
    graph.company("ASSOC_D", name="戊参股公司")
    graph.company("ASSOC_A", name="己参股公司")
    graph.listed("DISHONEST", kind="dishonest_judgment_debtor")
    graph.listed("ABNORMAL", kind="abnormal_operation")
    graph.holds("DISHONEST", "SUB_D", 100.0)
    graph.holds("ABNORMAL", "SUB_A", 100.0)
    graph.holds("DISHONEST", "ASSOC_D", 40.0)
    graph.holds("ABNORMAL", "ASSOC_A", 40.0)
    graph.write(clean_graph)
    run(clean_graph, "contagion.blacklist")
    got = _scores(clean_graph)
    # a wholly owned company is controlled by its holder (majority holding = control):
    # 1.0 × 0.85 × 1.0 = 0.85; a 经营异常名录 entry alerts only the companies its entity
    # controls, at 0.3 × 0.85 = 0.255
    assert got["SUB_D"]["evidence"]["score"] == pytest.approx(0.85)
    assert got["SUB_A"]["evidence"]["score"] == pytest.approx(0.3 * 0.85)
    assert got["SUB_D"]["evidence"]["score"] > got["SUB_A"]["evidence"]["score"]
    # a 40% stake is no control: 1.0 × 0.85 × 0.6 × 0.4 = 0.204 stays below 0.25 even for 失信
    assert "ASSOC_D" not in got and "ASSOC_A" not in got
    run(clean_graph, "contagion.blacklist", contagion__blacklist={"threshold": 0.05})
    got = _scores(clean_graph)
    assert got["ASSOC_D"]["evidence"]["score"] == pytest.approx(0.85 * 0.6 * 0.4)
    assert got["ASSOC_A"]["evidence"]["score"] == pytest.approx(0.3 * 0.85 * 0.6 * 0.4)
    assert got["ASSOC_A"]["evidence"]["listing_kinds"] == {"ABNORMAL": ["abnormal_operation"]}


def test_listing_kind_and_link_type_weights_are_checked():
    from risk_rules.config import ConfigError, rule_params
    from risk_rules.rules.blacklist_contagion import Params

    with pytest.raises(ConfigError, match="unknown listing kinds"):
        rule_params(
            load_config(extra={"rules": {"contagion.blacklist": {"kind_weights": {"失信": 1.0}}}}),
            "contagion.blacklist",
            Params,
        )
    with pytest.raises(ConfigError, match="unknown link types"):
        rule_params(
            load_config(extra={"rules": {"contagion.blacklist": {"reverse_weights": {"guarantor": 0.5}}}}),
            "contagion.blacklist",
            Params,
        )


def test_a_majority_holder_controls_its_company_even_when_the_actual_controller_sits_higher(
    graph, clean_graph
):
    # 赵 controls 甲 (80%); 甲, listed only under 限制高消费, holds 70% of 乙 and 40% of 丙.
    # The actual controller of 乙 is 赵 (CONTROLS 赵 → 乙), so no CONTROLS link starts at 甲 — but
    # 甲 is 乙's controlling shareholder (公司法 控股股东: more than 50%) and controls it directly.
    graph.person("P_ZHAO", name="赵某")
    graph.company("HOLDER", name="甲控股公司")
    graph.company("SUB", name="乙子公司")
    graph.company("ASSOC", name="丙参股公司")
    graph.holds("P_ZHAO", "HOLDER", 80.0)
    graph.holds("HOLDER", "SUB", 70.0)
    graph.holds("HOLDER", "ASSOC", 40.0)
    graph.listed("HOLDER", kind="consumption_restriction")
    graph.write(clean_graph)
    run(clean_graph, "control.actual_controller", "contagion.blacklist")
    with clean_graph.session() as s:
        controls = {
            (r["c"], r["x"])
            for r in s.run("MATCH (c)-[:CONTROLS]->(x) RETURN c.entity_id AS c, x.entity_id AS x")
        }
    assert ("P_ZHAO", "SUB") in controls and ("HOLDER", "SUB") not in controls
    got = _scores(clean_graph)
    # the majority holding weighs as control: 0.7 × 0.85 × 1.0 (as shareholding: 0.7 × 0.85 × 0.6 × 0.7
    # = 0.2499, below the threshold)
    sub = got["SUB"]["evidence"]
    assert sub["score"] == pytest.approx(0.7 * 0.85)
    assert sub["paths"][0]["nodes"] == ["HOLDER", "SUB"] and sub["paths"][0]["rels"] == ["majority_holding"]
    assert "甲控股公司(HOLDER) —[控股]→ 乙子公司(SUB)" in got["SUB"]["explanation_zh"]
    assert "—[holds a majority of]→" in got["SUB"]["explanation_en"]
    # a 40% stake is no control: 0.7 × 0.85 × 0.6 × 0.4 = 0.143, no alert
    assert "ASSOC" not in got
    # the listed holder's own controller: 0.7 × 0.85 × 0.3 (control against its way) = 0.179, no alert
    assert "P_ZHAO" not in got
    # the pre-loan check reads the same computation
    body, _ = live_profile(clean_graph, "neo4j", "SUB", load_config(), [])
    assert body["contagion"]["score"] == pytest.approx(sub["score"])
    # the setting switches it off: the holding weighs by its pct again
    run(clean_graph, "contagion.blacklist", contagion__blacklist={"majority_holding_as_control": False})
    assert "SUB" not in _scores(clean_graph)
