"""Near relatives (近亲属) as the rules define them; in-laws as evidence; circles through common
control; beneficial-owner criteria; holdings over 100% marked. Hand-built worlds, no database."""

from __future__ import annotations

import networkx as nx
import pytest

from risk_rules.algorithms import (
    actual_controller,
    beneficial_owners,
    circles_through_common_control,
    control_groups,
    extended_family,
    guarantee_circles,
    related_parties,
    upstream_inconsistencies,
)

# the insider I, his wife W, her brother B (I's in-law), and B's wife V
FAMILY = [("P:I", "P:W", "spouse"), ("P:W", "P:B", "sibling"), ("P:B", "P:V", "spouse")]


def _persons(G: nx.DiGraph, *ids: str) -> None:
    G.add_nodes_from(ids, kind="person")


def test_controller_is_not_written_from_the_in_law():
    G = nx.DiGraph([("P:I", "X", {"pct": 80}), ("P:B", "X", {"pct": 20})])
    _persons(G, "P:I", "P:W", "P:B")
    r = actual_controller(G, "X", family_pairs=FAMILY)
    assert r.controller == ("P:I",) and r.basis == "majority" and r.chain[-1].votes == 80.0
    assert r.chain[-1].runner_up == 20.0
    # the extended scope merges the whole in-law chain, the wife who holds nothing included
    ext = actual_controller(G, "X", family_pairs=FAMILY, family_scope="extended")
    assert ext.controller == ("P:B", "P:I", "P:V", "P:W") and ext.chain[-1].votes == 100.0


def test_near_family_holding_80_is_the_block_not_the_in_law_holding_the_rest():
    G = nx.DiGraph([("P:I", "X", {"pct": 50}), ("P:W", "X", {"pct": 30}), ("P:B", "X", {"pct": 20})])
    r = actual_controller(G, "X", family_pairs=FAMILY)
    # W with her husband already holds a majority: her brother is not merged into the block
    assert r.controller == ("P:I", "P:W") and r.chain[-1].votes == 80.0 and r.chain[-1].runner_up == 20.0


def test_the_largest_family_holder_anchors_the_block_with_his_or_her_own_near_relatives():
    # I (the largest family holder) with his wife: 35%; her brother is not merged in, so the
    # outsider's 40% leads
    G = nx.DiGraph(
        [
            ("P:I", "X", {"pct": 20}),
            ("P:W", "X", {"pct": 15}),
            ("P:B", "X", {"pct": 12}),
            ("P:o", "X", {"pct": 40}),
        ]
    )
    r = actual_controller(G, "X", family_pairs=FAMILY)
    assert r.controller == ("P:o",) and r.chain[-1].runner_up == 35.0
    # when W is the largest holder, her husband and her brother are both her near relatives
    G = nx.DiGraph([("P:W", "X", {"pct": 30}), ("P:I", "X", {"pct": 10}), ("P:B", "X", {"pct": 25})])
    assert actual_controller(G, "X", family_pairs=FAMILY).controller == ("P:B", "P:I", "P:W")


def test_two_in_law_families_are_two_groups_by_default():
    G = nx.DiGraph(
        [
            ("P:I", "X", {"pct": 30}),
            ("P:W", "X", {"pct": 25}),
            ("X", "X2", {"pct": 60}),
            ("P:B", "Y", {"pct": 30}),
            ("P:V", "Y", {"pct": 25}),
            ("P:W", "Z", {"pct": 70}),  # the wife's own company belongs to her husband's family group
        ]
    )
    _persons(G, "P:I", "P:W", "P:B", "P:V")
    groups = control_groups(G, family_pairs=FAMILY, min_members=1)
    by_members = {g.members: g for g in groups}
    assert set(by_members) == {("X", "X2", "Z"), ("Y",)}
    assert by_members[("X", "X2", "Z")].controllers == (("P:I", "P:W"),)
    # the in-laws are shown, not merged
    ties = {(t.person, t.relative, t.via) for t in by_members[("X", "X2", "Z")].extended_family}
    assert ("P:I", "P:B", "P:W") in ties
    (one,) = control_groups(G, family_pairs=FAMILY, family_scope="extended", min_members=1)
    assert one.members == ("X", "X2", "Y", "Z")


