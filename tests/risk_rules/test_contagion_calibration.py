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
    graph.listed("DISHONEST", kind="dishonest_judgment_debtor")
    graph.listed("ABNORMAL", kind="abnormal_operation")
    graph.holds("DISHONEST", "SUB_D", 100.0)
    graph.holds("ABNORMAL", "SUB_A", 100.0)
    graph.write(clean_graph)
    run(clean_graph, "contagion.blacklist")
    got = _scores(clean_graph)
    # shipped weights: 1.0 × 0.85 × 0.6 = 0.51 alerts; 0.3 × 0.51 = 0.153 stays below 0.25
    assert got["SUB_D"]["evidence"]["score"] == pytest.approx(0.51)
    assert "SUB_A" not in got
    run(clean_graph, "contagion.blacklist", contagion__blacklist={"threshold": 0.1})
    got = _scores(clean_graph)
    assert got["SUB_A"]["evidence"]["score"] == pytest.approx(0.3 * 0.51)
    assert got["SUB_D"]["evidence"]["score"] > got["SUB_A"]["evidence"]["score"]
    assert got["SUB_A"]["evidence"]["listing_kinds"] == {"ABNORMAL": ["abnormal_operation"]}


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
