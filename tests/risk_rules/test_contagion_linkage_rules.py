"""Blacklist contagion (with reach_diff over snapshots) and shell-linkage clusters end to end."""

from __future__ import annotations

import datetime as dt

import pytest
from rulekit import alerts, run, snapshot_alerts

from risk_rules.reach import reach_diff

pytestmark = pytest.mark.neo4j


def _chain(graph):
    """C1 guarantees the listed BAD, C2 guarantees C1, … C4 guarantees C3 (four hops): risk climbs
    from each borrower to its guarantor, the strong way of a guarantee."""
    graph.company("BAD")
    graph.listed("BAD", list_date=dt.date(2024, 5, 1))
    prev = "BAD"
    for i in range(1, 5):
        graph.company(f"C{i}")
        graph.guarantee(f"C{i}", prev)
        prev = f"C{i}"


def test_contagion_hop_bound_and_paths(graph, clean_graph):
    _chain(graph)
    graph.write(clean_graph)
    run(
        clean_graph,
        "contagion.blacklist",
        contagion__blacklist={"threshold": 0.05, "snapshot_min_score": 0.05},
    )
    got = {a["subject_key"]: a for a in alerts(clean_graph, "contagion.blacklist")}
    # C4 is four hops away: outside the default 3-hop bound, never scored
    assert set(got) == {"C1", "C2", "C3"}
    c3 = got["C3"]
    assert c3["evidence"]["hops"] == 3
    assert c3["evidence"]["paths"][0]["nodes"] == ["BAD", "C1", "C2", "C3"]
    assert c3["evidence"]["paths"][0]["rels"] == ["guaranteed_by"] * 3
    assert c3["evidence"]["score"] == pytest.approx((0.85 * 0.7) ** 3, rel=1e-4)
    assert c3["entity_ids"] == ["BAD", "C3"] and c3["concerns"] == ["BAD", "C3"]
    assert got["C1"]["severity"] == "medium" and got["C3"]["severity"] == "medium"  # 0.595 < 0.6
    # unchanged data: the rerun changes no alert (paths and scores are deterministic)
    (again,) = run(
        clean_graph,
        "contagion.blacklist",
        contagion__blacklist={"threshold": 0.05, "snapshot_min_score": 0.05},
    )
    assert (again.counts.new, again.counts.changed, again.counts.resolved) == (0, 0, 0)
    # a wider bound reaches it
    run(clean_graph, "contagion.blacklist", contagion__blacklist={"threshold": 0.05, "max_hops": 4})
    assert "C4" in {a["subject_key"] for a in alerts(clean_graph, "contagion.blacklist")}


def test_contagion_default_threshold_and_no_seed_no_alert(graph, clean_graph):
    _chain(graph)
    graph.write(clean_graph)
    run(clean_graph, "contagion.blacklist")
    # default: strength ≥ 0.25 → (0.85 × 0.7)^1 = 0.595, 0.354 pass; C3's 0.211 is below it
    assert {a["subject_key"] for a in alerts(clean_graph, "contagion.blacklist")} == {"C1", "C2"}
    run(clean_graph, "contagion.blacklist", as_of=dt.date(2024, 1, 1))  # listed only from 2024-05-01
    assert snapshot_alerts(clean_graph, "contagion.blacklist", dt.date(2024, 1, 1)) == []
    # a snapshot of a past date leaves the live alerts as they are
    assert {a["subject_key"] for a in alerts(clean_graph, "contagion.blacklist")} == {"C1", "C2"}


def test_reach_diff_between_snapshots(graph, clean_graph):
    _chain(graph)
    graph.company("NEWBAD")
    graph.company("N1")
    graph.guarantee("NEWBAD", "N1")
    graph.listed("NEWBAD", list_date=dt.date(2025, 6, 1))
    graph.write(clean_graph)
    run(clean_graph, "contagion.blacklist", as_of=dt.date(2025, 1, 31))
    with clean_graph.session() as s:  # C1 leaves: its guarantee of BAD ends in 2025-03
        s.run(
            "MATCH ({entity_id: 'C1'})-[r:GUARANTEES]->({entity_id: 'BAD'}) SET r.valid_to = date('2025-03-31')"
        ).consume()
    run(clean_graph, "contagion.blacklist", as_of=dt.date(2025, 12, 31))
    d = reach_diff(clean_graph, "2025-02-01")
    assert d["baseline_run"]["as_of"] == "2025-01-31" and d["current_run"]["as_of"] == "2025-12-31"
    assert [r["entity_id"] for r in d["newly_reached"]] == ["N1"]
    assert d["newly_reached"][0]["paths"][0]["nodes"] == ["NEWBAD", "N1"]
    # C3 (0.211) was below the snapshot's 0.25 before, so only C1 and C2 leave
    assert sorted(r["entity_id"] for r in d["no_longer_reached"]) == ["C1", "C2"]
    same = reach_diff(clean_graph, "2026-01-01")  # baseline = current run: nothing moved
    assert same["newly_reached"] == [] and same["no_longer_reached"] == []


def test_shell_cluster_found_and_supernode_not_a_link(graph, clean_graph):
    for i in range(6):
        graph.company(f"S{i}")
    # S0..S5 chained by shared values: phone for 0-2, address for 2-4, legal rep for 4-5
    for i in range(3):
        graph.phone(f"S{i}", "057188881234")
    for i in range(2, 5):
        graph.address(f"S{i}", "杭州市西湖区文三路1号")
    graph.person("REP")
    graph.position("REP", "S4", "legal_representative")
    graph.position("REP", "S5", "legal_representative")
    # an agent address shared by many: flagged, not a link
    for i in range(8):
        graph.company(f"A{i}")
        graph.address(f"A{i}", "代理注册地址")
    graph.company("LONE1")
    graph.company("LONE2")
    graph.phone("LONE1", "13800000000")
    graph.phone("LONE2", "13800000000")
    graph.write(clean_graph)
    run(clean_graph, "linkage.shell_cluster", linkage__shell_cluster={"supernode_threshold": 6})
    got = alerts(clean_graph, "linkage.shell_cluster")
    clusters = [a for a in got if a["kind"] == "cluster"]
    assert [a["entity_ids"] for a in clusters] == [[f"S{i}" for i in range(6)]]
    attrs = {v["attribute"] for v in clusters[0]["evidence"]["shared_values"]}
    assert attrs == {"phone", "address", "legal_representative"}
    supers = [a for a in got if a["kind"] == "supernode"]
    assert len(supers) == 1 and supers[0]["evidence"]["value"] == "代理注册地址"
