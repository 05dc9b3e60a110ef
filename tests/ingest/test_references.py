"""References resolve against this ingest and against the graph (earlier batches), by record id or
strong id; a reference found nowhere is rejected."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from neo4j import Driver

from graph_model import schema as s
from ingest.pipeline import run_ingest

CLEAN = Path(__file__).resolve().parents[1] / "fixtures" / "ingest" / "clean"
pytestmark = pytest.mark.neo4j


def test_relationships_resolve_parties_loaded_in_earlier_batches(clean_graph: Driver, tmp_path: Path) -> None:
    parties, facts = tmp_path / "parties", tmp_path / "facts"
    parties.mkdir()
    facts.mkdir()
    for kind in ("companies", "persons"):
        shutil.copy(CLEAN / f"{kind}.csv", parties)
    for kind in ("shareholdings", "positions", "loans", "guarantees"):
        shutil.copy(CLEAN / f"{kind}.csv", facts)
    assert run_ingest(clean_graph, [parties], "core").ok
    second = run_ingest(clean_graph, [facts], "core")
    assert second.ok, [(i.file, i.row, i.rule) for i in second.issues]
    records, _, _ = clean_graph.execute_query(f"MATCH ()-[r:{s.HOLDS_SHARES}]->() RETURN count(r) AS n")
    assert records[0]["n"] == 6

    # another source cannot use core's record ids, but may name the party by its strong id
    other = tmp_path / "other"
    other.mkdir()
    (other / "shareholdings.csv").write_text(
        "record_id,holder_kind,holder_ref,holder_strong_id,company_ref,company_uscc,pct\n"
        "X1,company,C2,91310000MA1FL1234Q,C3,91440300MA5EXYW124,5\n"  # refs unknown in 'other', strong ids known
        "X2,company,C2,,C3,,5\n",  # refs unknown in 'other', no strong ids: dangling
        encoding="utf-8",
    )
    third = run_ingest(clean_graph, [other], "other")
    assert third.counts["shareholdings"].accepted == 1
    assert [(i.row, i.field, i.rule) for i in third.issues] == [
        (2, "holder_ref", "dangling_reference"),
        (2, "company_ref", "dangling_reference"),
    ]
    records, _, _ = clean_graph.execute_query(
        f"MATCH (a:{s.COMPANY} {{uscc: '91310000MA1FL1234Q'}})-[r:{s.HOLDS_SHARES}]->"
        f"(b:{s.COMPANY} {{uscc: '91440300MA5EXYW124'}}) RETURN r.pct AS pct, r.source AS source"
    )
    assert [(r["pct"], r["source"]) for r in records] == [(5.0, "other")]
