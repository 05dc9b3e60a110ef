"""The writer's memory of what its run created stands in for look-ups, never for the graph's answer.

A relationship between two nodes the run created is written without asking the graph whether it
exists; the graph must come out exactly as when every relationship is looked up, whether the facts
arrive in one chunk, one row per chunk, or with the memory too small to hold anything.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from neo4j import Driver

from graph_model import schema as s
from ingest import writer
from ingest.facts import Ref, RelFact
from ingest.fingerprint import graph_fingerprint
from ingest.pipeline import run_ingest
from ingest.writer import Made, RunMemory

CLEAN = Path(__file__).resolve().parents[1] / "fixtures" / "ingest" / "clean"


def _rel(a: str, b: str, role: str = "director") -> RelFact:
    return RelFact(s.HOLDS_POSITION, Ref(s.PERSON, a), Ref(s.COMPANY, b), {"role": role}, {})


def test_a_relationship_between_two_nodes_of_the_run_is_absent_until_the_run_makes_it() -> None:
    memory = RunMemory(limit=100)
    p, c = Ref(s.PERSON, "P:1"), Ref(s.COMPANY, "C:1")
    assert not memory.surely_absent(_rel("P:1", "C:1"), set()), "nodes of earlier runs: ask the graph"
    assert memory.surely_absent(_rel("P:1", "C:1"), {p}), "a node of this transaction has no relationships"
    memory.remember(Made(nodes={p, c}))
    assert memory.surely_absent(_rel("P:1", "C:1"), set())
    memory.remember(Made(rels={_rel("P:1", "C:1").identity}))
    assert not memory.surely_absent(_rel("P:1", "C:1"), set()), "made by this run: look it up"
    assert memory.surely_absent(_rel("P:1", "C:1", role="supervisor"), set()), "another identity"
    assert not memory.surely_absent(_rel("P:1", "C:2"), set()), "one end from an earlier run"


def test_a_memory_past_its_limit_forgets_everything_and_asks_the_graph() -> None:
    memory = RunMemory(limit=3)
    memory.remember(Made(nodes={Ref(s.PERSON, "P:1"), Ref(s.COMPANY, "C:1")}))
    assert memory.surely_absent(_rel("P:1", "C:1"), set())
    memory.remember(Made(nodes={Ref(s.COMPANY, "C:2"), Ref(s.COMPANY, "C:3")}))
    assert not memory.complete and not memory.nodes
    assert not memory.surely_absent(_rel("P:1", "C:1"), set())
    assert not memory.born(Ref(s.PERSON, "P:1"))


def _restated(tmp_path: Path) -> Path:
    """The clean files with every position and shareholding stated a second time by another row
    (the same relationship, its title changed), so one run meets a relationship it made itself."""
    folder = tmp_path / "files"
    shutil.copytree(CLEAN, folder)
    for name, changed in (("positions.csv", "title"), ("shareholdings.csv", None)):
        path = folder / name
        with open(path, encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        again = []
        for r in rows:
            twin = dict(r, record_id=r["record_id"] + "-again")
            if changed:
                twin[changed] = (twin[changed] or "") + "（复核）"
            again.append(twin)
        with open(path, "w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
            w.writeheader()
            w.writerows(rows + again)
    return folder


@pytest.mark.neo4j
def test_the_graph_is_the_same_with_and_without_the_runs_memory(
    clean_graph: Driver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = _restated(tmp_path)
    exclude = (s.BATCH,)

    def load(chunk_size: int) -> object:
        clean_graph.execute_query("MATCH (n) DETACH DELETE n")
        result = run_ingest(clean_graph, [files], "core", chunk_size=chunk_size)
        assert result.ok, [i.message_en for i in result.issues]
        return graph_fingerprint(clean_graph, exclude_labels=exclude)

    one_chunk = load(10_000)
    row_by_row = load(1)
    monkeypatch.setattr(writer, "RUN_MEMORY_LIMIT", 0)  # remembers nothing: every relationship looked up
    looked_up = load(1)
    assert one_chunk == row_by_row == looked_up
    positions, _, _ = clean_graph.execute_query(
        f"MATCH ()-[r:{s.HOLDS_POSITION}]->() RETURN count(r) AS n, collect(r.title) AS titles"
    )
    with open(CLEAN / "positions.csv", encoding="utf-8") as fh:
        stated = sum(1 for _ in csv.DictReader(fh))
    assert positions[0]["n"] == stated and all(t.endswith("（复核）") for t in positions[0]["titles"])
