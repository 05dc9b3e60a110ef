"""Every cursor-paged list says how many items its filters match (``page.total``) and where the page
starts (``page.offset``): rule runs, guarantee circles and ER judgements, each walked page by page
with and without its filters."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import auth

pytestmark = pytest.mark.neo4j


def walk(client, path: str, items: str, who: str, keys, **params: Any) -> tuple[list[Any], list[tuple]]:
    """All items over the pages of one page at a time, and each page's (offset, total, count)."""
    seen: list[Any] = []
    pages: list[tuple] = []
    cursor = None
    while True:
        body = client.get(
            path,
            params={**params, "limit": 1, **({"cursor": cursor} if cursor else {})},
            headers=auth(keys, who),
        ).json()
        seen += body[items]
        pages.append((body["page"]["offset"], body["page"]["total"], len(body[items])))
        cursor = body["page"]["next_cursor"]
        if not cursor:
            return seen, pages


def assert_counted(seen: list[Any], pages: list[tuple], expected: int) -> None:
    assert len(seen) == expected
    assert [p[0] for p in pages] == list(range(len(pages)))  # offsets 0, 1, 2, … (one item a page)
    assert {p[1] for p in pages} == {expected}  # the same total on every page


@pytest.fixture(scope="module")
def more_runs(graph):
    graph.execute_query(
        "UNWIND $runs AS r CREATE (:RuleRun {run_id: r[0], rule_id: r[1], status: r[2]})",
        runs=[
            ["R-CIRCLE-2", "guarantee.circle", "failed"],
            ["R-CIRCLE-3", "guarantee.circle", "completed"],
            ["R-DQ-1", "data_quality.ownership_over_100", "failed"],
        ],
    )
    return graph


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, 5),
        ({"rule_id": "guarantee.circle"}, 3),
        ({"status": "failed"}, 2),
        ({"rule_id": "guarantee.circle", "status": "completed"}, 2),
        ({"rule_id": "no.such.rule"}, 0),
    ],
)
def test_rule_runs_total_respects_the_filters(client, more_runs, keys, filters, expected):
    seen, pages = walk(client, "/v1/rule-runs", "runs", "admin", keys, **filters)
    if expected == 0:
        assert pages == [(0, 0, 0)]
        return
    assert_counted(seen, pages, expected)
    assert all(all(run.get(k) == v for k, v in filters.items()) for run in seen)


@pytest.fixture(scope="module")
def more_circles(graph):
    graph.execute_query(
        "UNWIND $circles AS c CREATE (:Alert {alert_id: c[0], rule_id: 'guarantee.circle', active: c[1], "
        "entity_ids: c[2], severity: 'medium', status: 'open', evidence: '{}'})",
        circles=[
            ["A:circle-three", True, ["C:APPLICANT", "C:SISTER", "C:OUTSIDER"]],
            ["A:circle-four", True, ["C:APPLICANT", "C:SISTER", "C:OUTSIDER", "C:LISTED"]],
            ["A:circle-gone", False, ["C:APPLICANT", "C:OUTSIDER", "C:LISTED"]],
        ],
    )
    return graph


@pytest.mark.parametrize(("min_size", "expected"), [(None, 3), (3, 2), (4, 1), (5, 0)])
def test_guarantee_circles_total_counts_active_circles_of_the_size(
    client, more_circles, keys, min_size, expected
):
    params = {} if min_size is None else {"min_size": min_size}
    seen, pages = walk(client, "/v1/guarantee-circles", "circles", "examiner", keys, **params)
    if expected == 0:
        assert pages == [(0, 0, 0)]
        return
    assert_counted(seen, pages, expected)
    assert "A:circle-gone" not in {c["alert_id"] for c in seen}
    assert all(c["size"] >= (min_size or 2) for c in seen)


def test_er_judgements_total_per_kind(client, graph, keys):
    graph.execute_query(
        "UNWIND ['test|persons|t1', 'test|persons|t2', 'test|persons|t3'] AS k "
        "CREATE (:SourceRecord {record_key: k, source: 'test'})"
    )
    graph.execute_query(
        "MATCH (p:Person {entity_id: 'P:BOSS'}), (s:SourceRecord {record_key: 'test|persons|t3'}) "
        "CREATE (p)-[:DERIVED_FROM]->(s)"
    )
    for a, b, verdict in [
        ("test|persons|t1", "test|persons|t2", "same"),
        ("test|persons|t1", "test|persons|t3", "different"),
    ]:
        r = client.post(
            "/v1/review/judgements",
            json={"record_id_a": a, "record_id_b": b, "verdict": verdict},
            headers=auth(keys, "examiner"),
        )
        assert r.status_code == 201, r.text
    r = client.post(
        "/v1/review/splits",
        json={"entity_id": "P:BOSS", "parts": [["test|persons|src-1"], ["test|persons|t3"]]},
        headers=auth(keys, "examiner"),
    )
    assert r.status_code == 201, r.text
    for kind, expected in ((None, 3), ("pair", 2), ("split", 1)):
        params = {} if kind is None else {"kind": kind}
        seen, pages = walk(client, "/v1/review/judgements", "judgements", "examiner", keys, **params)
        assert_counted(seen, pages, expected)
        assert kind is None or {j["kind"] for j in seen} == {kind}
