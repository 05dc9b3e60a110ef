"""The normalized subgraph: reading API JSON, merging expansions, filtering, capping, path marking."""

from __future__ import annotations

import networkx as nx
import pytest

from explorer.graph_data import cap_nodes, filter_rel_types, mark_path, merge, subgraph_from_api
from explorer.sample_graph import neighbourhood


def _payload() -> dict:
    return {
        "center": "C:1",
        "nodes": [
            {"entity_id": "C:1", "labels": ["Company"], "properties": {"name": "甲公司", "uscc": "X"}},
            {"id": "P:1", "type": "Person", "name": "张三", "risk_score": 0.8},
            {"id": "B:1", "labels": ["BlacklistEntry"], "properties": {"entry_id": "B:1", "kind": "x"}},
        ],
        "relationships": [
            {"start": "P:1", "end": "C:1", "type": "HOLDS_SHARES", "properties": {"pct": 51.0}},
            {"source": "C:1", "target": "B:1", "type": "LISTED_AS"},
        ],
    }


def test_reads_the_different_key_spellings_of_api_json():
    sg = subgraph_from_api(_payload())
    assert sg.center == "C:1"
    assert [(n.id, n.kind, n.name) for n in sg.nodes] == [
        ("C:1", "Company", "甲公司"),
        ("P:1", "Person", "张三"),
        ("B:1", "BlacklistEntry", "B:1"),
    ]
    assert sg.node("P:1").risk == pytest.approx(0.8)
    assert sg.node("B:1").listed and not sg.node("P:1").listed
    assert sg.node("C:1").listed  # through its LISTED_AS edge to a listing without removal date
    assert [(e.source, e.target, e.type) for e in sg.edges] == [
        ("P:1", "C:1", "HOLDS_SHARES"),
        ("C:1", "B:1", "LISTED_AS"),
    ]
    assert sg.edges[0].props["pct"] == 51.0
    assert sg.rel_types == ["HOLDS_SHARES", "LISTED_AS"]


def _api_neighbourhood(**extra) -> dict:
    """The shape of the API's /v1/entities/{id}/neighbourhood answer (api.models.entities.Neighbourhood)."""
    return {
        "root": "C:A",
        "hops": 1,
        "types": ["HOLDS_SHARES", "LISTED_AS"],
        "nodes": [
            {
                "id": "C:A",
                "label": "Company",
                "caption": "甲公司",
                "properties": {"name": "甲公司"},
                "hop": 0,
                "expanded": False,
            },
            {"id": "C:L", "label": "Company", "caption": "丁公司", "properties": {}, "hop": 1},
            {
                "id": "BlacklistEntry:E1",
                "label": "BlacklistEntry",
                "caption": "E1",
                "properties": {"removal_date": "2025-01-01"},
                "hop": 2,
            },
            {
                "id": "BlacklistEntry:E2",
                "label": "BlacklistEntry",
                "caption": "E2",
                "properties": {},
                "hop": 2,
            },
            {"id": "C:X", "label": "Company", "caption": "戊公司", "properties": {}, "hop": 1},
        ],
        "edges": [
            {
                "id": "HOLDS_SHARES:1",
                "type": "HOLDS_SHARES",
                "source": "C:L",
                "target": "C:A",
                "properties": {"pct": 30.0},
            },
            {
                "id": "LISTED_AS:1",
                "type": "LISTED_AS",
                "source": "C:L",
                "target": "BlacklistEntry:E2",
                "properties": {},
            },
            {
                "id": "LISTED_AS:2",
                "type": "LISTED_AS",
                "source": "C:X",
                "target": "BlacklistEntry:E1",
                "properties": {},
            },
        ],
        "truncated": True,
        "left_out": {
            "supernodes": [{"node": "C:A", "degree": 900, "reason": "x"}],
            "nodes_over_cap": 0,
            "max_nodes": 300,
            "supernode_degree": 200,
        },
        **extra,
    }


