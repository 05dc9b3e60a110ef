"""The generator's xs data set loads without rejects, and the graph's counts match its ground truth.

Entity resolution is not yet in the pipeline (the strong-key resolver is), so party counts are
checked against what strong keys can know, computed independently from the files: one Company per
distinct USCC plus one provisional Company per record without USCC; the same for persons and full
resident IDs. Everything that does not depend on party resolution must equal the ground truth.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from neo4j import Driver
from stdnum.cn import ric

from graph_model import schema as s
from ingest.fingerprint import graph_fingerprint
from ingest.pipeline import run_ingest

pytestmark = pytest.mark.neo4j
SOURCES = ("registry", "core", "credit", "lists")  # the order the generator's manifest asks for


def _rows(folder: Path, kind: str) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for src in SOURCES:
        path = folder / src / f"{kind}.csv"
        if path.exists():
            with open(path, encoding="utf-8-sig", newline="") as fh:
                rows.extend(csv.DictReader(fh))
    return rows


def test_xs_loads_and_matches_ground_truth(clean_graph: Driver, xs_dataset: Path) -> None:
    manifest = json.loads((xs_dataset / "manifest.json").read_text(encoding="utf-8"))
    assert [src["source"] for src in manifest["sources"]] == list(SOURCES)
    for src in SOURCES:
        result = run_ingest(clean_graph, [xs_dataset / src], src)
        assert result.ok, (src, [(i.file, i.row, i.rule, i.value) for i in result.issues[:10]])
        for kind, kc in result.counts.items():
            assert (
                kc.read == kc.accepted == kc.created == manifest["sources"][SOURCES.index(src)]["rows"][kind]
            )
    truth = json.loads((xs_dataset / "ground_truth" / "counts.json").read_text(encoding="utf-8"))
    fp = graph_fingerprint(clean_graph)

    for label in (s.LOAN, s.BLACKLIST_ENTRY, s.PHONE, s.ADDRESS):
        assert fp.labels.get(label, 0) == truth["nodes"][label]["count"], label
    for rtype in (s.HOLDS_SHARES, s.HOLDS_POSITION, s.FAMILY_OF, s.LISTED_AS, s.BRANCH_OF, s.HAS_ADDRESS):
        assert fp.types.get(rtype, 0) == truth["relationships"][rtype]["count"], rtype
    # these may only exceed the truth while duplicates without strong ids stay unresolved
    for rtype in (s.BORROWED, s.GUARANTEES, s.GUARANTEES_LOAN, s.HAS_PHONE):
        assert fp.types.get(rtype, 0) >= truth["relationships"][rtype]["count"], rtype

    companies = _rows(xs_dataset, "companies")
    usccs = {r["uscc"] for r in companies if r["uscc"]}
    assert fp.labels[s.COMPANY] == len(usccs) + sum(1 for r in companies if not r["uscc"])
    assert len(usccs) == truth["nodes"][s.COMPANY]["count"]
    persons = _rows(xs_dataset, "persons")
    full = {r["id_number"] for r in persons if r["id_number"] and ric.is_valid(r["id_number"])}
    assert fp.labels[s.PERSON] == len(full) + sum(1 for r in persons if r["id_number"] not in full)
    assert len(full) <= truth["nodes"][s.PERSON]["count"]

    # provenance: one SourceRecord per row read, each in its batch; every golden node derives from one
    assert fp.labels[s.SOURCE_RECORD] == sum(sum(src["rows"].values()) for src in manifest["sources"])
    assert fp.types[s.IN_BATCH] == fp.labels[s.SOURCE_RECORD]
    records, _, _ = clean_graph.execute_query(
        f"MATCH (n) WHERE (n:{s.COMPANY} OR n:{s.PERSON} OR n:{s.LOAN} OR n:{s.BLACKLIST_ENTRY}) "
        f"AND NOT (n)-[:{s.DERIVED_FROM}]->(:{s.SOURCE_RECORD}) RETURN count(n) AS n"
    )
    assert records[0]["n"] == 0
