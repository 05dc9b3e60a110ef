"""Guarantee-network rules end to end: Cypher graph → rules run → Alert nodes with evidence."""

from __future__ import annotations

import datetime as dt

import pytest
from rulekit import alerts, run, snapshot_alerts

pytestmark = pytest.mark.neo4j


def test_mutual_pair_found_with_evidence_and_concerns(graph, clean_graph):
    for c in "ABCD":
        graph.company(c)
    graph.guarantee("A", "B", 5e6)
    graph.guarantee("B", "A", 3e6)
    graph.guarantee("B", "C", 1e6)  # one-way: not mutual
    graph.guarantee("C", "D", 1e6)
    graph.write(clean_graph)
    run(clean_graph, "guarantee.mutual")
    got = alerts(clean_graph, "guarantee.mutual")
    assert len(got) == 1
    a = got[0]
    assert a["entity_ids"] == ["A", "B"] and a["concerns"] == ["A", "B"]
    assert a["evidence"]["paths"] == [["A", "B", "A"]]
    assert {e["amount"] for e in a["evidence"]["edges"]} == {5e6, 3e6}
    assert a["severity"] == "high" and a["status"] == "open" and a["active"] is True
    assert "互保" in a["explanation_zh"] and "mutual" in a["explanation_en"]


def test_mutual_pair_with_defaulted_party_is_critical(graph, clean_graph):
    graph.company("A")
    graph.company("B")
    graph.guarantee("A", "B")
    graph.guarantee("B", "A")
    graph.loan("B", 1e6, status="defaulted")
    graph.write(clean_graph)
    run(clean_graph, "guarantee.mutual")
    (a,) = alerts(clean_graph, "guarantee.mutual")
    assert a["severity"] == "critical"
    assert a["evidence"]["distressed"] == {"B": ["defaulted"]}


def test_circle_found_and_chain_not_a_circle(graph, clean_graph):
    for c in ["A", "B", "C", "X", "Y", "Z"]:
        graph.company(c)
    graph.guarantee("A", "B")
    graph.guarantee("B", "C")
    graph.guarantee("C", "A")
    graph.guarantee("C", "X")  # leaves the circle
    graph.guarantee("X", "Y")  # a plain chain
    graph.guarantee("Y", "Z")
    graph.write(clean_graph)
    run(clean_graph, "guarantee.circle")
    (a,) = alerts(clean_graph, "guarantee.circle")
    assert a["entity_ids"] == ["A", "B", "C"]
    assert a["evidence"]["paths"] == [["A", "B", "C", "A"]]
    assert a["evidence"]["edge_count"] == 3


def test_no_circle_on_acyclic_data(graph, clean_graph):
    for i in range(8):
        graph.company(f"C{i}")
    for i in range(7):
        graph.guarantee(f"C{i}", f"C{i + 1}")
    graph.guarantee("C0", "C5")
    graph.write(clean_graph)
    run(clean_graph, "guarantee.circle", "guarantee.mutual")
    assert alerts(clean_graph, "guarantee.circle") == []
    assert alerts(clean_graph, "guarantee.mutual") == []


def test_circle_closing_only_through_a_natural_person(graph, clean_graph):
    graph.company("A")
    graph.company("B")
    graph.person("P")
    graph.guarantee("A", "B")
    graph.guarantee("B", "P")  # B guarantees the person's loan
    graph.guarantee("P", "A")  # the person guarantees A
    graph.write(clean_graph)
    run(clean_graph, "guarantee.circle")
    (a,) = alerts(clean_graph, "guarantee.circle")
    assert a["entity_ids"] == ["A", "B", "P"]
    assert a["concerns"] == ["A", "B", "P"]
    assert a["evidence"]["paths"] == [["A", "B", "P", "A"]]


