"""An ingest killed midway (SIGKILL of the process) and run again ends in the same graph as an
uninterrupted one, with no duplicates: chunks are atomic, the rerun resumes the unfinished batch and
skips the records already committed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from neo4j import Driver

from graph_model import schema as s
from ingest.er_resolver import EntityResolutionResolver
from ingest.fingerprint import graph_fingerprint
from ingest.pipeline import run_ingest

pytestmark = pytest.mark.neo4j
CHUNK = 300


def _count(driver: Driver, label: str) -> int:
    records, _, _ = driver.execute_query(f"MATCH (n:{label}) RETURN count(n) AS n")
    return records[0]["n"]


def _wipe(driver: Driver) -> None:
    with driver.session() as session:
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()


def test_killed_ingest_rerun_equals_uninterrupted(
    clean_graph: Driver, xs_dataset: Path, neo4j_env: dict[str, str], tmp_path: Path
) -> None:
    folder = xs_dataset / "registry"
    # 1. the uninterrupted load
    # entity resolution, the CLI's default resolver, on all three runs
    reference = run_ingest(
        clean_graph, [folder], "registry", chunk_size=CHUNK, resolver=EntityResolutionResolver(clean_graph)
    )
    assert reference.ok
    total = _count(clean_graph, s.SOURCE_RECORD)
    want = graph_fingerprint(clean_graph)
    _wipe(clean_graph)

    # 2. the same load in a child process, killed with SIGKILL once some chunks are committed
    cmd = [
        sys.executable,
        "-m",
        "riskgraph",
        "ingest",
        str(folder),
        "--source",
        "registry",
        "--chunk-size",
        str(CHUNK),
        "--rejects",
        str(tmp_path / "rejects.csv"),
    ]
    proc = subprocess.Popen(
        cmd, env=neo4j_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path
    )
    deadline = time.monotonic() + 300
    partial = 0
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            partial = _count(clean_graph, s.SOURCE_RECORD)
            if partial >= 3 * CHUNK:
                os.kill(proc.pid, signal.SIGKILL)
                break
            time.sleep(0.05)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "the ingest finished before it could be killed"
    partial = _count(clean_graph, s.SOURCE_RECORD)
    assert 0 < partial < total, (partial, total)
    # only whole chunks were committed: per kind, nothing, everything, or a multiple of the chunk size
    records, _, _ = clean_graph.execute_query(
        f"MATCH (sr:{s.SOURCE_RECORD}) RETURN sr.kind AS kind, count(*) AS n"
    )
    for r in records:
        kind_total = reference.counts[r["kind"]].accepted
        assert r["n"] == kind_total or r["n"] % CHUNK == 0, (r["kind"], r["n"], kind_total)
    records, _, _ = clean_graph.execute_query(
        f"MATCH (b:{s.BATCH}) RETURN b.status AS status, b.batch_id AS id"
    )
    assert [r["status"] for r in records] == ["running"]
    killed_batch = records[0]["id"]

    # 3. run again: it resumes the unfinished batch and ends in the same graph
    again = run_ingest(
        clean_graph, [folder], "registry", chunk_size=CHUNK, resolver=EntityResolutionResolver(clean_graph)
    )
    assert again.ok and again.resumed and again.batch_id == killed_batch
    assert sum(kc.unchanged for kc in again.counts.values()) == partial
    assert sum(kc.created for kc in again.counts.values()) == total - partial
    got = graph_fingerprint(clean_graph)
    assert got.labels == want.labels and got.types == want.types
    assert got.digest == want.digest
    records, _, _ = clean_graph.execute_query(f"MATCH (b:{s.BATCH}) RETURN b.status AS status")
    assert [r["status"] for r in records] == ["completed"]
