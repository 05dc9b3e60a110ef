"""Idempotence (same files twice change nothing) and history (a later batch keeps the earlier value)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from neo4j import Driver

from graph_model import schema as s
from ingest.fingerprint import graph_fingerprint
from ingest.pipeline import run_ingest

CLEAN = Path(__file__).resolve().parents[1] / "fixtures" / "ingest" / "clean"
pytestmark = pytest.mark.neo4j


def _edit_csv(path: Path, record_id: str, **changes: str) -> None:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    fields = list(rows[0])
    hit = [r for r in rows if r["record_id"] == record_id]
    assert hit, record_id
    hit[0].update(changes)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def test_clean_fixture_loads_completely(clean_graph: Driver) -> None:
    result = run_ingest(clean_graph, [CLEAN], "core")
    assert result.ok, [i.message_en for i in result.issues]
    fp = graph_fingerprint(clean_graph)
    assert fp.labels[s.COMPANY] == 6 and fp.labels[s.PERSON] == 4 and fp.labels[s.LOAN] == 3
    assert fp.labels[s.PHONE] == 1, "two spellings of one number meet at one Phone node"
    assert fp.labels[s.ADDRESS] == 1, "NFKC + t2s + no spaces: 建國路 and 建国路 are one address"
    assert fp.types[s.HOLDS_SHARES] == 6 and fp.types[s.GUARANTEES] == 3 and fp.types[s.GUARANTEES_LOAN] == 2
    assert fp.types[s.BRANCH_OF] == 1 and fp.types[s.FAMILY_OF] == 1 and fp.types[s.LISTED_AS] == 2
    assert fp.labels[s.SOURCE_RECORD] == 32 and fp.types[s.IN_BATCH] == 32
    # every golden node derives from its source record(s), and knows its provenance
    records, _, _ = clean_graph.execute_query(
        f"MATCH (n) WHERE n:{s.COMPANY} OR n:{s.PERSON} OR n:{s.LOAN} OR n:{s.BLACKLIST_ENTRY} "
        f"OPTIONAL MATCH (n)-[:{s.DERIVED_FROM}]->(sr:{s.SOURCE_RECORD})-[:{s.IN_BATCH}]->(b:{s.BATCH}) "
        "RETURN n.entity_id AS id, count(sr) AS srs, n.source AS source, n.batch_id AS batch, "
        "n.source_file AS file, n.source_row AS row, n.record_keys AS keys, collect(b.batch_id) AS batches"
    )
    assert len(records) == 15
    for r in records:
        assert r["srs"] == 1 and r["source"] == "core" and r["batch"] == result.batch_id
        assert r["file"].endswith(".csv") and r["row"] >= 1 and len(r["keys"]) == 1
        assert r["batches"] == [result.batch_id]
    rels, _, _ = clean_graph.execute_query(
        f"MATCH ()-[r:{s.HOLDS_SHARES}|{s.GUARANTEES}|{s.HOLDS_POSITION}]->() "
        "RETURN r.source AS source, r.source_file AS file, r.source_row AS row, r.record_keys AS keys"
    )
    assert all(r["source"] == "core" and r["file"] and r["row"] and r["keys"] for r in rels)
    # strong keys and the provisional key
    ids = {r["id"] for r in records}
    assert "C:91110105MA01ABCD00" in ids and "C:core:C6" in ids and "P:core:P3" in ids


def test_same_files_twice_change_nothing(clean_graph: Driver) -> None:
    first = run_ingest(clean_graph, [CLEAN], "core")
    before = graph_fingerprint(clean_graph, exclude_labels=(s.BATCH,))
    second = run_ingest(clean_graph, [CLEAN], "core")
    after = graph_fingerprint(clean_graph, exclude_labels=(s.BATCH,))
    assert after == before
    assert second.batch_id != first.batch_id
    for kind, kc in second.counts.items():
        assert (kc.created, kc.updated, kc.unchanged) == (0, 0, kc.accepted), kind
    assert second.write.nodes_created == 0 and second.write.relationships_created == 0
    # the second run is logged as a completed batch that supplied nothing
    records, _, _ = clean_graph.execute_query(
        f"MATCH (b:{s.BATCH} {{batch_id: $id}}) OPTIONAL MATCH (b)<-[:{s.IN_BATCH}]-(sr) "
        "RETURN b.status AS status, count(sr) AS n",
        id=second.batch_id,
    )
    assert records[0]["status"] == "completed" and records[0]["n"] == 0


def test_later_batch_keeps_earlier_values_with_validity(clean_graph: Driver, tmp_path: Path) -> None:
    first = run_ingest(clean_graph, [CLEAN], "core")
    changed = tmp_path / "core2"
    shutil.copytree(CLEAN, changed)
    _edit_csv(changed / "companies.csv", "C1", net_assets="30000000", valid_from="2024-01-01")
    _edit_csv(changed / "companies.csv", "C2", name="上海鑫泰国际贸易有限公司")
    _edit_csv(changed / "shareholdings.csv", "S1", pct="55")
    _edit_csv(changed / "shareholdings.csv", "S2", pct="45")
    second = run_ingest(clean_graph, [changed], "core")
    assert second.ok
    assert (second.counts["companies"].updated, second.counts["companies"].unchanged) == (2, 4)
    assert (second.counts["shareholdings"].updated, second.counts["shareholdings"].unchanged) == (2, 4)
    assert second.counts["persons"].unchanged == 4

    records, _, _ = clean_graph.execute_query(
        f"MATCH (c:{s.COMPANY} {{entity_id: 'C:91110105MA01ABCD00'}})-[:{s.HAS_VERSION}]->(v:{s.FACT_VERSION}) "
        "RETURN c.net_assets AS now, c.valid_from AS since, c.batch_id AS batch, v.attribute AS attr, "
        "v.value AS old, v.valid_to AS valid_to, v.batch_id AS old_batch, v.superseded_by_batch AS new_batch"
    )
    (r,) = records
    assert r["now"] == 30_000_000 and r["attr"] == "net_assets" and json.loads(r["old"]) == 25_000_000
    assert r["valid_to"].to_native() == dt.date(2024, 1, 1) and r["since"].to_native() == dt.date(2024, 1, 1)
    assert (r["old_batch"], r["new_batch"], r["batch"]) == (first.batch_id, second.batch_id, second.batch_id)

    records, _, _ = clean_graph.execute_query(
        f"MATCH (c:{s.COMPANY} {{entity_id: 'C:91310000MA1FL1234Q'}})-[:{s.HAS_VERSION}]->(v {{attribute: 'name'}}) "
        "RETURN c.name AS name, c.name_variants AS variants, v.value AS old, v.valid_to AS valid_to"
    )
    (r,) = records
    assert r["name"] == "上海鑫泰国际贸易有限公司" and json.loads(r["old"]) == "上海鑫泰贸易有限公司"
    assert r["variants"] == ["上海鑫泰贸易有限公司", "上海鑫泰国际贸易有限公司"]
    assert r["valid_to"] is not None  # no valid_from given: the day of the batch

    records, _, _ = clean_graph.execute_query(
        f"MATCH (p:{s.PERSON} {{entity_id: $p}})-[r:{s.HOLDS_SHARES}]->(c:{s.COMPANY}) "
        f"OPTIONAL MATCH (p)-[:{s.HAS_VERSION}]->(v:{s.FACT_VERSION} {{attribute: 'HOLDS_SHARES.pct'}}) "
        "RETURN r.pct AS pct, v.value AS old, v.subject AS subject",
        p="P:110105198001010016",
    )
    (r,) = records
    assert r["pct"] == 55 and json.loads(r["old"]) == 60
    assert r["subject"] == "P:110105198001010016-[HOLDS_SHARES]->C:91110105MA01ABCD00"

    # the changed source records are linked to both batches; nothing was duplicated
    fp = graph_fingerprint(clean_graph)
    assert fp.labels[s.COMPANY] == 6 and fp.types[s.HOLDS_SHARES] == 6 and fp.labels[s.SOURCE_RECORD] == 32
    assert fp.labels[s.FACT_VERSION] == 4
    before_third = graph_fingerprint(clean_graph, exclude_labels=(s.BATCH,))
    third = run_ingest(clean_graph, [changed], "core")
    assert all(kc.unchanged == kc.accepted for kc in third.counts.values())
    assert graph_fingerprint(clean_graph, exclude_labels=(s.BATCH,)) == before_third
