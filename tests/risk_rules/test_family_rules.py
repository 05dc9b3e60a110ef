"""Near relatives, circles through common control, beneficial-owner criteria and holdings over
100% through the rules, end to end against the real Neo4j."""

from __future__ import annotations

import pytest
from rulekit import alerts, run

pytestmark = pytest.mark.neo4j

EXTENDED = {"control": {"family_scope": "extended"}}


def _in_law_world(graph) -> None:
    graph.person("I")  # a director of the bank
    graph.person("W")  # his wife
    graph.person("B")  # her brother: the insider's in-law, not a near relative
    graph.relative("I", "W", "spouse")
    graph.relative("W", "B", "sibling")
    graph.company("CI")
    graph.company("CB")
    graph.holds("I", "CI", 70)
    graph.holds("B", "CB", 60)
    graph.loan("CI", 1.2e8)
    graph.loan("CB", 1.2e8)


def _related(driver, **overrides) -> dict[str, dict]:
    run(
        driver,
        "concentration.related_party",
        bank={"net_capital": 1e9},
        concentration__related_party={"insiders": ["I"]},
        **overrides,
    )
    return {a["kind"]: a for a in alerts(driver, "concentration.related_party")}


def test_in_law_company_is_not_a_related_party_by_default_but_is_with_the_setting(graph, clean_graph):
    _in_law_world(graph)
    graph.write(clean_graph)
    got = _related(clean_graph)
    assert "CI" in got["single"]["entity_ids"] and "CB" not in got["single"]["entity_ids"]
    assert "CB" not in got["group"]["entity_ids"]
    # the in-law is shown as evidence, marked not related
    (tie,) = got["group"]["evidence"]["extended_family"]
    assert tie == {
        "person": "I",
        "relative": "B",
        "via": "W",
        "relations": ["spouse", "sibling"],
        "related": False,
    }
    got = _related(clean_graph, **EXTENDED)
    singles = [a for a in alerts(clean_graph, "concentration.related_party") if a["kind"] == "single"]
    assert {e for a in singles for e in a["entity_ids"]} >= {"CI", "CB"}
    assert got["group"]["evidence"]["extended_family"][0]["related"] is True


def test_controller_and_groups_of_in_law_families(graph, clean_graph):
    graph.person("I")
    graph.person("W")
    graph.person("B")
    graph.person("V")  # B's wife
    graph.relative("I", "W", "spouse")
    graph.relative("W", "B", "sibling")
    graph.relative("B", "V", "spouse")
    for c in ("CX", "CX2", "CY", "CY2", "CM"):
        graph.company(c)
    graph.holds("I", "CX", 30)
    graph.holds("W", "CX", 25)
    graph.holds("CX", "CX2", 60)
    graph.holds("B", "CY", 30)
    graph.holds("V", "CY", 25)
    graph.holds("CY", "CY2", 60)
    graph.holds("I", "CM", 80)  # the near family holds 80%, the in-law the rest
    graph.holds("B", "CM", 20)
    for c in ("CX", "CX2", "CY", "CY2"):
        graph.loan(c, 1e6)
    graph.write(clean_graph)
    run(clean_graph, "control.actual_controller", "group.customer")
    with clean_graph.session() as s:
        ctl = sorted(
            s.run("MATCH (p)-[:CONTROLS]->(c:Company {entity_id: 'CM'}) RETURN p.entity_id AS p").value()
        )
    assert ctl == ["I"]
    groups = sorted(tuple(sorted(a["evidence"]["members"])) for a in alerts(clean_graph, "group.customer"))
    assert groups == [("CM", "CX", "CX2"), ("CY", "CY2")]
    ev = next(
        a["evidence"] for a in alerts(clean_graph, "group.customer") if "CX" in a["evidence"]["members"]
    )
    assert {"person": "I", "relative": "B", "via": "W", "relations": ["spouse", "sibling"]} in ev[
        "extended_family"
    ]
    # with the setting, the two in-law families are one block and one group
    run(clean_graph, "control.actual_controller", "group.customer", **EXTENDED)
    groups = [sorted(a["evidence"]["members"]) for a in alerts(clean_graph, "group.customer")]
    assert groups == [["CM", "CX", "CX2", "CY", "CY2"]]


