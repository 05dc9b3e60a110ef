"""Ownership, control, group and concentration rules end to end against the real Neo4j."""

from __future__ import annotations

import pytest
from rulekit import alerts, run

pytestmark = pytest.mark.neo4j

ALL_SCOPE = {"scope": "all", "report_identified": True}


def _bo(driver, **params):
    run(driver, "ownership.beneficial_owner", ownership__beneficial_owner={**ALL_SCOPE, **params})
    # company ids start with "C" in these tests, persons do not
    return {
        next(e for e in a["entity_ids"] if e.startswith("C")): a
        for a in alerts(driver, "ownership.beneficial_owner")
    }


def test_beneficial_owner_threshold_25_vs_24_99_and_comparison_setting(graph, clean_graph):
    graph.person("Pa")
    graph.person("Pb")
    graph.company("CH")
    graph.company("CX")
    graph.holds("Pa", "CH", 50)
    graph.holds("CH", "CX", 50)  # Pa: 50% × 50% = exactly 25% of CX, indirectly
    graph.holds("Pb", "CX", 24.99)
    graph.holds("Pb", "CH", 10)  # Pb: 24.99% + 10% × 50% = 29.99%
    graph.write(clean_graph)
    got = _bo(clean_graph)
    x = got["CX"]
    owners = {o["person"]: o for o in x["evidence"]["owners"]}
    assert x["kind"] == "ownership"
    assert set(owners) == {"Pa", "Pb"}
    assert owners["Pa"]["share_pct"] == pytest.approx(25.0)
    assert owners["Pa"]["paths"][0]["nodes"] == ["Pa", "CH", "CX"]
    assert owners["Pb"]["share_pct"] == pytest.approx(29.99)


def test_exactly_25_is_owner_with_ge_but_not_with_gt_and_24_99_never(graph, clean_graph):
    graph.person("Pa")
    graph.person("Pb")
    graph.person("Pm")
    graph.company("CH")
    graph.company("CX")
    graph.holds("Pa", "CH", 50)
    graph.holds("CH", "CX", 50)  # Pa indirectly exactly 25%
    graph.holds("Pb", "CX", 24.99)
    graph.position("Pm", "CX", "senior_manager")
    graph.write(clean_graph)
    x = _bo(clean_graph)["CX"]
    assert [o["person"] for o in x["evidence"]["owners"]] == ["Pa"]  # 24.99% is not enough
    assert x["severity"] == "low"
    x = _bo(clean_graph, comparison=">")["CX"]
    # nobody owns > 25%; CH (50%) is the controller, itself controlled by Pa (50%) → control basis
    assert x["kind"] == "control" and [o["person"] for o in x["evidence"]["owners"]] == ["Pa"]
    assert x["severity"] == "medium"


def test_ownership_through_a_cycle_uses_integrated_share(graph, clean_graph):
    graph.person("P")
    graph.person("Q")
    graph.company("CA")
    graph.company("CB")
    graph.holds("P", "CA", 45)
    graph.holds("Q", "CA", 25)
    graph.holds("CA", "CB", 50)
    graph.holds("CB", "CA", 30)  # cross-holding: CB holds 30% of its own holder
    graph.holds("Q", "CB", 50)
    graph.write(clean_graph)
    b = _bo(clean_graph)["CB"]
    owners = {o["person"]: o["share_pct"] for o in b["evidence"]["owners"]}
    # P in CB: 0.45·0.5 / (1 − 0.5·0.3) = 26.47% — above 25% only thanks to the cycle (direct path: 22.5%)
    assert owners["P"] == pytest.approx(100 * 0.45 * 0.5 / (1 - 0.15))
    assert "P" in owners and "Q" in owners


def test_missing_beneficial_owner_and_no_spurious_owner(graph, clean_graph):
    graph.company("CD")
    for i in range(10):
        graph.person(f"H{i}")
        graph.holds(f"H{i}", "CD", 10)  # dispersed: nobody ≥ 25%, nobody controls
    graph.company("CM")
    for i in range(5):
        graph.holds(f"H{i}", "CM", 20)
    graph.person("Mgr")
    graph.position("Mgr", "CM", "senior_manager")
    graph.write(clean_graph)
    got = _bo(clean_graph)
    assert got["CD"]["kind"] == "missing" and got["CD"]["severity"] == "high"
    assert got["CD"]["entity_ids"] == ["CD"]
    assert got["CM"]["kind"] == "senior_manager"
    assert [o["person"] for o in got["CM"]["evidence"]["owners"]] == ["Mgr"]


def test_actual_controller_writes_controls_with_chain_and_flags_layers(graph, clean_graph):
    graph.person("P")
    for c in ("C1", "C2", "C3", "C4"):
        graph.company(c)
    graph.holds("P", "C1", 60)
    graph.holds("C1", "C2", 70)
    graph.holds("C2", "C3", 51)
    graph.holds("C3", "C4", 35)  # plurality ≥ 30% …
    graph.person("Y")
    graph.holds("Y", "C4", 20)  # … and leading the runner-up
    graph.write(clean_graph)
    (s,) = run(clean_graph, "control.actual_controller")
    assert s.derived["controls_created"] == 4
    with clean_graph.session() as session:
        rows = {
            r["c"]: (r["basis"], r["chain"])
            for r in session.run(
                "MATCH (p {entity_id: 'P'})-[r:CONTROLS]->(c) RETURN c.entity_id AS c, r.basis AS basis, r.chain AS chain"
            )
        }
    assert rows["C4"] == ("plurality", ["P", "C1", "C2", "C3", "C4"])
    assert rows["C1"] == ("majority", ["P", "C1"])
    (a,) = alerts(clean_graph, "control.actual_controller")
    assert a["entity_ids"] == ["C4", "P"] and a["evidence"]["paths"] == [["P", "C1", "C2", "C3", "C4"]]
    (s2,) = run(clean_graph, "control.actual_controller")
    assert s2.derived["controls_unchanged"] == 4 and s2.derived["controls_created"] == 0


