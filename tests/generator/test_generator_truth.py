"""The ground truth agrees with the emitted files, recomputed here independently from the rows."""

from __future__ import annotations

import functools
from collections import defaultdict
from typing import Any

import networkx as nx
from stdnum.cn import ric, uscc

from ingest import contract as K
from ingest.generator.sources import SOURCES, phone_key


def _party(xs, s: str, row: dict, prefix: str, fixed: str | None = None) -> str:
    kind = fixed or (
        K.COMPANIES if K.code_lookup("party_kind")[row[f"{prefix}_kind"]] == "company" else K.PERSONS
    )
    return xs.true_of(s, kind, row[f"{prefix}_ref"])


def _guarantee_graph(xs) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    for s, r in xs.all_rows(K.GUARANTEES):
        g.add_edge(_party(xs, s, r, "guarantor"), _party(xs, s, r, "borrower"), key=r["contract_id"])
    return g


def test_planted_guarantee_structures_are_in_the_emitted_edges(xs) -> None:
    g = nx.DiGraph(_guarantee_graph(xs))
    st = xs.json("guarantee_structures.json")
    planted = st["planted"]
    assert planted["mutual_pairs"] and planted["circles"] and planted["chains"]
    for a, b in planted["mutual_pairs"]:
        assert g.has_edge(a, b) and g.has_edge(b, a)
    for ms in planted["circles"]:
        assert 3 <= len(ms) <= 8
        for i, m in enumerate(ms):
            assert g.has_edge(m, ms[(i + 1) % len(ms)])
    for ms in planted["chains"]:
        assert nx.is_path(g, ms)
    for h in planted["cross_hubs"]:
        assert len(h["borrowers"]) >= 3 and all(g.has_edge(h["guarantor"], b) for b in h["borrowers"])
    for h in planted["focus_hubs"]:
        assert len(h["guarantors"]) >= 3 and all(g.has_edge(x, h["borrower"]) for x in h["guarantors"])
    # the circles of the emitted graph are exactly the planted pairs and circles
    sccs = sorted(sorted(c) for c in nx.strongly_connected_components(g) if len(c) > 1)
    assert sccs == sorted(sorted(c) for c in st["all_circles"])
    assert sccs == sorted(sorted(c) for c in planted["mutual_pairs"] + planted["circles"])
    # hub lists agree with the distinct-counterparty degrees of the emitted graph
    assert {h["guarantor"] for h in st["all_cross_hubs"]} == {n for n in g if g.out_degree(n) >= 3}
    assert {h["borrower"] for h in st["all_focus_hubs"]} == {n for n in g if g.in_degree(n) >= 3}
    # chain depth: the longest path of the condensation (persons included as guarantors)
    assert st["longest_chain_edges"] == nx.dag_longest_path_length(nx.condensation(g))
    assert st["longest_chain_edges"] >= max(len(c) - 1 for c in planted["chains"])
    # plenty of ordinary acyclic guarantees besides the planted ones
    assert st["contract_tags"]["ordinary"] > len(planted["circles"]) * 5


def _holdings(xs) -> dict[tuple[str, str], float]:
    h: dict[tuple[str, str], float] = {}
    for s, r in xs.all_rows(K.SHAREHOLDINGS):
        holder = _party(xs, s, r, "holder")
        company = xs.true_of(s, K.COMPANIES, r["company_ref"])
        h[(holder, company)] = float(r["pct"].rstrip("%")) / 100
    return h


def test_holdings_sum_to_one_hundred_percent(xs) -> None:
    """Every company's holdings add up to 100%, except where the ground truth planted a stale row."""
    stale = {(r["holder"], r["company"]): r["pct"] / 100 for r in xs.json("demo_bank.json")["stale_holdings"]}
    tot: dict[str, float] = defaultdict(float)
    for (h, c), f in _holdings(xs).items():
        tot[c] += f - stale.get((h, c), 0.0)
    assert stale and all(_holdings(xs)[k] == f for k, f in stale.items())
    assert tot and all(abs(v - 1.0) < 1e-9 for v in tot.values())


