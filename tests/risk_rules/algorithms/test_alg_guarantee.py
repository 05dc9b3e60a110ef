"""Guarantee-network algorithms against brute force (nx.simple_cycles, path enumeration)."""

from __future__ import annotations

import itertools

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from risk_rules.algorithms.guarantee import (
    _LARGE_CIRCLE,
    circle_exposure,
    guarantee_chains,
    guarantee_circles,
    guarantee_circles_from_edges,
    guarantee_leverage,
    many_guarantors_for_one,
    mutual_guarantees,
    one_guarantor_for_many,
    shortest_cycle_through,
)


@st.composite
def digraphs(draw, max_nodes: int = 7, dag: bool = False):
    n = draw(st.integers(1, max_nodes))
    names = [f"C:{i}" for i in range(n)]
    pairs = [(a, b) for a in range(n) for b in range(n) if a != b and (not dag or a < b)]
    chosen = draw(st.lists(st.sampled_from(pairs), max_size=3 * n, unique=True)) if pairs else []
    G = nx.DiGraph()
    G.add_nodes_from(names)
    for a, b in chosen:
        G.add_edge(names[a], names[b], amount=float(draw(st.integers(1, 100))))
    return G


def brute_circles(G: nx.DiGraph) -> set[frozenset]:
    """Merge every simple cycle's node set with any overlapping one: gives the SCCs of size ≥ 2."""
    sets = [set(c) for c in nx.simple_cycles(G) if len(c) >= 2]
    merged: list[set] = []
    for s in sets:
        overlapping = [m for m in merged if m & s]
        for m in overlapping:
            merged.remove(m)
            s |= m
        merged.append(s)
    return {frozenset(m) for m in merged}


def is_cycle_in(G: nx.DiGraph, cyc: tuple[str, ...]) -> bool:
    return (
        cyc[0] == cyc[-1]
        and len(set(cyc[:-1])) == len(cyc) - 1
        and all(G.has_edge(a, b) for a, b in itertools.pairwise(cyc))
    )


@settings(max_examples=300, deadline=None)
@given(digraphs())
def test_circles_equal_brute_force_and_evidence_is_shortest(G):
    circles = guarantee_circles(G)
    assert {frozenset(c.members) for c in circles} == brute_circles(G)
    all_cycles = [tuple(c) for c in nx.simple_cycles(G) if len(c) >= 2]
    for circle in circles:
        assert not circle.cycles_truncated
        for cyc in circle.cycles:
            assert is_cycle_in(G, cyc)
            assert set(cyc) <= set(circle.members)
        for m in circle.members:
            brute = min(len(c) for c in all_cycles if m in c)
            mine = min(len(c) - 1 for c in circle.cycles if m in c)
            assert mine == brute
            assert len(shortest_cycle_through(G, m)) - 1 == brute


@settings(max_examples=150, deadline=None)
@given(digraphs())
def test_from_edges_matches_graph_version(G):
    us, vs, amts = zip(*G.edges(data="amount"), strict=True) if G.number_of_edges() else ((), (), ())
    a = guarantee_circles_from_edges(list(us), list(vs), list(amts))
    b = guarantee_circles(G)
    assert a == b
    for c in a:
        inside = sum(d for u, v, d in G.edges(data="amount") if u in c.members and v in c.members)
        assert c.internal_amount == pytest.approx(inside)


@settings(max_examples=150, deadline=None)
@given(digraphs(dag=True))
def test_no_spurious_circle_on_dag(G):
    assert guarantee_circles(G) == ()
    assert mutual_guarantees(G) == ()


@settings(max_examples=150, deadline=None)
@given(digraphs())
def test_mutual_pairs_brute_force(G):
    expected = {tuple(sorted((u, v))) for u, v in G.edges if G.has_edge(v, u)}
    got = mutual_guarantees(G)
    assert {(m.a, m.b) for m in got} == expected
    for m in got:
        assert m.amount_ab == G[m.a][m.b]["amount"] and m.amount_ba == G[m.b][m.a]["amount"]


def brute_depths(G: nx.DiGraph) -> dict[str, tuple[int, int]]:
    """Longest chain ending at / starting from each node, over the condensation, by enumeration."""
    C = nx.condensation(G)
    comp = C.graph["mapping"]
    up = {c: 0 for c in C}
    down = {c: 0 for c in C}
    for s, t in itertools.permutations(C.nodes, 2):
        for p in nx.all_simple_paths(C, s, t):
            up[t] = max(up[t], len(p) - 1)
            down[s] = max(down[s], len(p) - 1)
    return {v: (up[comp[v]], down[comp[v]]) for v in G}


@settings(max_examples=200, deadline=None)
@given(st.one_of(digraphs(dag=True), digraphs()))
def test_chain_depths_brute_force(G):
    report = guarantee_chains(G)
    brute = brute_depths(G)
    for v in G:
        d = report.depth_of(v)
        assert (d.upstream, d.downstream) == brute[v]
        chain = report.chain_through(v)
        assert chain.depth == d.length
        assert any(v in unit for unit in chain.units)
        for (a, b), ua, ub in zip(chain.links, chain.units[:-1], chain.units[1:], strict=True):
            assert G.has_edge(a, b) and a in ua and b in ub
    assert report.max_depth == max((u + d for u, d in brute.values()), default=0)
    if report.longest:
        assert report.longest[0].depth == report.max_depth


