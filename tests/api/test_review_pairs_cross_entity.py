"""The ER review queue: a pair's two source records come back whatever entities hold them, and
``limit`` counts pairs (not the records read to find them)."""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import auth

pytestmark = pytest.mark.neo4j


def _evidence(*others: str) -> str:
    return json.dumps(
        {
            "method": "entity_resolution",
            "pairs": [
                {"other": o, "score": 3.0, "decision": "review", "rule": "2<=weight<8"} for o in others
            ],
        }
    )


@pytest.fixture
def cross_pairs(graph, neo4j_driver):
    neo4j_driver.execute_query(
        """
        MATCH (boss:Person {entity_id: 'P:BOSS'}), (wife:Person {entity_id: 'P:WIFE'})
        CREATE (a:SourceRecord {record_key: 'xt|persons|a', source: 'xt', kind: 'persons',
                                payload: '{"name": "王建国", "region": "杭州"}'})
        CREATE (b:SourceRecord {record_key: 'xt|persons|b', source: 'xt', kind: 'persons',
                                payload: '{"name": "王建囯", "region": "杭州"}'})
        CREATE (c:SourceRecord {record_key: 'xt|persons|c', source: 'xt', kind: 'persons',
                                payload: '{"name": "李秀英"}'})
        CREATE (boss)-[:DERIVED_FROM {match_evidence: $ev_a}]->(a)
        CREATE (wife)-[:DERIVED_FROM {match_evidence: $ev_b}]->(b)
        CREATE (wife)-[:DERIVED_FROM {match_evidence: '{}'}]->(c)
        """,
        ev_a=_evidence("xt|persons|b", "xt|persons|c"),
        ev_b=_evidence("xt|persons|a"),
    )
    yield
    neo4j_driver.execute_query("MATCH (s:SourceRecord) WHERE s.record_key STARTS WITH 'xt|' DETACH DELETE s")


def test_pairs_carry_both_records_across_entities_and_limit_counts_pairs(client, keys, cross_pairs):
    first = client.get("/v1/review/pairs", params={"limit": 1}, headers=auth(keys, "examiner")).json()
    mine = [p for p in first["pairs"] if p["record_id_a"].startswith("xt|")]
    total = first["page"]["total"]
    assert len(first["pairs"]) == 1 and total >= 2
    seen, cursor = list(first["pairs"]), first["page"]["next_cursor"]
    while cursor:
        page = client.get(
            "/v1/review/pairs", params={"limit": 1, "cursor": cursor}, headers=auth(keys, "examiner")
        ).json()
        assert len(page["pairs"]) == 1
        seen += page["pairs"]
        cursor = page["page"]["next_cursor"]
    keys_seen = [(p["record_id_a"], p["record_id_b"]) for p in seen]
    assert len(keys_seen) == total == len(set(keys_seen))  # each pair once, though both records list it
    mine = {(p["record_id_a"], p["record_id_b"]): p for p in seen if p["record_id_a"].startswith("xt|")}
    assert set(mine) == {("xt|persons|a", "xt|persons|b"), ("xt|persons|a", "xt|persons|c")}
    ab = mine[("xt|persons|a", "xt|persons|b")]
    assert ab["record_a"]["entity_id"] == "P:BOSS" and ab["record_b"]["entity_id"] == "P:WIFE"
    assert ab["record_a"]["payload"]["name"] == "王建国" and ab["record_b"]["payload"]["name"] == "王建囯"
    assert ab["record_b"]["match_evidence"]["pairs"][0]["other"] == "xt|persons|a"
