"""Ownership/control algorithms against path enumeration and a truncated Neumann series."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
from alg_strategies import ownership_graphs
from hypothesis import given, settings

from risk_rules.algorithms.ownership import (
    OwnershipDataError,
    actual_controller,
    all_controllers,
    beneficial_owners,
    family_clusters,
    integrated_ownership,
    ownership_inconsistencies,
    ownership_paths,
)


def path_sum(G: nx.DiGraph, x, y) -> float:
    return sum(
        100.0 * math.prod(G[a][b]["pct"] / 100.0 for a, b in zip(p, p[1:], strict=False))
        for p in nx.all_simple_paths(G, x, y)
    )


@settings(max_examples=200, deadline=None)
@given(ownership_graphs(dag=True))
def test_integrated_ownership_equals_path_enumeration_on_dags(G):
    for y in G:
        got = integrated_ownership(G, y)
        for x in G:
            if x == y:
                continue
            expected = path_sum(G, x, y)
            assert got.get(x, 0.0) == pytest.approx(expected, abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(ownership_graphs(dag=False, max_total=90.0))
def test_integrated_ownership_equals_truncated_neumann_series_with_cycles(G):
    nodes = list(G)
    A = nx.to_numpy_array(G, nodelist=nodes, weight="pct") / 100.0
    S = np.zeros_like(A)
    term = np.eye(len(nodes))
    for _ in range(400):  # column sums ≤ 0.9 ⇒ tail ≤ 0.9^400
        term = term @ A
        S += term
    for j, y in enumerate(nodes):
        got = integrated_ownership(G, y)
        for i, x in enumerate(nodes):
            if x != y:
                assert got.get(x, 0.0) == pytest.approx(100.0 * S[i, j], abs=1e-7)


@settings(max_examples=100, deadline=None)
@given(ownership_graphs(dag=True))
def test_ownership_paths_are_the_best_products(G):
    for x in G:
        for y in G:
            if x == y:
                continue
            brute = sorted(
                (
                    100.0 * math.prod(G[a][b]["pct"] / 100.0 for a, b in zip(p, p[1:], strict=False))
                    for p in nx.all_simple_paths(G, x, y)
                ),
                reverse=True,
            )
            got = ownership_paths(G, x, y, max_paths=3)
            assert [p.product for p in got] == pytest.approx(brute[:3])
            for p in got:
                assert all(G[a][b]["pct"] == q for a, b, q in zip(p.nodes, p.nodes[1:], p.pcts, strict=False))


@settings(max_examples=150, deadline=None)
@given(ownership_graphs(dag=False))
def test_control_chain_is_consistent_evidence(G):
    for company, res in all_controllers(G).items():
        assert res.chain[-1].company == company
        for link in res.chain:
            assert link.controller == res.controller
            assert company not in link.controller or link.company != company
            assert link.votes == pytest.approx(sum(p for _, p in link.contributions))
            for holder, pct in link.contributions:
                assert G[holder][link.company]["pct"] == pytest.approx(pct)
            if link.basis == "majority":
                assert link.votes >= 50.0 - 1e-9 and link.votes > link.runner_up
            elif link.basis == "plurality":
                assert 30.0 - 1e-9 <= link.votes < 50.0 and link.votes > link.runner_up
        assert actual_controller(G, company) == res


def test_ownership_through_a_cross_holding_cycle():
    # P holds 50% of A; A holds 40% of B; B holds 20% of A (cross-holding).
    G = nx.DiGraph([("P:1", "A", {"pct": 50}), ("A", "B", {"pct": 40}), ("B", "A", {"pct": 20})])
    loop = 1 - 0.4 * 0.2  # walks may go round A→B→A any number of times
    assert integrated_ownership(G, "A")["P:1"] == pytest.approx(100 * 0.5 / loop)
    assert integrated_ownership(G, "B")["P:1"] == pytest.approx(100 * 0.5 * 0.4 / loop)
    assert integrated_ownership(G, "B")["A"] == pytest.approx(100 * 0.4 / loop)
    # the simple path is the evidence; it explains most but not all of the integrated share
    (path,) = ownership_paths(G, "P:1", "B")
    assert path.nodes == ("P:1", "A", "B") and path.product == pytest.approx(20.0)


def test_closed_full_loop_is_a_data_error():
    G = nx.DiGraph([("A", "B", {"pct": 100}), ("B", "A", {"pct": 100})])
    with pytest.raises(OwnershipDataError):
        integrated_ownership(G, "A")
    with pytest.raises(OwnershipDataError):
        integrated_ownership(nx.DiGraph([("A", "B", {"pct": 120})]), "B")


def test_inconsistent_totals_are_reported():
    G = nx.MultiDiGraph()
    G.add_edge("A", "X", pct=60)
    G.add_edge("A", "X", pct=30)
    G.add_edge("B", "X", pct=20)
    G.add_edge("B", "Y", pct=100.3)
    assert ownership_inconsistencies(G) == {"X": 110.0}


def boundary_graph(indirect: bool) -> nx.DiGraph:
    G = nx.DiGraph()
    G.add_nodes_from(["P:a", "P:b"], kind="person")
    G.add_nodes_from(["H", "X"], kind="company")
    if indirect:  # 50% × 50% = 25% exactly (computed as 24.999999999999996 by a float solve)
        G.add_edge("P:a", "H", pct=50)
        G.add_edge("H", "X", pct=50)
    else:
        G.add_edge("P:a", "X", pct=25)
    G.add_edge("P:b", "X", pct=24.99)
    return G


@pytest.mark.parametrize("indirect", [False, True])
def test_beneficial_owner_boundary_25_vs_24_99(indirect):
    G = boundary_graph(indirect)
    ge = beneficial_owners(G, "X")
    assert ge.basis == "ownership"
    assert [o.person for o in ge.owners] == ["P:a"]  # 24.99% is out, 25% is in
    assert ge.owners[0].share == pytest.approx(25.0)
    assert ge.owners[0].paths_cover == pytest.approx(25.0)
    gt = beneficial_owners(G, "X", comparison=">")
    assert gt.basis != "ownership"  # nobody is strictly above 25%
    with pytest.raises(ValueError):
        beneficial_owners(G, "X", comparison="=>")


def test_beneficial_owner_falls_back_to_controller_then_manager():
    G = nx.DiGraph()
    G.add_nodes_from(["P:a", "P:b", "P:c", "P:m"], kind="person")
    G.add_nodes_from(["H", "X"], kind="company")
    G.add_edge("P:a", "H", pct=60)  # P:a controls H
    G.add_edge("H", "X", pct=35)  # H holds 35% of X: plurality control, P:a only 21% integrated
    for p in ["P:b", "P:c"]:
        G.add_edge(p, "X", pct=20)
    res = beneficial_owners(G, "X", positions=[("P:m", "X", "senior_manager")])
    assert res.basis == "control"
    (o,) = res.owners
    assert o.person == "P:a" and o.share == pytest.approx(21.0)
    assert [(link.company, link.basis) for link in o.control_chain] == [("H", "majority"), ("X", "plurality")]
    # H leads the next block (20%) by 15 points; require a 20-point decisive margin and nobody
    # controls X, so the cascade falls through to the senior manager
    res2 = beneficial_owners(
        G, "X", positions=[("P:m", "X", "senior_manager")], control_kwargs={"margin": 20.0}
    )
    assert res2.basis == "senior_manager" and [o.person for o in res2.owners] == ["P:m"]
    assert beneficial_owners(G, "X", control_kwargs={"margin": 20.0}).basis == "none"


def test_transitive_control_and_ties():
    G = nx.DiGraph(
        [
            ("P:1", "A", {"pct": 51}),
            ("A", "B", {"pct": 51}),
            ("B", "C", {"pct": 51}),
            ("Q", "D", {"pct": 50}),
            ("R", "D", {"pct": 50}),
        ]
    )
    r = actual_controller(G, "C")
    assert r.controller == ("P:1",)
    assert [link.company for link in r.chain] == ["A", "B", "C"]
    assert actual_controller(G, "D").controller is None  # 50/50 joint venture: no sole controller


def test_cross_holding_never_self_control():
    G = nx.DiGraph([("A", "B", {"pct": 60}), ("B", "A", {"pct": 60})])
    assert actual_controller(G, "A").controller == ("B",)
    assert actual_controller(G, "B").controller == ("A",)
    assert all(c.company not in c.controller for c in all_controllers(G).values())


def test_family_holding_jointly_controls():
    G = nx.DiGraph([("P:h", "X", {"pct": 30}), ("P:w", "X", {"pct": 25}), ("P:o", "X", {"pct": 45})])
    assert actual_controller(G, "X").controller == ("P:o",)  # alone, P:o is largest (plurality)
    r = actual_controller(G, "X", family_pairs=[("P:h", "P:w", "spouse")])
    assert r.controller == ("P:h", "P:w") and r.basis == "majority" and r.chain[-1].votes == 55.0
    assert family_clusters([("P:h", "P:w", "friend")]) == {}


def test_board_control_via_positions():
    G = nx.DiGraph([("K", "X", {"pct": 20}), ("L", "X", {"pct": 25}), ("M", "X", {"pct": 10})])
    positions = [
        ("P:d1", "X", "director"),
        ("P:d2", "X", "chairman"),
        ("P:d3", "X", "director"),
        ("P:d4", "X", "director"),
        ("P:d1", "K", "senior_manager"),  # K's people sit on X's board
        ("P:d2", "K", "director"),
        ("P:d3", "L", "director"),
    ]
    r = actual_controller(G, "X", positions=positions)
    assert r.controller == ("K",) and r.basis == "board"
    assert r.chain[-1].board_seats == (2, 4)
    assert actual_controller(G, "X").controller is None


def test_multigraph_stakes_are_summed_and_positions_may_be_a_graph():
    G = nx.MultiDiGraph()
    G.add_edge("P:1", "A", pct=30)
    G.add_edge("P:1", "A", pct=25)  # a second share class / later purchase
    G.add_edge("A", "B", pct=40)
    assert integrated_ownership(G, "B") == pytest.approx({"A": 40.0, "P:1": 22.0})
    assert actual_controller(G, "A").basis == "majority"
    pos = nx.MultiDiGraph()
    pos.add_edge("P:9", "B", role="chairman")
    pos.add_edge("P:9", "A", role="director")
    r = actual_controller(G, "B", positions=pos, plurality=60.0)
    assert r.basis == "board" and r.controller == ("P:1",) and r.chain[-1].board_seats == (1, 1)


def test_custom_pct_attribute_is_honoured_everywhere():
    G = nx.DiGraph([("P:1", "A", {"share": 60}), ("A", "B", {"share": 50}), ("P:2", "B", {"share": 20})])
    assert integrated_ownership(G, "B", pct_attr="share") == pytest.approx(
        {"A": 50.0, "P:1": 30.0, "P:2": 20.0}
    )
    assert actual_controller(G, "B", pct_attr="share").controller == ("P:1",)
    assert [o.person for o in beneficial_owners(G, "B", pct_attr="share").owners] == ["P:1"]
    assert ownership_paths(G, "P:1", "B", pct_attr="share")[0].product == pytest.approx(30.0)