def test_a_controller_with_his_child_and_his_brother_is_one_group_whichever_block_is_largest():
    # F controls jointly with his son S and with his wife M; S alone controls the most companies;
    # F's brother B controls one. S and B are not near relatives of each other, but all are F's:
    # F (a principal investor himself) and his near relatives are one group (集团客户指引 art. 3)
    fam = [("P:M", "P:F", "spouse"), ("P:S", "P:F", "child"), ("P:B", "P:F", "sibling")]
    edges = [("P:S", f"S{i}", {"pct": 60}) for i in range(4)]
    edges += [("P:F", "FS", {"pct": 50}), ("P:S", "FS", {"pct": 50})]
    edges += [("P:F", "FM", {"pct": 50}), ("P:M", "FM", {"pct": 50}), ("P:B", "B1", {"pct": 74})]
    G = nx.DiGraph(edges)
    _persons(G, "P:F", "P:M", "P:S", "P:B")
    (one,) = control_groups(G, family_pairs=fam, min_members=1)
    assert one.members == ("B1", "FM", "FS", "S0", "S1", "S2", "S3")
    # without F's own companies nobody links S and B: uncle and nephew are two groups
    G2 = nx.DiGraph([e for e in edges if e[1] not in ("FS", "FM")])
    _persons(G2, "P:S", "P:B")
    assert sorted(g.members for g in control_groups(G2, family_pairs=fam, min_members=1)) == [
        ("B1",),
        ("S0", "S1", "S2", "S3"),
    ]


def test_in_law_company_is_not_related_by_default_but_is_with_the_extended_scope():
    G = nx.DiGraph([("P:B", "CB", {"pct": 60}), ("P:I", "CI", {"pct": 70})])
    _persons(G, "P:I", "P:W", "P:B", "P:V")
    # the in-law's company: its controller B, B's wife and sister; not the insider I
    near = {r.entity: r.kinds for r in related_parties(G, "CB", family_pairs=FAMILY)}
    assert near == {
        "P:B": ("controller", "shareholder"),
        "P:V": ("near_relative",),
        "P:W": ("near_relative",),
    }
    ext = {r.entity: r.kinds for r in related_parties(G, "CB", family_pairs=FAMILY, family_scope="extended")}
    assert "controller" in ext["P:I"] and "CI" in ext
    assert [(t.relative, t.via, t.relations) for t in extended_family(FAMILY, ["P:I"])] == [
        ("P:B", "P:W", ("spouse", "sibling"))
    ]


def test_mutual_guarantee_through_common_control_and_plain_circle_unchanged():
    G = nx.DiGraph(
        [
            ("Q", "QA", {"amount": 5e6}),
            ("QA", "QB", {"amount": 3e6}),
            ("A", "B", {"amount": 1e6}),  # a plain circle A → B → C → A
            ("B", "C", {"amount": 1e6}),
            ("C", "A", {"amount": 1e6}),
        ]
    )
    own = nx.DiGraph([("Q", "QB", {"pct": 70})])
    (group,) = control_groups(own)
    assert group.members == ("Q", "QB")
    unit_of = {m: group.group_id for m in group.members}
    assert [c.members for c in guarantee_circles(G)] == [("A", "B", "C")]  # as before: no Q circle
    (cc,) = circles_through_common_control(G, unit_of)
    assert cc.mutual and cc.units == tuple(sorted((group.group_id, "QA")))
    assert cc.edges == (("Q", "QA", 5e6), ("QA", "QB", 3e6))
    assert dict(cc.unit_members)[group.group_id] == ("Q", "QB")
    chain = group.chain_of("QB")
    assert [(link.controller, link.company, link.votes) for link in chain] == [(("Q",), "QB", 70.0)]
    # a plain circle inside a group's collapse is not reported twice
    assert circles_through_common_control(G, {"A": "G1", "B": "G1"}) == ()


def test_cumulative_and_sequential_beneficial_owners_differ():
    # P:a owns 26% directly; P:c controls X through H (60% of H, H holds 40% of X): 24% integrated
    G = nx.DiGraph(
        [
            ("P:a", "X", {"pct": 26}),
            ("P:c", "H", {"pct": 60}),
            ("P:d", "H", {"pct": 40}),
            ("H", "X", {"pct": 40}),
        ]
    )
    cumulative = beneficial_owners(G, "X")
    assert cumulative.basis == "ownership"
    assert [(o.person, o.basis) for o in cumulative.owners] == [("P:a", "ownership"), ("P:c", "control")]
    assert cumulative.owners[1].share == pytest.approx(24.0) and cumulative.owners[1].control_chain
    sequential = beneficial_owners(G, "X", criteria="sequential")
    assert [(o.person, o.basis) for o in sequential.owners] == [("P:a", "ownership")]
    with pytest.raises(ValueError, match="criteria"):
        beneficial_owners(G, "X", criteria="either")


def test_holdings_of_110_percent_are_named_for_every_company_computed_from_them():
    G = nx.DiGraph([("P:1", "X", {"pct": 70}), ("P:2", "X", {"pct": 40}), ("X", "Y", {"pct": 60})])
    (issue,) = upstream_inconsistencies(G, "Y")
    assert issue.company == "X" and issue.total_pct == pytest.approx(110.0)
    assert issue.holdings == (("P:1", 70.0), ("P:2", 40.0))
    assert upstream_inconsistencies(G, "P:1") == ()
    assert upstream_inconsistencies(nx.DiGraph([("A", "Z", {"pct": 100.4})]), "Z") == ()  # within tolerance
