"""The generator's xs data set, ingested source by source with entity resolution (the CLI default),
loads without rejects, and the graph's counts match its ground truth: every node label and every
relationship type the ground truth counts, Person and HOLDS_POSITION included, and every true
company and person is exactly one node holding only its own records.

Every person record of the generator carries an identity number, full or masked, as every real
source of natural-person data does (KYC, registry filings, court lists); a name alone never merges
two persons (docs/entity-resolution.md), so the exact Person count rests on that evidence.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

import pytest
from neo4j import Driver

from graph_model import schema as s
from ingest.er_resolver import EntityResolutionResolver
from ingest.fingerprint import graph_fingerprint
from ingest.generator.sources import SOURCES
from ingest.pipeline import run_ingest

pytestmark = pytest.mark.neo4j


def _record_map(folder: Path) -> dict[str, str]:
    with open(folder / "ground_truth" / "record_map.csv", encoding="utf-8", newline="") as fh:
        return {f"{r['source']}|{r['kind']}|{r['record_id']}": r["true_id"] for r in csv.DictReader(fh)}


def _pairs(sizes) -> int:
    return sum(n * (n - 1) // 2 for n in sizes)


@pytest.fixture(scope="module")
def loaded(xs_dataset: Path, neo4j_driver: Driver) -> tuple[Path, Driver]:
    with neo4j_driver.session() as session:
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()
    manifest = json.loads((xs_dataset / "manifest.json").read_text(encoding="utf-8"))
    assert [src["source"] for src in manifest["sources"]] == list(SOURCES)
    for i, src in enumerate(SOURCES):
        result = run_ingest(
            neo4j_driver, [xs_dataset / src], src, resolver=EntityResolutionResolver(neo4j_driver)
        )
        assert result.ok, (src, [(x.file, x.row, x.rule, x.value) for x in result.issues[:10]])
        for kind, kc in result.counts.items():
            assert kc.read == kc.accepted == kc.created == manifest["sources"][i]["rows"][kind]
    return xs_dataset, neo4j_driver


def test_counts_match_ground_truth(loaded: tuple[Path, Driver]) -> None:
    folder, driver = loaded
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    truth = json.loads((folder / "ground_truth" / "counts.json").read_text(encoding="utf-8"))
    fp = graph_fingerprint(driver)
    counted = {k: v for k, v in truth["relationships"].items() if not k.endswith("_pairs")}
    assert set(truth["nodes"]) == {s.COMPANY, s.PERSON, s.LOAN, s.BLACKLIST_ENTRY, s.PHONE, s.ADDRESS}
    assert {label: fp.labels.get(label, 0) for label in truth["nodes"]} == {
        label: v["count"] for label, v in truth["nodes"].items()
    }
    assert {rtype: fp.types.get(rtype, 0) for rtype in counted} == {k: v["count"] for k, v in counted.items()}
    assert s.HOLDS_POSITION in counted and s.GUARANTEES in counted

    # provenance: one SourceRecord per row read, each in its batch; every golden node derives from one
    assert fp.labels[s.SOURCE_RECORD] == sum(sum(src["rows"].values()) for src in manifest["sources"])
    assert fp.types[s.IN_BATCH] == fp.labels[s.SOURCE_RECORD]
    records, _, _ = driver.execute_query(
        f"MATCH (n) WHERE (n:{s.COMPANY} OR n:{s.PERSON} OR n:{s.LOAN} OR n:{s.BLACKLIST_ENTRY}) "
        f"AND NOT (n)-[:{s.DERIVED_FROM}]->(:{s.SOURCE_RECORD}) RETURN count(n) AS n"
    )
    assert records[0]["n"] == 0


def _entity_of_records(driver: Driver, label: str, kind: str) -> dict[str, str]:
    rows = driver.execute_query(
        f"MATCH (e:{label})-[:{s.DERIVED_FROM}]->(sr:{s.SOURCE_RECORD} {{kind: $kind}}) "
        "RETURN sr.record_key AS k, e.entity_id AS e",
        kind=kind,
    ).records
    return {r["k"]: r["e"] for r in rows}


def test_every_true_entity_is_exactly_one_node(loaded: tuple[Path, Driver]) -> None:
    folder, driver = loaded
    truth = _record_map(folder)
    for label, kind in ((s.COMPANY, "companies"), (s.PERSON, "persons")):
        entity = _entity_of_records(driver, label, kind)
        by_entity: dict[str, set[str]] = defaultdict(set)
        by_true: dict[str, set[str]] = defaultdict(set)
        for key, eid in entity.items():
            by_entity[eid].add(truth[key])
            by_true[truth[key]].add(eid)
        false_merges = {e: t for e, t in by_entity.items() if len(t) > 1}
        assert false_merges == {}, (label, list(false_merges.items())[:5])
        split = {t: e for t, e in by_true.items() if len(e) > 1}
        assert split == {}, (label, list(split.items())[:5])


def test_holds_position_is_one_per_true_position(loaded: tuple[Path, Driver]) -> None:
    """Every office from every source ends in one relationship to the holder's one Person node."""
    folder, driver = loaded
    truth = _record_map(folder)
    person_of = _entity_of_records(driver, s.PERSON, "persons")
    expected: dict[str, set[str]] = defaultdict(set)
    for src in SOURCES:
        path = folder / src / "positions.csv"
        if not path.exists():
            continue
        with open(path, encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                position = truth[f"{src}|positions|{row['record_id']}"]
                expected[position].add(person_of[f"{src}|persons|{row['person_ref']}"])
    assert all(len(p) == 1 for p in expected.values())
    got = driver.execute_query(f"MATCH ()-[r:{s.HOLDS_POSITION}]->() RETURN count(r) AS n").records[0]["n"]
    assert got == len(expected)