def test_reads_the_api_neighbourhood_answer():
    sg = subgraph_from_api(_api_neighbourhood())
    assert sg.center == "C:A"
    assert sg.node("C:A").name == "甲公司" and sg.node("C:A").kind == "Company"
    assert sg.truncated and sg.capped_nodes == ("C:A",)
    assert sg.node("C:L").listed  # current listing
    assert not sg.node("C:X").listed  # its listing was removed
    assert sg.edges[0].key == "HOLDS_SHARES:1"


def test_capped_supernodes_mark_the_subgraph_truncated():
    sg = subgraph_from_api({**_payload(), "capped_nodes": [{"id": "C:1"}]})
    assert sg.truncated and sg.capped_nodes == ("C:1",)
    assert not subgraph_from_api(_payload()).truncated


def test_merge_after_expansion_keeps_each_node_and_edge_once():
    a = subgraph_from_api(_payload())
    b = subgraph_from_api(
        {
            "nodes": [
                {"id": "P:1", "type": "Person", "name": "张三"},
                {"id": "C:2", "type": "Company", "name": "乙"},
            ],
            "edges": [
                {"source": "P:1", "target": "C:1", "type": "HOLDS_SHARES", "properties": {"pct": 51.0}},
                {
                    "source": "P:1",
                    "target": "C:2",
                    "type": "HOLDS_POSITION",
                    "properties": {"role": "director"},
                },
            ],
        }
    )
    m = merge(a, b)
    assert [n.id for n in m.nodes] == ["C:1", "P:1", "B:1", "C:2"]
    assert len(m.edges) == 3
    assert m.center == "C:1"
    assert m.node("P:1").risk == pytest.approx(0.8)  # the first-seen node wins


def test_filter_by_relationship_type_drops_detached_nodes_but_keeps_the_center():
    sg = subgraph_from_api(_payload())
    only_listed = filter_rel_types(sg, ["LISTED_AS"])
    assert {n.id for n in only_listed.nodes} == {"C:1", "B:1"}
    assert {e.type for e in only_listed.edges} == {"LISTED_AS"}
    nothing = filter_rel_types(sg, [])
    assert [n.id for n in nothing.nodes] == ["C:1"] and nothing.edges == ()


@pytest.mark.parametrize("budget", [1, 7, 50, 199])
def test_cap_keeps_the_nodes_nearest_the_center(budget):
    sg = subgraph_from_api(neighbourhood(200, seed=3))
    capped, dropped = cap_nodes(sg, budget)
    assert len(capped.nodes) == budget and dropped == 200 - budget and capped.truncated
    g = nx.Graph()
    g.add_edges_from((e.source, e.target) for e in sg.edges)
    dist = nx.single_source_shortest_path_length(g, sg.center)
    kept = {n.id for n in capped.nodes}
    assert sg.center in kept
    assert max(dist[k] for k in kept) <= min(dist[n.id] for n in sg.nodes if n.id not in kept)
    assert all(e.source in kept and e.target in kept for e in capped.edges)


def test_cap_is_a_no_op_within_budget():
    sg = subgraph_from_api(neighbourhood(30))
    same, dropped = cap_nodes(sg, 30)
    assert same is sg and dropped == 0


def test_mark_path_highlights_one_edge_per_hop_in_either_direction():
    sg = subgraph_from_api(_payload())
    marked = mark_path(sg, ["P:1", "C:1", "B:1"])
    assert marked.highlight_nodes == {"P:1", "C:1", "B:1"}
    assert marked.highlight_edges == {e.key for e in sg.edges}
    assert mark_path(sg, ["B:1", "P:1"]).highlight_edges == frozenset()  # not adjacent: no edge


