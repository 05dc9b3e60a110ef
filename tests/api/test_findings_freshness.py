"""Facts loaded after the last rule run reach the next check (recomputed live), and say so."""

from __future__ import annotations

import pytest
from neo4j import Driver

from tests.api.findings_world import all_reasons, check, load_later, reset, run_all
from tests.risk_rules.rulekit import GraphSpec

pytestmark = pytest.mark.neo4j


def _world() -> GraphSpec:
    w = GraphSpec()
    w.person("P:X", name="钱多多")
    w.company("C:A", name="台州甲制造有限公司", net_assets=5e7)
    w.company("C:S", name="台州乙制造有限公司", net_assets=3e7)
    w.company("C:B", name="台州丙制造有限公司", net_assets=3e7)
    w.company("C:C", name="台州丁制造有限公司", net_assets=3e7)
    w.company("C:FAR", name="丽水戊公司")
    w.holds("P:X", "C:A", 60.0)
    w.guarantee("C:A", "C:B", 1e7)
    w.guarantee("C:B", "C:C", 1e7)
    w.loan("C:A", 2e7, loan_id="L-A")
    return w


@pytest.fixture
def world(neo4j_driver: Driver) -> Driver:
    reset(neo4j_driver, _world())
    run_all(neo4j_driver)
    return neo4j_driver


def test_without_later_facts_the_check_reads_the_run_profile(world, client, keys):
    b = check(client, keys, {"entity_id": "C:A"})
    assert b["freshness"]["source"] == "profile" and b["verdict"] == "pass", b["reasons"]
    # a later batch that touches nothing near the applicant leaves the profile valid
    load_later(world, "MATCH (f:Company {entity_id: 'C:FAR'}) SET f.batch_id = $batch, f.status = '存续'")
    again = check(client, keys, {"entity_id": "C:A"})
    assert again["freshness"]["source"] == "profile"


def test_a_new_shareholding_that_changes_the_group(world, client, keys):
    assert check(client, keys, {"entity_id": "C:A"})["group"] is None
    load_later(
        world,
        "MATCH (p:Person {entity_id: 'P:X'}), (s:Company {entity_id: 'C:S'}) "
        "CREATE (p)-[:HOLDS_SHARES {pct: 70.0, batch_id: $batch}]->(s)",
    )
    b = check(client, keys, {"entity_id": "C:A"})
    assert b["freshness"]["source"] == "live" and b["freshness"]["reason"] == "new_facts"
    assert b["group"]["members"] == ["C:A", "C:S"] and b["group"]["source"] == "computed"
    assert "C:S" in {r["entity_id"] for r in b["related_parties"]}


def test_a_new_listing_of_a_related_party(world, client, keys):
    load_later(
        world,
        "MATCH (p:Person {entity_id: 'P:X'}), (s:Company {entity_id: 'C:S'}) "
        "CREATE (p)-[:HOLDS_SHARES {pct: 70.0, batch_id: $batch}]->(s) "
        "CREATE (p)-[:LISTED_AS {batch_id: $batch}]->(:BlacklistEntry {entry_id: 'BL-NEW', "
        "kind: 'dishonest_judgment_debtor', list_date: date() - duration('P1D'), batch_id: $batch})",
    )
    b = check(client, keys, {"entity_id": "C:A"})
    bl = b["blacklist"]
    # the applicant's 60% holder is newly listed: 0.6 × 0.6 × 0.85 = 0.306, one hop
    assert bl["source"] == "on_the_fly" and bl["paths"][0]["nodes"] == ["P:X", "C:A"]
    prox = all_reasons(b)["blacklist_proximity"]
    assert prox["effect"] == "refer" and prox["freshness"] == "live" and b["verdict"] == "refer"


def test_a_new_guarantee_that_closes_a_circle(world, client, keys):
    assert "guarantee_circle" not in all_reasons(check(client, keys, {"entity_id": "C:A"}))
    load_later(
        world,
        "MATCH (c:Company {entity_id: 'C:C'}), (a:Company {entity_id: 'C:A'}) "
        "CREATE (c)-[:GUARANTEES {amount: 1e7, contract_id: 'GC-CLOSE', batch_id: $batch}]->(a)",
    )
    b = check(client, keys, {"entity_id": "C:A"})
    circle = all_reasons(b)["guarantee_circle"]
    assert circle["effect"] == "refer" and circle["freshness"] == "live"
    assert circle["evidence"]["cycle"] == ["C:A", "C:B", "C:C", "C:A"]
    assert b["verdict"] == "refer"


def test_a_defaulted_loan(world, client, keys):
    load_later(world, "MATCH (l:Loan {loan_id: 'L-A'}) SET l.status = 'defaulted', l.batch_id = $batch")
    b = check(client, keys, {"entity_id": "C:A"})
    default = all_reasons(b)["applicant_defaulted_loan"]
    assert default["effect"] == "decline-suggested" and default["freshness"] == "live"
    assert b["verdict"] == "decline-suggested"