def test_beneficial_owners_match_a_power_series_over_the_emitted_holdings(xs) -> None:
    """Σ_k A^k by iteration (not the matrix inverse the generator uses), from the files' rows."""
    from scipy.sparse import csr_matrix

    h = _holdings(xs)
    companies = sorted({c for _, c in h} | {x for x, _ in h if x.startswith("TC")})
    idx = {c: i for i, c in enumerate(companies)}
    persons = sorted({x for x, _ in h if x.startswith("TP")})
    pidx = {p: i for i, p in enumerate(persons)}
    cc = [(idx[x], idx[c], f) for (x, c), f in h.items() if x.startswith("TC")]
    pc = [(pidx[x], idx[c], f) for (x, c), f in h.items() if x.startswith("TP")]
    n = len(companies)
    a = csr_matrix(([f for *_, f in cc], ([i for i, _, _ in cc], [j for _, j, _ in cc])), shape=(n, n))
    p = csr_matrix(
        ([f for *_, f in pc], ([i for i, _, _ in pc], [j for _, j, _ in pc])), shape=(len(persons), n)
    )
    total = p.copy()
    term = p.copy()
    for _ in range(200):
        term = term @ a
        term.data[term.data < 1e-15] = 0.0
        term.eliminate_zeros()
        total = total + term
        if term.nnz == 0 or term.max() < 1e-13:
            break
    total = total.tocoo()
    truth = {
        (r["company_true_id"], r["person_true_id"]): float(r["integrated_share"])
        for r in xs.truth_csv("beneficial_owners.csv")
        if r["basis"] == "ownership_ge_25pct"
    }
    expected = {
        (companies[j], persons[i]): v
        for i, j, v in zip(total.row, total.col, total.data, strict=True)
        if v >= 0.25 - 1e-9
    }
    assert truth.keys() == expected.keys()
    assert all(abs(truth[k] - expected[k]) < 1e-7 for k in truth)
    # pyramids make controllers differ from ≥ 25% owners somewhere
    ctrl = {(r["company_true_id"], r["controller_true_id"]) for r in xs.truth_csv("controllers.csv")}
    assert any(k not in truth for k in ctrl)
    bases = {r["basis"] for r in xs.truth_csv("beneficial_owners.csv")}
    assert "ownership_ge_25pct" in bases and ("control" in bases or "senior_manager" in bases)


def test_cross_holdings_are_present(xs) -> None:
    h = _holdings(xs)
    g = nx.DiGraph([(x, c) for (x, c) in h if x.startswith("TC")])
    assert any(len(c) > 1 for c in nx.strongly_connected_components(g))
    groups = xs.json("groups.json")["planted"]
    assert any(gr["cross_holding_into_holding_company"] for gr in groups)


def test_controllers_follow_strict_majorities(xs) -> None:
    h = _holdings(xs)
    for r in xs.truth_csv("controllers.csv"):
        chain = r["chain"].split(">")
        assert chain[0] == r["company_true_id"] and chain[-1] == r["controller_true_id"]
        for owned, owner in zip(chain, chain[1:], strict=False):
            assert h[(owner, owned)] > 0.5


def test_planted_groups_sit_inside_one_rule_group_with_relatives(xs) -> None:
    gj = xs.json("groups.json")
    rule = {g["group"]: set(g["members"]) for g in gj["groups"]}
    fam = set()
    for s, r in xs.all_rows(K.FAMILY):
        fam.add(
            frozenset(
                (xs.true_of(s, K.PERSONS, r["person_ref"]), xs.true_of(s, K.PERSONS, r["relative_ref"]))
            )
        )
    with_kin = 0
    for pg in gj["planted"]:
        assert pg["rule_group"] is not None
        assert set(pg["members"]) <= rule[pg["rule_group"]]
        kin = [c for c in pg["controllers"] if c != pg["controller"]]
        for k in kin:  # relatives controlling members are tied to the controller in the family file
            assert frozenset((k, pg["controller"])) in fam
        with_kin += bool(kin)
    assert with_kin > 0


