"""Shared phone/address/legal-representative clusters, thresholds and supernodes."""

from __future__ import annotations

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from risk_rules.algorithms.linkage import (
    linked_company_clusters,
    normalize_value,
    shared_attribute_clusters,
)


def test_threshold_five_companies_on_one_phone():
    five = [(f"C:{i}", "phone", "0571-8888 1234") for i in range(5)]
    four = [(f"D:{i}", "phone", "13900000001") for i in range(4)]
    dup = [("D:0", "phone", "139 0000 0001")]  # same company again: still 4 distinct companies
    (c,) = shared_attribute_clusters(five + four + dup)
    assert c.attribute == "phone" and c.value == "057188881234" and c.size == 5 and not c.supernode
    assert c.companies == tuple(f"C:{i}" for i in range(5))
    assert len(shared_attribute_clusters(five + four + dup, min_companies={"phone": 4})) == 2
    assert shared_attribute_clusters(five, min_companies=6) == ()


def test_normalisation_merges_spellings_and_drops_placeholders():
    recs = [
        ("C:1", "phone", "+86 138-0013-8000"),
        ("C:2", "phone", "0086 13800138000"),
        ("C:3", "phone", "138 0013 8000"),
        ("C:4", "phone", "无"),
        ("C:5", "phone", "00000000"),
        ("C:6", "address", "杭州市西湖区（文三路１号）"),
        ("C:7", "address", "杭州市 西湖区 (文三路1号)"),
        ("C:8", "legal_representative", "P:42"),
        ("C:9", "legal_representative", "P:42"),
    ]
    got = {(c.attribute, c.value): c.companies for c in shared_attribute_clusters(recs, min_companies=2)}
    assert got == {
        ("phone", "13800138000"): ("C:1", "C:2", "C:3"),
        ("address", "杭州市西湖区文三路1号"): ("C:6", "C:7"),
        ("legal_representative", "P:42"): ("C:8", "C:9"),
    }
    assert normalize_value("phone", "N/A") is None


def test_supernode_is_reported_capped_and_never_links():
    agent = [(f"C:{i:03d}", "address", "注册代理地址 1号") for i in range(300)]
    pair = [("C:001", "phone", "13800138000"), ("C:002", "phone", "13800138000")]
    clusters = shared_attribute_clusters(agent + pair, min_companies=2)
    sn = clusters[0]
    assert sn.supernode and sn.size == 300 and len(sn.companies) == 200
    linked = linked_company_clusters(agent + pair, min_cluster_size=2)
    assert [c.companies for c in linked] == [("C:001", "C:002")]  # not 300 companies glued together
    # raise the cap and the address links everyone
    assert linked_company_clusters(agent + pair, supernode_threshold=1000)[0].size == 300


@st.composite
def records(draw):
    n = draw(st.integers(2, 12))
    values = {"phone": ["13800000001", "13800000002", "13800000003"], "address": ["甲路1号", "乙路2号"]}
    out = []
    for _ in range(draw(st.integers(0, 20))):
        c = f"C:{draw(st.integers(0, n - 1))}"
        attr = draw(st.sampled_from(sorted(values)))
        out.append((c, attr, draw(st.sampled_from(values[attr]))))
    return out


@settings(max_examples=200, deadline=None)
@given(records(), st.integers(2, 6), st.integers(2, 5))
def test_linked_clusters_equal_bipartite_components(recs, cap, min_size):
    B = nx.Graph()
    holders: dict[tuple[str, str], set[str]] = {}
    for c, a, v in recs:
        holders.setdefault((a, v), set()).add(c)
    for key, cs in holders.items():
        if 2 <= len(cs) <= cap:
            for c in cs:
                B.add_edge(("company", c), ("value", key))
    expected = set()
    for comp in nx.connected_components(B):
        companies = frozenset(x[1] for x in comp if x[0] == "company")
        if len(companies) >= min_size:
            expected.add(companies)
    got = linked_company_clusters(recs, supernode_threshold=cap, min_cluster_size=min_size)
    assert {frozenset(c.companies) for c in got} == expected
    for c in got:
        for attr, val, cs in c.evidence:
            assert set(cs) == holders[(attr, val)] and set(cs) <= set(c.companies)
