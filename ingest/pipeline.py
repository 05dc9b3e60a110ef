"""The ingest pipeline: read → validate → resolve → check references → load, with counts per kind.

Kept free of any user-interface code: progress goes to a ``ProgressSink`` (the CLI renders it with
rich), results come back as an ``IngestResult`` (the CLI renders the summary table).
Invariant, per kind: rows read = rows accepted + rows rejected. A row the database refuses although
it passed every check (a value no check foresaw) is found by bisecting its chunk and rejected alone
(``write_failed``); the rest of the chunk and of the source loads. A dry run stops before the
first write and reports what a real run would.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Protocol

from neo4j import Driver
from neo4j.exceptions import ClientError, DatabaseError, Neo4jError

from graph_model.constraints import apply_schema, existing_schema, schema_statements
from ingest import contract as c
from ingest.batch import COMPLETED, FAILED, finish_batch, input_hash, start_batch
from ingest.facts import RELATION_BUILDERS, RecordFacts, company_facts, person_facts
from ingest.issues import ERROR, FileRefused, Issue, issue
from ingest.mapping import DEFAULT_FORMAT, SourceFormat
from ingest.readers import discover, read_file
from ingest.references import GraphLookup, Known, check_references
from ingest.rehome import apply_moves
from ingest.rejects import write_rejects
from ingest.resolver import RESOLVED_KINDS, Resolution, Resolver, StrongKeyResolver
from ingest.validate import Record, check_duplicates, check_shareholding_sums, validate_file
from ingest.writer import CHANGED, NEW, UNCHANGED, BatchInfo, GraphWriter, WriteCounts, WriteError

DEFAULT_CHUNK = 10_000


class ProgressSink(Protocol):
    def start(self, key: str, description: str, total: int) -> None: ...
    def advance(self, key: str, n: int) -> None: ...


class NoProgress:
    def start(self, key: str, description: str, total: int) -> None:
        pass

    def advance(self, key: str, n: int) -> None:
        pass


@dataclass
class KindCounts:
    read: int = 0
    accepted: int = 0
    rejected: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    warnings: int = 0


@dataclass
class IngestResult:
    source: str
    batch_id: str | None = None
    resumed: bool = False
    files: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    refused: list[FileRefused] = field(default_factory=list)
    counts: dict[str, KindCounts] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    write: WriteCounts = field(default_factory=WriteCounts)
    rejects_path: Path | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    error: str | None = None
    er_moves: int = 0  # loaded records whose entity changed (judgement, split, bridging record)
    dry_run: bool = False

    @property
    def rejected(self) -> int:
        return sum(k.rejected for k in self.counts.values())

    @property
    def ok(self) -> bool:
        return not self.refused and self.rejected == 0 and self.error is None

    def counts_dict(self) -> dict:
        return {k: asdict(v) for k, v in self.counts.items()}


def _parents_first(records: list[Record], resolutions: dict[str, Resolution]) -> list[Record]:
    """Companies ordered so that a branch follows its parent (BRANCH_OF needs both nodes to exist)."""
    entity = {r.record_key: resolutions[r.record_key].entity_id for r in records}
    parent_of = {entity[r.record_key]: r.refs.get("parent_ref") for r in records}

    def depth(e: str) -> int:
        d, seen = 0, set()
        while parent_of.get(e) in parent_of and e not in seen:
            seen.add(e)
            e = parent_of[e]  # type: ignore[assignment]
            d += 1
        return d

    return sorted(records, key=lambda r: depth(entity[r.record_key]))


def read_and_validate(
    paths: Sequence[Path],
    source: str,
    result: IngestResult,
    progress: ProgressSink,
    fmt: SourceFormat = DEFAULT_FORMAT,
) -> dict[str, list[Record]]:
    files, ignored = discover(paths)
    result.files = [str(f) for f in files]
    result.ignored = [str(f) for f in ignored]
    by_kind: dict[str, list[Record]] = defaultdict(list)
    for path in files:
        progress.start(f"read:{path}", f"read     {path.name}", 1)
        try:
            raw = read_file(path, fmt)
        except FileRefused as exc:
            result.refused.append(exc)
            progress.advance(f"read:{path}", 1)
            continue
        progress.advance(f"read:{path}", 1)
        result.issues.extend(raw.warnings)
        progress.start(f"validate:{path}", f"validate {path.name}", len(raw.rows))
        records = validate_file(raw, source, fmt)
        progress.advance(f"validate:{path}", len(raw.rows))
        by_kind[raw.kind.kind].extend(records)
    all_records = [r for recs in by_kind.values() for r in recs]
    check_duplicates(all_records)
    return by_kind


def resolve_parties(
    by_kind: dict[str, list[Record]], resolver: Resolver
) -> tuple[Known, dict[str, Resolution]]:
    known = Known()
    resolutions: dict[str, Resolution] = {}
    resolver.observe_batch(by_kind)
    for kind in RESOLVED_KINDS:
        recs = [r for r in by_kind.get(kind, []) if not r.issues]
        for rec, res in zip(recs, resolver.resolve(kind, recs), strict=True):
            resolutions[rec.record_key] = res
            known.entities[(kind, rec.record_id)] = res.entity_id
            strong = rec.values.get("uscc") if kind == c.COMPANIES else rec.values.get("id_number")
            if strong:
                known.strong.setdefault((kind, strong), res.entity_id)
        known.rejected |= {(kind, r.record_id) for r in by_kind.get(kind, []) if r.issues}
    for rec in by_kind.get(c.LOANS, []):
        if rec.values.get("loan_id"):
            (known.rejected_loans if rec.issues else known.loans).add(rec.values["loan_id"])
    return known, resolutions


def build_facts(rec: Record, resolutions: dict[str, Resolution]) -> RecordFacts:
    if rec.kind == c.COMPANIES:
        res = resolutions[rec.record_key]
        return company_facts(rec, res.entity_id, res.evidence)
    if rec.kind == c.PERSONS:
        res = resolutions[rec.record_key]
        return person_facts(rec, res.entity_id, res.evidence)
    return RELATION_BUILDERS[rec.kind](rec)


def load(
    writer: GraphWriter,
    by_kind: dict[str, list[Record]],
    resolutions: dict[str, Resolution],
    result: IngestResult,
    progress: ProgressSink,
    chunk_size: int,
) -> None:
    # the facts of the next chunk are built on a second thread while the database writes the
    # current one (the writing thread mostly waits on the socket, which frees the interpreter)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-facts") as builder:
        for kind in c.LOAD_ORDER:
            accepted = [r for r in by_kind.get(kind, []) if not r.issues]
            if not accepted:
                continue
            status = writer.classify(accepted)
            todo = [r for r in accepted if status[r.record_key] != UNCHANGED]
            if kind == c.COMPANIES:
                todo = _parents_first(todo, resolutions)
            key = f"load:{kind}"
            progress.start(key, f"load     {kind}", len(todo))
            parts = [todo[i : i + chunk_size] for i in range(0, len(todo), chunk_size)]
            upcoming: Future[list[RecordFacts]] | None = (
                builder.submit(_facts_of, parts[0], resolutions) if parts else None
            )
            for n, part in enumerate(parts):
                assert upcoming is not None
                facts = upcoming.result()
                if n + 1 < len(parts):
                    upcoming = builder.submit(_facts_of, parts[n + 1], resolutions)
                _write_bisecting(writer, part, facts, status, result)
                progress.advance(key, len(part))
            counts = result.counts[kind]
            loaded = [r for r in accepted if not r.issues]
            counts.created = sum(1 for r in loaded if status[r.record_key] == NEW)
            counts.updated = sum(1 for r in loaded if status[r.record_key] == CHANGED)
            counts.unchanged = sum(1 for r in loaded if status[r.record_key] == UNCHANGED)


def _facts_of(part: list[Record], resolutions: dict[str, Resolution]) -> list[RecordFacts]:
    return [build_facts(r, resolutions) for r in part]


def _write_bisecting(
    writer: GraphWriter,
    part: list[Record],
    facts: list[RecordFacts],
    status: dict[str, str],
    result: IngestResult,
) -> None:
    """Write one chunk (``facts`` are its records' facts, in order); when the database refuses it,
    write each half alone, down to the one row it refuses, which is rejected (``write_failed``)
    while every other row is written. Errors that are not about the data (the server gone, a
    timeout) are raised: the run stops and can resume."""
    try:
        result.write.merge(writer.write_chunk(facts, status))
        return
    except (ClientError, DatabaseError, WriteError) as exc:
        if not _about_the_data(exc):
            raise
        if len(part) == 1:
            rec = part[0]
            message = exc.message if isinstance(exc, Neo4jError) else str(exc)
            rec.issues.append(
                issue(
                    "write_failed",
                    file=rec.file,
                    row=rec.row,
                    field="",
                    value="",
                    record_id=rec.record_id,
                    detail=(message or type(exc).__name__)[:300],
                )
            )
            return
    half = len(part) // 2
    _write_bisecting(writer, part[:half], facts[:half], status, result)
    _write_bisecting(writer, part[half:], facts[half:], status, result)


# database errors caused by what a statement wrote (a value too large for an index …), as opposed to
# the database itself failing (out of disk, a crash), which must stop the run instead
_DATA_ERRORS = ("Neo.DatabaseError.Statement.ExecutionFailed",)


def _about_the_data(exc: Exception) -> bool:
    if isinstance(exc, WriteError | ClientError):
        return True
    return isinstance(exc, DatabaseError) and exc.code in _DATA_ERRORS


def count_results(by_kind: dict[str, list[Record]], result: IngestResult) -> None:
    """Per-kind read / accepted / rejected / warnings, and every issue into the result (after the
    last check that can reject a row, so the counts, the rejects file and the exit code agree)."""
    for kind, recs in by_kind.items():
        kc = result.counts.setdefault(kind, KindCounts())
        kc.read = len(recs)
        kc.rejected = sum(1 for r in recs if r.issues)
        kc.accepted = kc.read - kc.rejected
        for r in recs:
            result.issues.extend(r.issues)
            result.issues.extend(r.warnings)
    for i in result.issues:
        if i.severity != ERROR and i.row:
            kind = Path(i.file).stem.lower()
            if kind in result.counts:
                result.counts[kind].warnings += 1


def dry_counts(driver: Driver, database: str, by_kind: dict[str, list[Record]], result: IngestResult) -> None:
    """created / updated / unchanged as a real run would find them (read-only)."""
    writer = GraphWriter(driver, database, BatchInfo("dry-run", result.source, _now()))
    for kind, recs in by_kind.items():
        accepted = [r for r in recs if not r.issues]
        status = writer.classify(accepted) if accepted else {}
        kc = result.counts[kind]
        kc.created = sum(1 for v in status.values() if v == NEW)
        kc.updated = sum(1 for v in status.values() if v == CHANGED)
        kc.unchanged = sum(1 for v in status.values() if v == UNCHANGED)


_SCHEMA_NAME = re.compile(r"^CREATE (?:FULLTEXT )?(?:CONSTRAINT|INDEX) (\w+) IF NOT EXISTS")


def ensure_schema(driver: Driver, database: str) -> None:
    """Every constraint and index in place before the first write: two look-ups when they already
    are (every batch after the first), instead of one schema statement per index and a wait."""
    wanted = {m.group(1) for m in map(_SCHEMA_NAME.match, schema_statements()) if m}
    have = existing_schema(driver, database)
    if len(wanted) == len(schema_statements()) and wanted <= {*have["constraints"], *have["indexes"]}:
        with driver.session(database=database) as session:  # built by another run: may still populate
            session.run("CALL db.awaitIndexes(300)").consume()
        return
    apply_schema(driver, database)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def run_ingest(
    driver: Driver,
    paths: Sequence[Path],
    source: str,
    *,
    database: str = "neo4j",
    resolver: Resolver | None = None,
    rejects_path: Path | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    progress: ProgressSink | None = None,
    fmt: SourceFormat = DEFAULT_FORMAT,
    dry_run: bool = False,
) -> IngestResult:
    """Ingest files (or folders of files named by kind) from one source into the graph.

    ``fmt`` is how the source writes its files (mapping file, encoding, decimal mark); with
    ``dry_run`` everything is read, checked and counted against the graph, and nothing is written.
    """
    progress = progress or NoProgress()
    resolver = resolver or StrongKeyResolver()
    result = IngestResult(source=source, dry_run=dry_run)
    t0 = time.perf_counter()
    by_kind = read_and_validate(paths, source, result, progress, fmt)
    t1 = time.perf_counter()
    known, resolutions = resolve_parties(by_kind, resolver)
    check_references(by_kind, known, GraphLookup(driver, database))
    result.issues.extend(check_shareholding_sums(by_kind.get(c.SHAREHOLDINGS, [])))
    t2 = time.perf_counter()
    for kind, recs in by_kind.items():
        result.counts.setdefault(kind, KindCounts()).read = len(recs)
    if dry_run:
        count_results(by_kind, result)
        dry_counts(driver, database, by_kind, result)
        result.seconds = {"read_validate": t1 - t0, "resolve_check": t2 - t1}
        if result.issues or result.refused or rejects_path:
            result.rejects_path = write_rejects(
                rejects_path or Path(f"rejects-{source}-dry-run.csv"), result.refused, result.issues
            )
        return result
    ensure_schema(driver, database)
    loaded_files = [Path(f) for f in result.files if not any(r.file == Path(f).name for r in result.refused)]
    batch, result.resumed = start_batch(driver, database, source, input_hash(source, loaded_files))
    result.batch_id = batch.batch_id
    try:
        load(GraphWriter(driver, database, batch), by_kind, resolutions, result, progress, chunk_size)
        for kind, moves in sorted(getattr(resolver, "moves", {}).items()):
            result.er_moves += apply_moves(driver, database, kind, moves, batch.batch_id)
    except Exception as exc:
        result.error = f"{type(exc).__name__}: {exc}"
        count_results(by_kind, result)
        _finish(driver, database, batch, FAILED, result)
        raise
    finally:
        result.seconds = {
            "read_validate": t1 - t0,
            "resolve_check": t2 - t1,
            "load": time.perf_counter() - t2,
        }
    count_results(by_kind, result)
    _finish(driver, database, batch, COMPLETED, result)
    if result.issues or result.refused or rejects_path:
        result.rejects_path = write_rejects(
            rejects_path or Path(f"rejects-{batch.batch_id}.csv"), result.refused, result.issues
        )
    return result


def _finish(driver: Driver, database: str, batch: BatchInfo, status: str, result: IngestResult) -> None:
    counts = result.counts_dict()
    counts["_refused_files"] = [r.file for r in result.refused]
    try:
        finish_batch(driver, database, batch, status, counts)
    except Exception:  # the database itself may be what failed; the batch then stays 'running'
        if status == COMPLETED:
            raise