def test_shell_clusters_share_address_and_phone(xs) -> None:
    clusters = xs.json("shell_clusters.json")["clusters"]
    assert len(clusters) >= 2
    phones: dict[str, set[str]] = defaultdict(set)
    for s, r in xs.all_rows(K.CONTACTS):
        if K.code_lookup("contact_type")[r["contact_type"]] == "phone":
            phones[phone_key(r["value"])].add(_party(xs, s, r, "party"))
    for cl in clusters:
        assert len(cl["members"]) >= 6
        assert set(cl["members"]) <= phones[phone_key(cl["phone"])]


def test_counts_agree_with_the_files(xs) -> None:
    c = xs.counts
    nodes, rels = c["nodes"], c["relationships"]
    true_of_kind: dict[str, set[str]] = defaultdict(set)
    for (_, kind, _), t in xs.record_true.items():
        true_of_kind[kind].add(t)
    assert nodes["Company"]["count"] == len(true_of_kind[K.COMPANIES]) == len(xs.truth_csv("companies.csv"))
    assert nodes["Person"]["count"] == len(true_of_kind[K.PERSONS]) == len(xs.truth_csv("persons.csv"))
    assert (
        nodes["Loan"]["count"]
        == len({r["loan_id"] for _, r in xs.all_rows(K.LOANS)})
        == rels["BORROWED"]["count"]
    )
    assert nodes["BlacklistEntry"]["count"] == len({r["entry_id"] for _, r in xs.all_rows(K.BLACKLIST)})
    assert rels["GUARANTEES"]["count"] == len({r["contract_id"] for _, r in xs.all_rows(K.GUARANTEES)})
    assert rels["GUARANTEES_LOAN"]["count"] == len(
        {r["contract_id"] for _, r in xs.all_rows(K.GUARANTEES) if r["loan_id"]}
    )
    assert rels["HOLDS_SHARES"]["count"] == len(true_of_kind[K.SHAREHOLDINGS]) == len(_holdings(xs))
    assert rels["HOLDS_POSITION"]["count"] == len(true_of_kind[K.POSITIONS])
    assert rels["FAMILY_OF"]["count"] == len(true_of_kind[K.FAMILY])
    assert rels["BRANCH_OF"]["count"] == sum(
        1 for r in xs.rows["registry"][K.COMPANIES] if r["is_branch"] in ("true", "是")
    )
    phones = set()
    has_phone = set()
    addresses = set()
    for s, r in xs.all_rows(K.CONTACTS):
        party = _party(xs, s, r, "party")
        if K.code_lookup("contact_type")[r["contact_type"]] == "phone":
            phones.add(phone_key(r["value"]))
            has_phone.add((party, phone_key(r["value"])))
        else:
            addresses.add(_normalize_address(r["value"]))
    assert nodes["Phone"]["count"] == len(phones)
    assert rels["HAS_PHONE"]["count"] == len(has_phone)
    assert nodes["Address"]["count"] == len(addresses)
    total_rows = sum(len(v) for s in SOURCES for v in xs.rows[s].values())
    assert total_rows == sum(sum(v.values()) for v in c["rows"].values())


@functools.cache
def _t2s() -> Any:
    """One OpenCC converter: building one loads its dictionaries (milliseconds), once per address was
    most of this module's time."""
    import opencc

    return opencc.OpenCC("t2s")


def _normalize_address(text: str) -> str:
    import unicodedata

    return _t2s().convert(unicodedata.normalize("NFKC", text)).replace(" ", "")


def test_truth_identifiers_are_valid(xs) -> None:
    comps = xs.truth_csv("companies.csv")
    assert all(uscc.is_valid(r["uscc"]) for r in comps)
    assert len({r["uscc"] for r in comps}) == len(comps)
    persons = xs.truth_csv("persons.csv")
    assert all(ric.is_valid(r["id_number"]) for r in persons)
    assert len({r["id_number"] for r in persons}) == len(persons)