def test_mutual_guarantee_through_common_control(graph, clean_graph):
    for c in ("CQ", "CQA", "CQB", "CA", "CB", "CC"):
        graph.company(c)
    graph.holds("CQ", "CQB", 70)  # CQ controls CQB: one group customer
    graph.guarantee("CQ", "CQA", 5e6)
    graph.guarantee("CQA", "CQB", 3e6)
    graph.guarantee("CA", "CB", 1e6)  # a plain circle CA → CB → CC → CA
    graph.guarantee("CB", "CC", 1e6)
    graph.guarantee("CC", "CA", 1e6)
    graph.write(clean_graph)
    run(clean_graph, "guarantee.mutual", "guarantee.circle")
    (mutual,) = alerts(clean_graph, "guarantee.mutual")
    assert mutual["kind"] == "common_control"
    ev = mutual["evidence"]
    assert ev["edges"] == [
        {"from": "CQ", "to": "CQA", "type": "GUARANTEES", "amount": 5e6},
        {"from": "CQA", "to": "CQB", "type": "GUARANTEES", "amount": 3e6},
    ]
    (control,) = ev["control"].values()
    assert control["members"] == ["CQ", "CQB"]
    (link,) = control["chains"]["CQB"]
    assert link["controller"] == ["CQ"] and link["company"] == "CQB" and link["votes_pct"] == 70.0
    circles = {a["kind"]: a for a in alerts(clean_graph, "guarantee.circle")}
    assert circles[""]["evidence"]["members"] == ["CA", "CB", "CC"]  # the plain circle, as before
    assert circles["common_control"]["evidence"]["members"] == ["CQ", "CQA", "CQB"]
    # the option switched off: only the plain circle
    run(
        clean_graph,
        "guarantee.mutual",
        "guarantee.circle",
        guarantee__mutual={"through_common_control": False},
        guarantee__circle={"through_common_control": False},
    )
    assert alerts(clean_graph, "guarantee.mutual") == []
    assert [a["kind"] for a in alerts(clean_graph, "guarantee.circle")] == [""]


def _bo(driver, **params):
    run(driver, "ownership.beneficial_owner", ownership__beneficial_owner={"scope": "all", **params})
    return {a["subject_key"]: a for a in alerts(driver, "ownership.beneficial_owner")}


def test_cumulative_and_sequential_beneficial_owners(graph, clean_graph):
    for p in ("Pa", "Pc", "Pd"):
        graph.person(p)
    graph.company("CH")
    graph.company("CX")
    graph.holds("Pa", "CX", 26)
    graph.holds("Pc", "CH", 60)
    graph.holds("Pd", "CH", 40)
    graph.holds("CH", "CX", 40)  # Pc controls CX through CH but owns 24% of it
    graph.write(clean_graph)
    got = _bo(clean_graph, report_identified=True)
    owners = [(o["person"], o["basis"]) for o in got["CX"]["evidence"]["owners"]]
    assert owners == [("Pa", "ownership"), ("Pc", "control")]
    got = _bo(clean_graph, report_identified=True, criteria="sequential")
    assert [(o["person"], o["basis"]) for o in got["CX"]["evidence"]["owners"]] == [("Pa", "ownership")]


def test_holdings_of_110_percent_are_marked_in_the_ownership_results(graph, clean_graph):
    for p in ("P1", "P2"):
        graph.person(p)
    graph.company("CX")
    graph.company("CY")
    graph.holds("P1", "CX", 70)
    graph.holds("P2", "CX", 40)  # 110%
    graph.holds("CX", "CY", 60)
    graph.write(clean_graph)
    # reported although identified by ownership (report_identified is off by default)
    got = _bo(clean_graph)
    for company in ("CX", "CY"):
        ev = got[company]["evidence"]
        assert ev["ownership_consistent"] is False
        (issue,) = ev["data_quality"]
        assert issue["company"] == "CX" and issue["total_pct"] == pytest.approx(110.0)
        assert issue["holdings"] == [{"holder": "P1", "pct": 70.0}, {"holder": "P2", "pct": 40.0}]
        assert "100%" in got[company]["explanation_zh"]
    run(clean_graph, "control.actual_controller")
    ctl = {a["subject_key"]: a for a in alerts(clean_graph, "control.actual_controller")}
    assert ctl["CY"]["kind"] == "inconsistent" and ctl["CY"]["evidence"]["ownership_consistent"] is False
    assert ctl["CY"]["evidence"]["data_quality"][0]["total_pct"] == pytest.approx(110.0)


def test_a_large_circle_in_substance_names_its_first_customers_and_counts_the_rest(graph, clean_graph):
    """Twelve group customers in a ring of guarantees (no plain circle): the sentence names eight
    customers and eight guarantees and says how many there are; the evidence keeps every one."""
    n = 12
    for i in range(n):
        graph.company(f"K{i:02d}")
        graph.company(f"M{i:02d}")
        graph.holds(f"K{i:02d}", f"M{i:02d}", 70)  # K controls M: one group customer
    for i in range(n):
        graph.guarantee(f"M{i:02d}", f"K{(i + 1) % n:02d}", 1e6)
    graph.write(clean_graph)
    run(clean_graph, "guarantee.circle")
    (circle,) = alerts(clean_graph, "guarantee.circle")
    assert circle["kind"] == "common_control"
    assert len(circle["evidence"]["edges"]) == n and len(circle["evidence"]["members"]) == 2 * n
    zh, en = circle["explanation_zh"], circle["explanation_en"]
    assert f"等共 {n} 个客户" in zh and f"等共 {n} 笔" in zh
    assert zh.count("担保 1,000,000.00 元") == 8
    assert en.count(" guarantees ") == 8 and en.count(f"and {n - 8} more") == 2
