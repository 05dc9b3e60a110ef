"""Incremental entity resolution at ingest gives the entities a full re-resolution gives.

The generator's xs world is ingested source by source twice into a clean graph: once re-resolving
everything on every batch (``full=True``, what ``riskgraph ingest --full`` does) and once
incrementally (the default: only what each batch can affect is re-resolved, with the weights of
the last full run).  After the second batch a reviewer judges two records
of one company to be different; both runs must keep that judgement and end with the same entities
under the same ids.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from neo4j import Driver

from api.repositories.review import JUDGE, judgement_id
from ingest.er_resolver import EntityResolutionResolver
from ingest.generator.sources import SOURCES
from ingest.pipeline import run_ingest

pytestmark = pytest.mark.neo4j


def _wipe(driver: Driver) -> None:
    with driver.session() as session:
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()


def _entity_of(driver: Driver) -> dict[str, str]:
    rows = driver.execute_query(
        "MATCH (e)-[:DERIVED_FROM]->(sr:SourceRecord) WHERE e:Company OR e:Person "
        "RETURN sr.record_key AS k, e.entity_id AS e"
    ).records
    return {r["k"]: r["e"] for r in rows}


def _judge_first_merged_company(driver: Driver) -> tuple[str, str]:
    """Two records of the multi-record company whose smallest record key is smallest: "different"."""
    rows = driver.execute_query(
        "MATCH (c:Company)-[:DERIVED_FROM]->(sr:SourceRecord) WITH c, collect(sr.record_key) AS ks "
        "WHERE size(ks) >= 2 RETURN ks"
    ).records
    keys = min((sorted(r["ks"]) for r in rows), key=lambda ks: ks[0])
    a, b = keys[0], keys[1]
    driver.execute_query(
        JUDGE,
        a=a,
        b=b,
        verdict="different",
        reviewer="examiner1",
        note="two firms",
        judgement_id=judgement_id("pair", a, b, "examiner1", "t1"),
    )
    return a, b


def _ingest_all(
    folder: Path, driver: Driver, *, full: bool
) -> tuple[dict[str, str], tuple[str, str], list[Any]]:
    _wipe(driver)
    resolver = EntityResolutionResolver(driver, full=full)
    judged: tuple[str, str] = ("", "")
    stats = []
    for i, src in enumerate(SOURCES):
        result = run_ingest(driver, [folder / src], src, resolver=resolver)
        assert result.ok, (src, [(x.file, x.row, x.rule) for x in result.issues[:5]])
        stats.append({k: dict(v) for k, v in resolver.stats.items()})
        if i == 1:
            judged = _judge_first_merged_company(driver)
    return _entity_of(driver), judged, stats


@pytest.fixture(scope="module")
def both_runs(xs_dataset: Path, neo4j_driver: Driver):
    full = _ingest_all(xs_dataset, neo4j_driver, full=True)
    incremental = _ingest_all(xs_dataset, neo4j_driver, full=False)
    return full, incremental


def test_incremental_ingest_gives_the_full_runs_entities(both_runs) -> None:
    (full_map, _, _), (inc_map, _, _) = both_runs
    assert set(inc_map) == set(full_map)
    differ = {k: (full_map[k], inc_map[k]) for k in full_map if full_map[k] != inc_map[k]}
    assert not differ, list(differ.items())[:10]


def test_the_incremental_run_really_was_incremental(both_runs) -> None:
    (_, _, full_stats), (_, _, inc_stats) = both_runs
    assert all(s["mode"] == "full" for batch in full_stats for s in batch.values())
    # the first batch has nothing to reuse; later ones reuse its weights until the population has
    # grown by a fifth or a field gains values for the first time (then they retrain)
    assert all(s["mode"] == "full" for s in inc_stats[0].values())
    later = [s for batch in inc_stats[1:] for s in batch.values() if s["mode"] == "incremental"]
    assert later and any(s["re_resolved"] < s["records"] for s in later)
    # every batch after the first normalizes and keys only the records it has not seen unchanged
    # (the carried state of the batch before), never the whole population again
    assert all(s["prepared"] < s["records"] for batch in inc_stats[1:] for s in batch.values())


def test_the_judgement_holds_in_both_runs(both_runs) -> None:
    (full_map, judged_full, _), (inc_map, judged_inc, _) = both_runs
    assert judged_full == judged_inc
    a, b = judged_inc
    assert full_map[a] != full_map[b] and inc_map[a] != inc_map[b]
