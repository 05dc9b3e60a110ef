"""The Batch node: one ingest run of one source, and how a killed run is resumed.

A run first creates its Batch with status ``running`` and sets ``completed`` (or ``failed``) at the
end. A run of the same source over the same input (same files, same bytes) that finds an unfinished
Batch — killed process, crashed database — resumes it under the same batch id, so that the graph after
the rerun equals the graph of an uninterrupted run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

from neo4j import Driver

from graph_model.schema import BATCH
from ingest.writer import BatchInfo

RUNNING, COMPLETED, FAILED = "running", "completed", "failed"


def input_hash(source: str, files: list[Path]) -> str:
    h = hashlib.sha256(source.encode())
    for f in sorted(files, key=lambda p: p.name):
        h.update(f.name.encode())
        h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()


def start_batch(driver: Driver, database: str, source: str, in_hash: str) -> tuple[BatchInfo, bool]:
    """(batch, resumed): an unfinished batch of the same input is resumed, else a new one starts."""
    now = dt.datetime.now(dt.UTC)
    with driver.session(database=database, notifications_min_severity="OFF") as session:
        rec = session.run(
            f"MATCH (b:{BATCH} {{source: $source, input_hash: $h}}) WHERE b.status IN $open "
            "RETURN b.batch_id AS id, b.started_at AS started ORDER BY b.started_at DESC LIMIT 1",
            source=source,
            h=in_hash,
            open=[RUNNING, FAILED],
        ).single()
        if rec:
            session.run(
                f"MATCH (b:{BATCH} {{batch_id: $id}}) SET b.status = $running, b.resumed_at = $now",
                id=rec["id"],
                running=RUNNING,
                now=now,
            ).consume()
            return BatchInfo(rec["id"], source, rec["started"].to_native()), True
        batch_id = f"{source}-{now:%Y%m%dT%H%M%S%f}-{in_hash[:8]}"
        session.run(
            f"CREATE (b:{BATCH} {{batch_id: $id, source: $source, input_hash: $h, started_at: $now, status: $running}})",
            id=batch_id,
            source=source,
            h=in_hash,
            now=now,
            running=RUNNING,
        ).consume()
        return BatchInfo(batch_id, source, now), False


def finish_batch(driver: Driver, database: str, batch: BatchInfo, status: str, counts: dict) -> None:
    with driver.session(database=database, notifications_min_severity="OFF") as session:
        session.run(
            f"MATCH (b:{BATCH} {{batch_id: $id}}) SET b.status = $status, b.finished_at = $now, b.counts = $counts",
            id=batch.batch_id,
            status=status,
            now=dt.datetime.now(dt.UTC),
            counts=json.dumps(counts, ensure_ascii=False, sort_keys=True),
        ).consume()
