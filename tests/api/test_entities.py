"""Search, entity detail, neighbourhood and shortest paths against the real Neo4j."""

from __future__ import annotations

import pytest

from tests.api import sample_graph as g
from tests.api.conftest import auth

pytestmark = pytest.mark.neo4j


def test_search_by_uscc_finds_exactly_that_company(client, graph, keys):
    r = client.get("/v1/entities/search", params={"q": g.USCC_APPLICANT}, headers=auth(keys, "examiner"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["query_kind"] == "uscc"
    assert [h["entity_id"] for h in body["results"]] == ["C:APPLICANT"]


def test_search_by_resident_id_masks_it_without_pii(client, graph, keys):
    r = client.get("/v1/entities/search", params={"q": g.RIC_BOSS}, headers=auth(keys, "examiner"))
    hit = r.json()["results"][0]
    assert hit["entity_id"] == "P:BOSS"
    assert hit["id_number"] != g.RIC_BOSS and hit["id_number"].startswith(g.RIC_BOSS[:4])
    assert g.RIC_BOSS not in r.text
    r2 = client.get("/v1/entities/search", params={"q": g.RIC_BOSS}, headers=auth(keys, "approver+pii"))
    assert r2.json()["results"][0]["id_number"] == g.RIC_BOSS


def test_search_traditional_name_finds_simplified(client, graph, keys):
    r = client.get("/v1/entities/search", params={"q": "臺灣乙貿易有限公司"}, headers=auth(keys, "examiner"))
    assert r.status_code == 200
    body = r.json()
    assert body["normalized_query"] == "台湾乙贸易有限公司"
    assert body["results"][0]["entity_id"] == "C:TW"


def test_search_fuzzy_partial_name_and_pagination(client, graph, keys):
    r = client.get(
        "/v1/entities/search", params={"q": "杭州 科技", "limit": 1}, headers=auth(keys, "examiner")
    )
    body = r.json()
    assert len(body["results"]) == 1
    seen = [body["results"][0]["entity_id"]]
    cursor = body["page"]["next_cursor"]
    while cursor:
        nxt = client.get(
            "/v1/entities/search",
            params={"q": "杭州 科技", "limit": 1, "cursor": cursor},
            headers=auth(keys, "examiner"),
        ).json()
        seen += [h["entity_id"] for h in nxt["results"]]
        cursor = nxt["page"]["next_cursor"]
    assert "C:APPLICANT" in seen and len(seen) == len(set(seen))
    # every page carries the same total, all hits together, counted exactly on a small graph
    assert body["page"]["total"] == len(seen) and body["page"]["offset"] == 0
    assert body["page"]["total_at_least"] is None
    assert nxt["page"]["total"] == len(seen) and nxt["page"]["offset"] == len(seen) - 1
    bad = client.get(
        "/v1/entities/search",
        params={"q": "other", "cursor": body["page"]["next_cursor"] or "x"},
        headers=auth(keys, "examiner"),
    )
    assert bad.status_code == 400
    assert bad.headers["content-type"].startswith("application/problem+json")


@pytest.fixture
def many_namesakes(graph):
    """Twenty companies whose names share one rare word, removed again afterwards."""
    graph.execute_query(
        "UNWIND range(1, 20) AS i CREATE (:Company {entity_id: 'C:COUNT-' + toString(i), "
        "name: '计数测试' + toString(i) + '号有限公司', name_norm: '计数测试' + toString(i) + '号'})"
    )
    yield 20
    graph.execute_query("MATCH (c:Company) WHERE c.entity_id STARTS WITH 'C:COUNT-' DETACH DELETE c")


def test_search_total_counts_every_match_and_says_at_least_past_the_cap(
    client, keys, many_namesakes, monkeypatch
):
    params = {"q": "计数测试", "kind": "company", "limit": 5}
    body = client.get("/v1/entities/search", params=params, headers=auth(keys, "examiner")).json()
    assert len(body["results"]) == 5 and body["page"]["next_cursor"]
    assert body["page"]["total"] == many_namesakes and body["page"]["total_at_least"] is None
    # a count cap below the matches: the index is asked for fewer than match, the total is a floor
    from api.repositories import entities

    monkeypatch.setattr(entities, "SEARCH_COUNT_CAP", 1)
    capped = client.get(
        "/v1/entities/search", params={**params, "limit": 1}, headers=auth(keys, "examiner")
    ).json()
    assert capped["page"]["total_at_least"] is True
    assert 1 <= capped["page"]["total"] < many_namesakes and capped["page"]["next_cursor"]
    assert capped["results"][0]["entity_id"] == body["results"][0]["entity_id"]


def test_search_lucene_syntax_is_escaped(client, graph, keys):
    r = client.get("/v1/entities/search", params={"q": 'AND OR "( [ ~*?:\\'}, headers=auth(keys, "examiner"))
    assert r.status_code == 200


def test_entity_detail_has_provenance_and_evidence_masked(client, graph, keys):
    r = client.get("/v1/entities/P:BOSS", headers=auth(keys, "examiner"))
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["kind"] == "person"
    assert d["provenance_total"] == 1
    rec = d["provenance"][0]
    assert rec["record_key"] == "test|persons|src-1" and rec["source_file"] == "persons.csv"
    assert rec["match_evidence"]["rule"] == "same valid id_number"
    assert rec["payload"]["name"] == "王建国"
    assert g.RIC_BOSS not in r.text and g.MOBILE_BOSS not in r.text
    assert d["phones"] == [g.MOBILE_BOSS[:3] + "****" + g.MOBILE_BOSS[-4:]]
    full = client.get("/v1/entities/P:BOSS", headers=auth(keys, "approver+pii")).json()
    assert full["provenance"][0]["payload"]["id_number"] == g.RIC_BOSS
    assert full["phones"] == [g.MOBILE_BOSS]


def test_entity_detail_company_links(client, graph, keys):
    d = client.get("/v1/entities/C:APPLICANT", headers=auth(keys, "approver")).json()
    assert [lo["loan_id"] for lo in d["loans"]] == ["L-1"]
    assert d["groups"][0]["group_id"] == "G:BOSS"
    assert d["risk_score"]["score"] == pytest.approx(0.42)
    assert d["open_alerts"] == 1
    counts = {c["type"]: c["count"] for c in d["relationship_counts"]}
    assert counts["GUARANTEES"] == 3 and counts["HOLDS_SHARES"] == 2


def test_unknown_entity_is_problem_404(client, graph, keys):
    r = client.get("/v1/entities/C:NOPE", headers=auth(keys, "examiner"))
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["status"] == 404


def test_neighbourhood_one_hop_and_type_filter(client, graph, keys):
    r = client.get("/v1/entities/C:APPLICANT/neighbourhood", headers=auth(keys, "examiner"))
    assert r.status_code == 200, r.text
    nb = r.json()
    ids = {n["id"] for n in nb["nodes"]}
    assert {"C:APPLICANT", "C:SISTER", "C:OUTSIDER", "P:BOSS", "P:WIFE", "Loan:L-1", "Group:G:BOSS"} <= ids
    assert "C:LISTED" not in ids
    for e in nb["edges"]:
        assert e["source"] in ids and e["target"] in ids
    g_only = client.get(
        "/v1/entities/C:APPLICANT/neighbourhood",
        params={"types": ["GUARANTEES"], "hops": 2},
        headers=auth(keys, "examiner"),
    ).json()
    assert {e["type"] for e in g_only["edges"]} == {"GUARANTEES"}
    assert {n["id"] for n in g_only["nodes"]} == {"C:APPLICANT", "C:SISTER", "C:OUTSIDER"}
    two = client.get(
        "/v1/entities/C:APPLICANT/neighbourhood", params={"hops": 2}, headers=auth(keys, "examiner")
    ).json()
    assert "C:LISTED" in {n["id"] for n in two["nodes"]}


def test_neighbourhood_phone_node_does_not_leak_number(client, graph, keys):
    nb = client.get("/v1/entities/P:BOSS/neighbourhood", headers=auth(keys, "examiner"))
    assert g.MOBILE_BOSS not in nb.text
    phone = [n for n in nb.json()["nodes"] if n["label"] == "Phone"][0]
    assert phone["id"].startswith("Phone:") and g.MOBILE_BOSS not in phone["id"]


def test_neighbourhood_supernode_cap_and_node_cap_say_what_was_left_out(client, graph, keys, api_settings):
    r = client.get(
        "/v1/entities/C:APPLICANT/neighbourhood",
        params={"hops": 2, "max_nodes": 3},
        headers=auth(keys, "examiner"),
    ).json()
    assert len(r["nodes"]) == 3
    assert r["truncated"] is True and r["left_out"]["nodes_over_cap"] > 0
    from fastapi.testclient import TestClient

    from api.app import create_app

    low = api_settings.model_copy(
        update={"api_supernode_degree": 2, "api_audit_log": api_settings.api_dir / "a2.jsonl"}
    )
    with TestClient(create_app(low)) as c2:
        nb = c2.get("/v1/entities/C:APPLICANT/neighbourhood", headers=auth(keys, "examiner")).json()
    assert nb["truncated"] is True
    assert nb["left_out"]["supernodes"][0]["node"] == "C:APPLICANT"
    assert nb["left_out"]["supernodes"][0]["degree"] > 2
    assert nb["edges"] == []


def test_shortest_paths(client, graph, keys):
    r = client.get("/v1/entities/C:APPLICANT/paths/C:LISTED", headers=auth(keys, "examiner"))
    assert r.status_code == 200, r.text
    paths = r.json()["paths"]
    assert paths and paths[0]["length"] == 2
    assert [n["id"] for n in paths[0]["nodes"]] == ["C:APPLICANT", "C:OUTSIDER", "C:LISTED"]
    none = client.get(
        "/v1/entities/C:APPLICANT/paths/C:LISTED",
        params={"types": ["HOLDS_POSITION"]},
        headers=auth(keys, "examiner"),
    ).json()
    assert none["paths"] == []
    assert (
        client.get("/v1/entities/C:APPLICANT/paths/C:NOPE", headers=auth(keys, "examiner")).status_code == 404
    )
