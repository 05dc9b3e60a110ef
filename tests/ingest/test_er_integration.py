"""Entity resolution wired into ingest, and the review round trip against the real Neo4j.

Two sources describe one company (one with its USCC, one in traditional characters without it) and
two different people share a common name. The reviewer's judgements and splits are stored exactly as
the API stores them (its own Cypher), and the next ingest must respect them, keeping history.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from neo4j import Driver
from stdnum.cn import ric

from api.repositories.review import JUDGE, SPLIT, judgement_id
from ingest.er_resolver import EntityResolutionResolver
from ingest.pipeline import run_ingest

pytestmark = pytest.mark.neo4j

USCC = "91330100MA28AB345Y"
COMPANY_A = {"record_id": "A1", "uscc": USCC, "name": "杭州恒达机械制造有限公司", "established": "2008-06-18"}
COMPANY_B = {"record_id": "B1", "uscc": "", "name": "杭州恆達機械製造有限公司", "established": "2008-06-18"}
ID_1 = "31010419750505002" + ric.calc_check_digit("31010419750505002" + "0")  # calc takes a placeholder digit
ID_2 = "11010219820315003" + ric.calc_check_digit("11010219820315003" + "0")
assert ric.is_valid(ID_1) and ric.is_valid(ID_2)


def _write(folder: Path, name: str, rows: list[dict[str, str]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / name).open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def _ingest(driver: Driver, folder: Path, source: str):
    resolver = EntityResolutionResolver(driver)
    result = run_ingest(driver, [folder], source, resolver=resolver, rejects_path=folder / "rejects.csv")
    assert result.rejected == 0, result.issues
    return result


def _company_records(driver: Driver) -> dict[str, list[str]]:
    rows = driver.execute_query(
        "MATCH (c:Company)-[:DERIVED_FROM]->(sr:SourceRecord) RETURN c.entity_id AS e, collect(sr.record_key) AS ks"
    ).records
    return {r["e"]: sorted(r["ks"]) for r in rows}


@pytest.fixture
def two_sources(clean_graph: Driver, tmp_path: Path) -> tuple[Path, Path]:
    a, b = tmp_path / "a", tmp_path / "b"
    _write(a, "companies.csv", [COMPANY_A])
    _write(b, "companies.csv", [COMPANY_B])
    return a, b


def test_sources_merge_into_one_golden_company(clean_graph: Driver, two_sources) -> None:
    a, b = two_sources
    _ingest(clean_graph, a, "srcA")
    _ingest(clean_graph, b, "srcB")
    entities = _company_records(clean_graph)
    assert entities == {f"C:{USCC}": ["srcA|companies|A1", "srcB|companies|B1"]}
    ev = clean_graph.execute_query(
        "MATCH (:Company)-[d:DERIVED_FROM]->(:SourceRecord {record_key: 'srcB|companies|B1'}) RETURN d.match_evidence AS ev"
    ).records[0]["ev"]
    pairs = json.loads(ev)["pairs"]
    assert pairs and pairs[0]["other"] == "srcA|companies|A1" and pairs[0]["decision"] == "match"


def test_same_name_different_people_stay_apart(clean_graph: Driver, tmp_path: Path) -> None:
    folder = tmp_path / "p"
    _write(
        folder,
        "persons.csv",
        [
            {"record_id": "P1", "name": "王伟", "id_number": ID_1, "birth_date": "", "gender": "M"},
            {"record_id": "P2", "name": "王伟", "id_number": ID_2, "birth_date": "", "gender": "M"},
            {
                "record_id": "P3",
                "name": "王伟",
                "id_number": "3101**********" + ID_1[-4:],
                "birth_date": "",
                "gender": "M",
            },
            {
                "record_id": "P4",
                "name": "李强",
                "id_number": "3101**********" + ID_1[-4:],
                "birth_date": "",
                "gender": "M",
            },
        ],
    )
    _ingest(clean_graph, folder, "srcP")
    rows = clean_graph.execute_query(
        "MATCH (p:Person)-[:DERIVED_FROM]->(sr:SourceRecord) RETURN sr.record_key AS k, p.entity_id AS e"
    ).records
    entity = {r["k"].rsplit("|", 1)[-1]: r["e"] for r in rows}
    # two valid IDs that differ never merge, whatever the name
    assert entity["P1"] != entity["P2"]
    # a masked ID is evidence, never a key: with the same name and gender it joins the person whose
    # full ID it fits; alone (another name) it joins nobody
    assert entity["P3"] == entity["P1"]
    assert entity["P4"] not in {entity["P1"], entity["P2"]}


def test_judgement_different_holds_on_rerun_with_history(clean_graph: Driver, two_sources) -> None:
    a, b = two_sources
    _ingest(clean_graph, a, "srcA")
    _ingest(clean_graph, b, "srcB")
    ka, kb = "srcA|companies|A1", "srcB|companies|B1"
    clean_graph.execute_query(
        JUDGE,
        a=ka,
        b=kb,
        verdict="different",
        reviewer="examiner1",
        note="different factory",
        judgement_id=judgement_id("pair", ka, kb, "examiner1", "t1"),
    )
    result = _ingest(clean_graph, b, "srcB")  # the rerun
    assert result.er_moves == 1
    entities = _company_records(clean_graph)
    assert len(entities) == 2 and entities[f"C:{USCC}"] == [ka]
    history = clean_graph.execute_query(
        "MATCH (:Company {entity_id: $e})-[:HAS_VERSION]->(v:FactVersion {attribute: 'entity_membership'}) RETURN v.value AS v",
        e=f"C:{USCC}",
    ).records
    assert history and kb in json.loads(history[0]["v"])["records"]
    again = _ingest(clean_graph, b, "srcB")  # stable: the judgement keeps holding, nothing moves
    assert again.er_moves == 0 and _company_records(clean_graph) == entities


def test_split_moves_records_and_relationships_and_keeps_history(clean_graph: Driver, two_sources) -> None:
    a, b = two_sources
    _write(
        b,
        "loans.csv",
        [
            {
                "record_id": "L1",
                "loan_id": "LN-1",
                "borrower_kind": "company",
                "borrower_ref": "B1",
                "amount": "1000000",
                "status": "normal",
            }
        ],
    )
    _ingest(clean_graph, a, "srcA")
    _ingest(clean_graph, b, "srcB")
    eid = f"C:{USCC}"
    assert list(_company_records(clean_graph)) == [eid]
    clean_graph.execute_query(
        SPLIT,
        id=eid,
        parts=json.dumps([["srcA|companies|A1"], ["srcB|companies|B1"]]),
        reviewer="examiner1",
        note="two firms",
        judgement_id=judgement_id("split", eid, "examiner1", "t2"),
    )
    _ingest(clean_graph, b, "srcB")
    entities = _company_records(clean_graph)
    assert len(entities) == 2 and entities[eid] == ["srcA|companies|A1"]
    (other,) = [e for e in entities if e != eid]
    borrower = clean_graph.execute_query(
        "MATCH (c:Company)-[:BORROWED]->(:Loan {loan_id: 'LN-1'}) RETURN c.entity_id AS e"
    ).records
    assert [r["e"] for r in borrower] == [other]  # the loan followed the record that named it
    for owner in (eid, other):
        n = clean_graph.execute_query(
            "MATCH (:Company {entity_id: $e})-[:HAS_VERSION]->(v:FactVersion {attribute: 'entity_membership'}) RETURN count(v) AS n",
            e=owner,
        ).records[0]["n"]
        assert n >= 1