def test_ownership_answer_becomes_a_tree_with_the_control_chain_marked():
    from explorer.graph_data import subgraph_from_ownership

    payload = {
        "entity_id": "C:A",
        "direct_holders": [
            {"holder": "C:H", "name": "控股公司", "pct": 80.0},
            {"holder": "P:X", "name": "张三", "pct": 20.0},
        ],
        "edges": [
            {"holder": "C:H", "company": "C:A", "pct": 80.0},
            {"holder": "P:X", "company": "C:A", "pct": 20.0},
            {"holder": "P:B", "company": "C:H", "pct": 90.0},
        ],
        "controller": {
            "controller": ["P:B"],
            "basis": "majority",
            "chain": [{"controller": ["P:B"], "company": "C:H"}, {"controller": ["C:H"], "company": "C:A"}],
        },
        "beneficial_owners": {
            "basis": "ownership",
            "owners": [{"person": "P:B", "share_pct": 72.0, "paths": []}],
        },
    }
    sg = subgraph_from_ownership(payload, names={"C:A": "甲公司"})
    assert sg.center == "C:A"
    assert {(e.source, e.target, e.props["pct"]) for e in sg.edges} == {
        ("C:H", "C:A", 80.0),
        ("P:X", "C:A", 20.0),
        ("P:B", "C:H", 90.0),
    }
    assert (
        sg.node("C:H").name == "控股公司" and sg.node("C:A").name == "甲公司" and sg.node("P:B").name == "P:B"
    )
    assert sg.node("P:B").kind == "Person" and sg.node("C:H").kind == "Company"
    assert sg.highlight_nodes == {"P:B", "C:H", "C:A"}
    assert len(sg.highlight_edges) == 2  # P:B→C:H and C:H→C:A, not the 20 % holder


def test_circle_detail_is_drawn_with_its_first_cycle_marked():
    from explorer.graph_data import subgraph_from_circle

    detail = {
        "members": [
            {"entity_id": "C:1", "name": "甲", "listed": False},
            {"entity_id": "C:2", "name": "乙", "listed": True},
            {"entity_id": "C:3", "name": "丙"},
        ],
        "edges": [
            {"guarantor": "C:1", "borrower": "C:2", "amount": 1e7, "contract_id": "G1"},
            {"guarantor": "C:2", "borrower": "C:1", "amount": 2e7, "contract_id": "G2"},
            {"guarantor": "C:2", "borrower": "C:3", "amount": 3e7, "contract_id": "G3"},
        ],
        "cycles": [["C:1", "C:2", "C:1"]],
    }
    sg = subgraph_from_circle(detail)
    assert [n.name for n in sg.nodes] == ["甲", "乙", "丙"] and sg.node("C:2").listed
    assert all(e.type == "GUARANTEES" for e in sg.edges) and sg.edges[2].props["amount"] == 3e7
    assert sg.highlight_nodes == {"C:1", "C:2"}
    assert len(sg.highlight_edges) == 1  # one edge per hop of the marked cycle


def test_reach_rows_become_paths_from_the_listed_seeds():
    from explorer.graph_data import subgraph_from_reach

    rows = [
        {"entity_id": "C:O", "name": "丙", "paths": [{"nodes": ["C:L", "C:O"], "rels": ["HOLDS_SHARES"]}]},
        {
            "entity_id": "C:A",
            "name": "甲",
            "paths": [{"nodes": ["C:L", "C:O", "C:A"], "rels": ["HOLDS_SHARES", "GUARANTEES"]}],
        },
    ]
    sg = subgraph_from_reach(rows)
    assert {n.id for n in sg.nodes} == {"C:O", "C:A", "C:L"}
    assert sg.node("C:L").listed and not sg.node("C:A").listed
    assert sg.node("C:A").name == "甲" and sg.node("C:L").name == "C:L"
    assert sorted((e.source, e.target, e.type) for e in sg.edges) == [
        ("C:L", "C:O", "HOLDS_SHARES"),
        ("C:O", "C:A", "GUARANTEES"),
    ]