def test_group_held_jointly_by_husband_and_wife(graph, clean_graph):
    graph.person("H")
    graph.person("W")
    graph.person("X")
    for c in ("CA", "CB", "CC", "CS"):
        graph.company(c)
    graph.relative("H", "W", "spouse")
    graph.holds("H", "CA", 30)
    graph.holds("W", "CA", 25)  # neither alone controls; the couple holds 55%
    graph.holds("X", "CA", 45)
    graph.holds("CA", "CB", 80)
    graph.holds("W", "CC", 60)
    graph.holds("H", "CS", 20)  # a minority stake: not a member
    graph.holds("X", "CS", 70)
    graph.loan("CA", 1e7)
    graph.loan("CC", 1e7)
    graph.write(clean_graph)
    (s,) = run(clean_graph, "group.customer")
    with clean_graph.session() as session:
        groups = {
            r["g"]: (sorted(r["members"]), sorted(r["ctrl"]))
            for r in session.run(
                "MATCH (e)-[:MEMBER_OF]->(g:Group) RETURN g.group_id AS g, collect(e.entity_id) AS members, g.controller_ids AS ctrl"
            )
        }
    assert sorted(groups.values()) == [(["CA", "CB", "CC"], ["H", "W"])]
    (a,) = alerts(clean_graph, "group.customer")
    assert a["evidence"]["controllers"] == [["H", "W"]]
    assert a["evidence"]["chains"]["CB"][0]["controller"] == ["H", "W"]
    # unchanged data: the group is not rewritten
    (s2,) = run(clean_graph, "group.customer")
    assert s2.derived["groups_unchanged"] == 1 and s2.derived["groups_created"] == 0


def test_no_group_without_common_control(graph, clean_graph):
    for p in ("P1", "P2"):
        graph.person(p)
    for c in ("CA", "CB"):
        graph.company(c)
    graph.holds("P1", "CA", 60)
    graph.holds("P2", "CB", 60)
    graph.holds("P1", "CB", 10)
    graph.write(clean_graph)
    run(clean_graph, "group.customer")
    with clean_graph.session() as session:
        assert session.run("MATCH (g:Group) RETURN count(g) AS n").single()["n"] == 0


def test_group_and_single_borrower_concentration(graph, clean_graph):
    graph.person("P")
    for c in ("CA", "CB", "CC"):
        graph.company(c)
    graph.holds("P", "CA", 100)
    graph.holds("P", "CB", 100)
    graph.loan("CA", 1.2e8)  # 12% of net capital 1e9 > 10%
    graph.loan("CB", 0.6e8)  # group 1.8e8 = 18% > 15%
    graph.loan("CC", 0.2e8)  # 2%: nothing
    graph.write(clean_graph)
    bank = {"net_capital": 1e9, "tier1_capital": 0.8e9}
    run(clean_graph, "group.concentration", "concentration.large_exposure", bank=bank)
    (g,) = alerts(clean_graph, "group.concentration")
    checks = {c["name"]: c for c in g["evidence"]["checks"]}
    assert checks["group_customer"]["ratio"] == pytest.approx(0.18) and checks["group_customer"]["breach"]
    assert (
        checks["large_exposure_group"]["ratio"] == pytest.approx(0.225)
        and checks["large_exposure_group"]["breach"]
    )
    assert g["severity"] == "high" and g["entity_ids"] == ["CA", "CB", "P"]
    singles = {a["entity_ids"][0]: a for a in alerts(clean_graph, "concentration.large_exposure")}
    assert set(singles) == {"CA"}
    checks = {c["name"]: c for c in singles["CA"]["evidence"]["checks"]}
    assert checks["single_borrower"]["breach"] and checks["single_borrower"]["ratio"] == pytest.approx(0.12)
    assert checks["large_exposure_single"]["ratio"] == pytest.approx(0.15)
    assert not checks["large_exposure_single"]["breach"]  # 15% is at, not over, the limit


def test_related_party_through_insiders_wife(graph, clean_graph):
    graph.person("I")  # a director of the bank
    graph.person("W")
    graph.relative("I", "W", "spouse")
    graph.company("CQ")
    graph.company("CZ")
    graph.holds("W", "CQ", 60)
    graph.loan("CQ", 1.2e8)
    graph.loan("CZ", 5e8)  # unrelated borrower: not counted
    graph.write(clean_graph)
    run(
        clean_graph,
        "concentration.related_party",
        bank={"net_capital": 1e9},
        concentration__related_party={"insiders": ["I"]},
    )
    got = {a["kind"]: a for a in alerts(clean_graph, "concentration.related_party")}
    assert set(got) == {"single", "group"}
    single = got["single"]
    assert "CQ" in single["entity_ids"] and "CZ" not in single["entity_ids"]
    paths = single["evidence"]["relation_paths"]["I"]
    # every explanation starts at the insider, passes through his wife, and ends at CQ
    assert paths and all(p[0]["from"] == "I" and p[-1]["to"] == "CQ" for p in paths)
    assert all(
        any("W" in (step["from"], step["to"]) or "W" in step["to"].split("+") for step in p) for p in paths
    )
    assert single["evidence"]["checks"][0]["ratio"] == pytest.approx(0.12)
    assert got["group"]["severity"] == "medium"  # 12% of 15%: near the limit