def test_as_of_excludes_expired_and_future_guarantees(graph, clean_graph):
    graph.company("A")
    graph.company("B")
    graph.guarantee("A", "B")
    graph.guarantee("B", "A", valid_to=dt.date(2024, 6, 30))  # expired before as-of
    graph.company("C")
    graph.company("D")
    graph.guarantee("C", "D")
    graph.guarantee("D", "C", valid_from=dt.date(2026, 3, 1))  # not yet valid
    graph.write(clean_graph)
    run(clean_graph, "guarantee.mutual", as_of=dt.date(2025, 12, 31))
    assert alerts(clean_graph, "guarantee.mutual") == []
    run(clean_graph, "guarantee.mutual", as_of=dt.date(2024, 1, 1))  # a snapshot of that date
    assert [
        a["entity_ids"] for a in snapshot_alerts(clean_graph, "guarantee.mutual", dt.date(2024, 1, 1))
    ] == [["A", "B"]]
    assert alerts(clean_graph, "guarantee.mutual", active_only=False) == []  # the live picture is untouched


def test_chain_depth_fans_and_leverage(graph, clean_graph):
    for c in ["H", "A", "B", "C", "D", "G", "X1", "X2", "X3", "Y"]:
        graph.company(c, net_assets=1e6)
    graph.guarantee("H", "A")
    graph.guarantee("A", "B")
    graph.guarantee("B", "C")
    graph.guarantee("C", "D")  # H→A→B→C→D: depth 4
    for x in ("X1", "X2", "X3"):
        graph.guarantee("G", x, 1e6)  # G guarantees 3 borrowers, 3e6 vs net assets 1e6
        graph.guarantee(x, "Y", 1e5)  # Y guaranteed by 3
    graph.write(clean_graph)
    run(
        clean_graph,
        "guarantee.chain_depth",
        "guarantee.one_for_many",
        "guarantee.many_for_one",
        "guarantee.leverage",
    )
    chains = alerts(clean_graph, "guarantee.chain_depth")
    assert [c["evidence"]["paths"] for c in chains] == [[["H", "A", "B", "C", "D"]]]
    assert chains[0]["evidence"]["depth"] == 4
    (fan_out,) = alerts(clean_graph, "guarantee.one_for_many")
    assert fan_out["evidence"]["center"] == "G" and fan_out["evidence"]["degree"] == 3
    (fan_in,) = alerts(clean_graph, "guarantee.many_for_one")
    assert fan_in["evidence"]["center"] == "Y" and sorted(fan_in["entity_ids"]) == ["X1", "X2", "X3", "Y"]
    (lev,) = alerts(clean_graph, "guarantee.leverage")
    assert lev["entity_ids"] == ["G"]
    assert lev["evidence"]["arithmetic"]["ratio"] == pytest.approx(3.0)
    assert lev["severity"] == "high"  # 3.0 ≥ high_ratio 2.0, < critical 5.0


def test_circle_exposure_severity_follows_distress_and_size(graph, clean_graph):
    for c in "ABCDE":
        graph.company(c)
    graph.guarantee("A", "B")
    graph.guarantee("B", "A")
    graph.loan("A", 2e8, status="overdue")
    graph.guarantee("C", "D")
    graph.guarantee("D", "E")
    graph.guarantee("E", "C")
    graph.loan("C", 5e8)
    graph.loan("D", 6e8)  # 1.1e9 ≥ 5% of 2e10
    graph.write(clean_graph)
    run(clean_graph, "guarantee.circle_exposure")
    got = {tuple(a["entity_ids"]): a for a in alerts(clean_graph, "guarantee.circle_exposure")}
    assert set(got) == {("A", "B"), ("C", "D", "E")}
    assert got[("A", "B")]["severity"] == "high"
    assert got[("A", "B")]["evidence"]["overdue"] == ["A"]
    assert got[("C", "D", "E")]["severity"] == "medium"
    assert got[("C", "D", "E")]["evidence"]["arithmetic"]["total_loans"] == pytest.approx(1.1e9)
    assert got[("C", "D", "E")]["evidence"]["members_missing_loan"] == ["E"]