def test_circle_closing_only_through_a_person():
    # Two companies guarantee each other only via a natural person: A → P → B → A.
    G = nx.DiGraph()
    G.add_node("P:1", kind="person")
    G.add_nodes_from(["C:A", "C:B", "C:X"], kind="company")
    G.add_edges_from([("C:A", "P:1"), ("P:1", "C:B"), ("C:B", "C:A"), ("C:B", "C:X")])
    (circle,) = guarantee_circles(G)
    assert circle.members == ("C:A", "C:B", "P:1")
    assert circle.cycles == (("C:A", "P:1", "C:B", "C:A"),)
    # Drop the person and the circle disappears: it really closes only through the person.
    assert guarantee_circles(G.subgraph(["C:A", "C:B", "C:X"])) == ()


def test_multigraph_contracts_are_summed_and_self_loops_ignored():
    G = nx.MultiDiGraph()
    G.add_edge("A", "B", amount=1.0, contract_id="k1")
    G.add_edge("A", "B", amount=2.0, contract_id="k2")
    G.add_edge("B", "A", amount=4.0)
    G.add_edge("C", "C", amount=9.0)
    (m,) = mutual_guarantees(G)
    assert (m.amount_ab, m.amount_ba) == (3.0, 4.0)
    (c,) = guarantee_circles(G)
    assert c.members == ("A", "B") and c.edge_count == 2 and c.internal_amount == 7.0


def test_large_circle_uses_scipy_bfs_and_gives_true_shortest_cycles():
    n = _LARGE_CIRCLE + 500
    G = nx.DiGraph()
    names = [f"C:{i:05d}" for i in range(n)]
    G.add_edges_from(zip(names, names[1:] + names[:1], strict=True))
    G.add_edges_from((names[i], names[i - 7]) for i in range(10, n, 97))  # short back-edges
    (circle,) = guarantee_circles(G, max_cycles=5, max_sources=40)
    assert circle.size == n and circle.cycles_truncated
    assert 1 <= len(circle.cycles) <= 5
    for cyc in circle.cycles:
        assert is_cycle_in(G, cyc)
    # the first 40 members in id order: the evidence holds each one's true shortest cycle length
    for m in names[:40]:
        ref = shortest_cycle_through(G, m)
        got = [c for c in circle.cycles if m in c]
        if got:
            assert min(len(c) for c in got) == len(ref)


def test_fans_count_distinct_counterparties():
    G = nx.MultiDiGraph()
    for b in ["B1", "B2", "B2", "B3"]:
        G.add_edge("G", b, amount=10.0)
    G.add_edge("G2", "B1", amount=1.0)
    G.add_edge("G3", "B1", amount=1.0)
    (fan,) = one_guarantor_for_many(G)
    assert fan.node == "G" and fan.counterparties == ("B1", "B2", "B3") and fan.total_amount == 40.0
    assert one_guarantor_for_many(G, min_borrowers=4) == ()
    (focus,) = many_guarantors_for_one(G)
    assert focus.node == "B1" and focus.degree == 3


def test_leverage_reports_missing_and_non_positive_net_assets():
    G = nx.DiGraph()
    G.add_edge("A", "X", amount=50.0)
    G.add_edge("B", "X", amount=10.0)
    G.add_edge("C", "X", amount=10.0)
    G.nodes["A"]["net_assets"] = 100.0
    G.nodes["C"]["net_assets"] = -5.0
    res = {r.node: r for r in guarantee_leverage(G, limit=0.4)}
    assert res["A"].ratio == 0.5 and res["A"].exceeds is True and res["A"].status == "ok"
    assert res["B"].status == "missing_net_assets" and res["B"].ratio is None and res["B"].exceeds is None
    assert res["C"].status == "non_positive_net_assets" and res["C"].exceeds is True
    assert "X" not in res


def test_circle_exposure_counts_loans_and_distress():
    G = nx.DiGraph()
    G.add_edges_from([("A", "B", {"amount": 5.0}), ("B", "C", {"amount": 6.0}), ("C", "A", {"amount": 7.0})])
    G.add_edge("A", "Z", amount=100.0)  # leaves the circle: not internal
    G.nodes["A"].update(loan_balance=10.0, status="overdue")
    G.nodes["B"].update(loan_balance=20.0, status="DEFAULTED", blacklisted=True)
    (circle,) = guarantee_circles(G)
    e = circle_exposure(G, circle)
    assert e.circle_id == circle.circle_id
    assert e.total_loans == 30.0 and e.members_missing_loan == ("C",)
    assert e.internal_guarantee_amount == 18.0
    assert e.overdue == ("A",) and e.defaulted == ("B",) and e.blacklisted == ("B",)
    assert e.distressed == ("A", "B")


def test_max_cycles_zero_gives_membership_without_evidence():
    G = nx.DiGraph([("A", "B"), ("B", "A"), ("B", "C"), ("C", "B")])
    (c,) = guarantee_circles(G, max_cycles=0)
    assert c.members == ("A", "B", "C") and c.cycles == () and c.cycles_truncated
    (full,) = guarantee_circles(G)
    assert full.cycles == (("A", "B", "A"), ("B", "C", "B")) and not full.cycles_truncated


@pytest.mark.slow
def test_circles_at_scale_match_networkx_scc():
    import numpy as np

    rng = np.random.default_rng(11)
    n, m = 300_000, 500_000
    s, d = rng.integers(0, n, m), rng.integers(0, n, m)
    ids = np.array([f"C:{i}" for i in range(n)], dtype=object)
    circles = guarantee_circles_from_edges(ids[s], ids[d], max_cycles=3, max_sources=10)
    G = nx.DiGraph()
    G.add_edges_from(zip(ids[s].tolist(), ids[d].tolist(), strict=True))
    G.remove_edges_from(nx.selfloop_edges(G))
    expected = {frozenset(c) for c in nx.strongly_connected_components(G) if len(c) >= 2}
    assert {frozenset(c.members) for c in circles} == expected
    for c in circles:
        for cyc in c.cycles:
            assert is_cycle_in(G, cyc)
