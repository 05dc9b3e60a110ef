"""The defects fixture: exactly the defective rows are rejected, with the right rule; everything else loads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from neo4j import Driver

from graph_model import schema as s
from ingest.pipeline import run_ingest
from ingest.rejects import read_rejects

DEFECTS = Path(__file__).resolve().parents[1] / "fixtures" / "ingest" / "defects"
EXPECTED = json.loads((DEFECTS / "expected.json").read_text(encoding="utf-8"))

pytestmark = pytest.mark.neo4j


@pytest.fixture
def defects_loaded(clean_graph: Driver, tmp_path: Path):
    rejects = tmp_path / "rejects.csv"
    result = run_ingest(clean_graph, [DEFECTS], "defects", rejects_path=rejects)
    return clean_graph, result, rejects


def test_exactly_the_defective_rows_are_rejected_with_their_rule(defects_loaded) -> None:
    _driver, result, rejects = defects_loaded
    rows = read_rejects(rejects)
    errors = {
        (r["file"], int(r["row"]), r["field"], r["rule"])
        for r in rows
        if r["severity"] == "error" and r["rule"] != "file_refused"
    }
    expected = {(e["file"], e["row"], e["field"], e["rule"]) for e in EXPECTED["rejects"]}
    assert errors == expected
    warnings = {(r["file"], int(r["row"]), r["rule"]) for r in rows if r["severity"] == "warning"}
    assert warnings == {(w["file"], w["row"], w["rule"]) for w in EXPECTED["warnings"]}
    assert not result.ok


def test_refused_files_get_one_error_each_and_load_nothing(defects_loaded) -> None:
    driver, result, rejects = defects_loaded
    refused = [r for r in read_rejects(rejects) if r["rule"] == "file_refused"]
    assert sorted(r["file"] for r in refused) == sorted(EXPECTED["refused"])
    assert all(r["message_zh"] and r["message_en"] for r in refused)
    assert "empty" in next(r for r in refused if r["file"] == "family.csv")["message_en"]
    assert "binary" in next(r for r in refused if r["file"] == "positions.csv")["message_en"]
    records, _, _ = driver.execute_query(
        f"MATCH (sr:{s.SOURCE_RECORD}) WHERE sr.kind IN ['family', 'positions'] RETURN count(sr) AS n"
    )
    assert records[0]["n"] == 0


def test_read_equals_accepted_plus_rejected_and_all_accepted_rows_load(defects_loaded) -> None:
    driver, result, rejects = defects_loaded
    rejected_rows = {
        (r["file"], r["row"])
        for r in read_rejects(rejects)
        if r["severity"] == "error" and r["rule"] != "file_refused"
    }
    per_kind_rejected: dict[str, int] = {}
    for file, _row in rejected_rows:
        kind = Path(file).stem
        per_kind_rejected[kind] = per_kind_rejected.get(kind, 0) + 1
    loaded, _, _ = driver.execute_query(
        f"MATCH (sr:{s.SOURCE_RECORD} {{source: 'defects'}}) RETURN sr.kind AS kind, count(*) AS n"
    )
    loaded_by_kind = {r["kind"]: r["n"] for r in loaded}
    assert result.counts, "nothing was read"
    for kind, kc in result.counts.items():
        assert kc.read == kc.accepted + kc.rejected, kind
        assert kc.rejected == per_kind_rejected.get(kind, 0), kind
        assert loaded_by_kind.get(kind, 0) == kc.accepted, kind
    assert sum(kc.read for kc in result.counts.values()) == 28


def test_text_is_data_cypher_and_html_names_are_stored_verbatim(defects_loaded) -> None:
    driver, _result, _ = defects_loaded
    records, _, _ = driver.execute_query(
        f"MATCH (c:{s.COMPANY}) WHERE c.name IN $names RETURN c.name AS name",
        names=[EXPECTED["cypher_name"], EXPECTED["html_name"]],
    )
    assert sorted(r["name"] for r in records) == sorted([EXPECTED["cypher_name"], EXPECTED["html_name"]])
    # the injection attempt did not delete anything: every accepted company is there
    records, _, _ = driver.execute_query(f"MATCH (c:{s.COMPANY}) RETURN count(c) AS n")
    assert records[0]["n"] == 3


def test_masked_id_is_kept_as_evidence_not_as_key(defects_loaded) -> None:
    driver, _result, _ = defects_loaded
    records, _, _ = driver.execute_query(
        f"MATCH (p:{s.PERSON} {{name: '王五'}}) RETURN p.entity_id AS id, p.id_masked AS masked, p.id_number AS full"
    )
    (rec,) = records
    assert rec["masked"] == "3301**********1234" and rec["full"] is None
    assert rec["id"] == "P:defects:Q3"  # provisional, from source + record id


def test_rejects_file_opens_in_excel(defects_loaded) -> None:
    _driver, _result, rejects = defects_loaded
    data = rejects.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    header = data[3:].split(b"\r\n", 1)[0].decode()
    assert header == "severity,file,row,record_id,field,value,rule,message_zh,message_en"
