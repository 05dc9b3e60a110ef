"""The bulk path for a first load: the same pipeline, written as CSV for ``neo4j-admin database import full``.

Why: through the driver every node and relationship costs a transaction-state entry, an index update
and a lock; on a small machine that caps a first load at a few thousand entities per second. The
offline importer writes the store files directly. It needs an empty database and a stopped server,
so it serves first loads only (later batches go through the driver path, which keeps history).

Reading, validation, resolution, reference checks and the merging of records into facts are the very
same code as the driver path (references to earlier sources are checked against an in-memory view of
what this bulk load holds instead of the graph), so both paths end in the same graph — a test
compares their fingerprints.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import subprocess
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from neo4j import Driver

from graph_model import schema as s
from graph_model.constraints import apply_schema
from ingest import contract as c
from ingest.batch import COMPLETED, input_hash
from ingest.facts import RecordFacts, RelFact
from ingest.mapping import DEFAULT_FORMAT, SourceFormat
from ingest.pipeline import (
    IngestResult,
    KindCounts,
    NoProgress,
    ProgressSink,
    _parents_first,
    build_facts,
    read_and_validate,
    resolve_parties,
)
from ingest.references import check_references
from ingest.resolver import Resolution, Resolver, StrongKeyResolver
from ingest.validate import Record, check_shareholding_sums
from ingest.writer import BatchInfo, _apply, _Merged, _native, evidence_json

ARRAY_DELIMITER = "\u001f"  # unit separator: cannot occur in validated text values
_TYPES = {
    "string": "string",
    "float": "double",
    "int": "long",
    "bool": "boolean",
    "date": "date",
    "datetime": "datetime",
    "list<string>": "string[]",
}


class MemoryLookup:
    """GraphLookup's interface over what earlier sources of this bulk load hold (the graph is empty)."""

    def __init__(self) -> None:
        self.records: dict[str, str] = {}
        self.uscc: dict[str, str] = {}
        self.ids: dict[str, str] = {}
        self.loan_ids: set[str] = set()

    def record_entities(self, keys: list[str]) -> dict[str, str]:
        return {k: self.records[k] for k in keys if k in self.records}

    def companies_by_uscc(self, ids: list[str]) -> dict[str, str]:
        return {k: self.uscc[k] for k in ids if k in self.uscc}

    def persons_by_id(self, ids: list[str]) -> dict[str, str]:
        return {k: self.ids[k] for k in ids if k in self.ids}

    def loans(self, ids: list[str]) -> dict[str, str]:
        return {k: k for k in ids if k in self.loan_ids}


@dataclass
class _Graph:
    """The graph being built, in the same shape the driver path writes. Golden and shared nodes and
    relationships are held in memory until complete; source records and their links stream to disk."""

    def __init__(self, files: _CsvSet):
        self.files = files
        self.nodes: dict[tuple[str, str], _Merged] = {}
        self.shared: dict[tuple[str, str], dict[str, Any]] = {}
        self.rels: dict[tuple, tuple[RelFact, _Merged]] = {}
        self.versions: list[tuple[str, str, dict[str, Any]]] = []  # owner label, owner id, props
        self.batches: list[dict[str, Any]] = []
        self._now: tuple[dt.datetime, str] | None = None  # the batch time and its CSV text, formatted once

    def _now_text(self, now: dt.datetime) -> str:
        if self._now is None or self._now[0] is not now:
            self._now = (now, _cell(now))
        return self._now[1]

    def add(self, rf: RecordFacts, batch: BatchInfo, now: dt.datetime) -> None:
        rec = rf.record
        record_key = rec.record_key
        self.files.source_record(
            [
                record_key,
                rec.source,
                rec.kind,
                rec.record_id,
                batch.batch_id,
                rec.file,
                str(rec.row),
                rec.content_hash,
                rec.payload,
                self._now_text(now),
            ]
        )
        self.files.rel(s.IN_BATCH, s.SOURCE_RECORD, s.BATCH, record_key, batch.batch_id, {})
        for nf in rf.nodes:
            key = (nf.ref.label, nf.ref.id)
            state = self.nodes.get(key)
            if state is None:
                state = self.nodes[key] = _Merged(None)
            before = len(state.versions)
            _apply(state, nf.props, rec, batch, nf.ref.id, accumulate=nf.accumulate)
            self.versions.extend((nf.ref.label, nf.ref.id, v) for v in state.versions[before:])
            state.changes.clear()  # only the driver path needs the delta; it would double the memory
            self.files.rel(
                s.DERIVED_FROM,
                nf.ref.label,
                s.SOURCE_RECORD,
                nf.ref.id,
                record_key,
                {"match_evidence": evidence_json(nf.evidence)},
            )
        for sn in rf.shared:
            self.shared.setdefault((sn.ref.label, sn.ref.id), sn.props)
        for rel in rf.rels:
            entry = self.rels.get(rel.identity)
            if entry is None:
                entry = self.rels[rel.identity] = (rel, _Merged(None))
            before = len(entry[1].versions)
            _apply(entry[1], {**rel.ident, **rel.props}, rec, batch, rel.subject, attr_prefix=f"{rel.type}.")
            self.versions.extend((rel.start.label, rel.start.id, v) for v in entry[1].versions[before:])
            entry[1].changes.clear()


# the cells ``_CsvSet.source_record`` takes, in the order of the schema's SourceRecord properties
SOURCE_RECORD_COLUMNS = [
    "record_key",
    "source",
    "kind",
    "source_record_id",
    "batch_id",
    "source_file",
    "source_row",
    "content_hash",
    "payload",
    "ingested_at",
]


def _cell(value: Any) -> str:
    """One CSV cell in the importer's syntax; text (most cells) returns at the first test."""
    cls = value.__class__
    if cls is str:
        return value
    if value is None:
        return ""
    if cls is bool:
        return "true" if value else "false"
    if cls is dt.datetime or cls is dt.date:
        return value.isoformat()
    if cls is list or cls is tuple:
        return ARRAY_DELIMITER.join(str(v) for v in value)
    if isinstance(value, dt.date):  # subclasses (pandas, neo4j temporals converted earlier)
        return value.isoformat()
    return str(value)


def _prop_types(props: tuple[s.Prop, ...]) -> dict[str, str]:
    return {p.name: _TYPES[p.type] for p in props}


class _CsvSet:
    """The import files: one node file per label, one relationship file per (type, start, end label).

    Files stay open so that rows can be streamed in as they are produced (source records, their
    batch and derivation links are never held in memory: at scale m they would not fit)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.nodes: list[tuple[str, Path]] = []
        self.rels: list[tuple[str, Path]] = []
        self._open: dict[tuple, tuple[Any, Any, list[str], frozenset[str]]] = {}

    def _node_writer(self, label: str) -> tuple[Any, list[str], frozenset[str]]:
        key = ("N", label)
        if key not in self._open:
            nt = s.node_type(label)
            types = _prop_types(nt.properties)
            cols = [p.name for p in nt.properties]
            # a named ID column is also stored as a property of that name
            header = [f"{nt.key}:ID({label})" if col == nt.key else f"{col}:{types[col]}" for col in cols]
            path = self.folder / f"nodes_{label}.csv"
            fh = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115 — closed in close()
            w = csv.writer(fh)
            w.writerow(header)
            self._open[key] = (fh, w, cols, frozenset(cols))
            self.nodes.append((label, path))
        _fh, w, cols, allowed = self._open[key]
        return w, cols, allowed

    def _rel_writer(self, rtype: str, start: str, end: str) -> tuple[Any, list[str], frozenset[str]]:
        key = ("R", rtype, start, end)
        if key not in self._open:
            rt = s.rel_type(rtype)
            types = _prop_types(rt.properties)
            cols = [p.name for p in rt.properties]
            path = self.folder / f"rels_{rtype}_{start}_{end}.csv"
            fh = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115 — closed in close()
            w = csv.writer(fh)
            w.writerow([f":START_ID({start})", f":END_ID({end})", *(f"{col}:{types[col]}" for col in cols)])
            self._open[key] = (fh, w, cols, frozenset(cols))
            self.rels.append((rtype, path))
        _fh, w, cols, allowed = self._open[key]
        return w, cols, allowed

    def node(self, label: str, row: dict[str, Any]) -> None:
        w, cols, allowed = self._node_writer(label)
        if not allowed.issuperset(row):
            raise ValueError(f"{label}: properties not in the schema: {sorted(set(row) - allowed)}")
        get = row.get
        w.writerow([_cell(get(col)) for col in cols])

    def rel(self, rtype: str, start: str, end: str, a: str, b: str, props: dict[str, Any]) -> None:
        w, cols, allowed = self._rel_writer(rtype, start, end)
        if not allowed.issuperset(props):
            raise ValueError(f"{rtype}: properties not in the schema: {sorted(set(props) - allowed)}")
        get = props.get
        w.writerow([a, b, *[_cell(get(col)) for col in cols]])

    def source_record(self, cells: list[str]) -> None:
        """A SourceRecord row already as its cells, in ``SOURCE_RECORD_COLUMNS`` order (one per
        accepted row: the hottest write, spared the per-property look-ups of ``node``)."""
        w, cols, _allowed = self._node_writer(s.SOURCE_RECORD)
        if cols != SOURCE_RECORD_COLUMNS:
            raise ValueError(f"{s.SOURCE_RECORD}: the schema's columns changed: {cols}")
        w.writerow(cells)

    def write_nodes(self, label: str, rows: list[dict[str, Any]]) -> None:
        for r in rows:
            self.node(label, r)

    def close(self) -> None:
        for fh, _w, _c, _a in self._open.values():
            fh.close()
        self._open.clear()


def _node_rows(state: _Merged) -> dict[str, Any]:
    return _native({k: v for k, v in (state.current or {}).items()})


def write_import_files(graph: _Graph) -> _CsvSet:
    """Write what is held in memory (golden, shared and version nodes, relationships) and close the files."""
    files = graph.files
    for (label, _id), state in graph.nodes.items():
        files.node(label, _node_rows(state))
    for (label, _id), props in graph.shared.items():
        files.node(label, props)
    files.write_nodes(s.BATCH, graph.batches)
    for label, node_id, v in graph.versions:
        files.node(s.FACT_VERSION, _native(v))
        files.rel(s.HAS_VERSION, label, s.FACT_VERSION, node_id, v["version_id"], {})
    for rel, state in graph.rels.values():
        files.rel(rel.type, rel.start.label, rel.end.label, rel.start.id, rel.end.id, _node_rows(state))
    files.close()
    return files


@dataclass
class BulkResult:
    results: list[IngestResult]
    files: _CsvSet | None
    seconds: dict[str, float]
    nodes: int = 0
    relationships: int = 0
    importer_output: str = ""


def build_bulk(
    sources: Sequence[tuple[str, Sequence[Path]]],
    folder: Path,
    *,
    resolver: Resolver | None = None,
    progress: ProgressSink | None = None,
    fmt: SourceFormat = DEFAULT_FORMAT,
) -> tuple[BulkResult, _Graph]:
    """Run read → validate → resolve → check → merge for every source in order; write the import CSVs."""
    progress = progress or NoProgress()
    resolver = resolver or StrongKeyResolver()
    lookup = MemoryLookup()
    names = [src for src, _paths in sources]
    if len(set(names)) != len(names):
        raise ValueError(f"每个来源只能出现一次。/ Each source may appear once: {names}")
    folder.mkdir(parents=True, exist_ok=True)
    graph = _Graph(_CsvSet(folder))
    results: list[IngestResult] = []
    t0 = time.perf_counter()
    for source, paths in sources:
        result = IngestResult(source=source)
        by_kind = read_and_validate(paths, source, result, progress, fmt)
        known, resolutions = resolve_parties(by_kind, resolver)
        check_references(by_kind, known, lookup)  # type: ignore[arg-type]
        result.issues.extend(check_shareholding_sums(by_kind.get(c.SHAREHOLDINGS, [])))
        loaded = [Path(f) for f in result.files if not any(r.file == Path(f).name for r in result.refused)]
        now = dt.datetime.now(dt.UTC)
        batch = BatchInfo(f"{source}-{now:%Y%m%dT%H%M%S%f}-bulk", source, now)
        result.batch_id = batch.batch_id
        for kind in c.LOAD_ORDER:
            recs = by_kind.get(kind, [])
            kc = result.counts.setdefault(kind, KindCounts()) if recs else None
            if kc is None:
                continue
            kc.read = len(recs)
            kc.rejected = sum(1 for r in recs if r.issues)
            kc.accepted = kc.created = kc.read - kc.rejected
            accepted = [r for r in recs if not r.issues]
            if kind == c.COMPANIES:
                accepted = _parents_first(accepted, resolutions)
            progress.start(f"merge:{source}:{kind}", f"merge    {source}/{kind}", len(accepted))
            for rec in accepted:
                graph.add(build_facts(rec, resolutions), batch, now)
                _remember(lookup, rec, resolutions)
                rec.payload = ""  # streamed into the SourceRecord file: not held for the rest of the source
            progress.advance(f"merge:{source}:{kind}", len(accepted))
        for recs in by_kind.values():
            for r in recs:
                result.issues.extend(r.issues)
                result.issues.extend(r.warnings)
        graph.batches.append(
            {
                "batch_id": batch.batch_id,
                "source": source,
                "started_at": now,
                "finished_at": dt.datetime.now(dt.UTC),
                "status": COMPLETED,
                "input_hash": input_hash(source, loaded),
                "counts": json.dumps(
                    {k: vars(v) for k, v in result.counts.items()}
                    | {"_refused_files": [r.file for r in result.refused]},
                    ensure_ascii=False,
                    sort_keys=True,
                ),
            }
        )
        results.append(result)
    t1 = time.perf_counter()
    files = write_import_files(graph)
    t2 = time.perf_counter()
    res = BulkResult(results, files, {"prepare": t1 - t0, "write_csv": t2 - t1})
    return res, graph


def _remember(lookup: MemoryLookup, rec: Record, resolutions: dict[str, Resolution]) -> None:
    if rec.kind in (c.COMPANIES, c.PERSONS):
        entity = resolutions[rec.record_key].entity_id
        lookup.records[rec.record_key] = entity
        if rec.values.get("uscc"):
            lookup.uscc.setdefault(rec.values["uscc"], entity)
        if rec.values.get("id_number"):
            lookup.ids.setdefault(rec.values["id_number"], entity)
    elif rec.kind == c.LOANS:
        lookup.loan_ids.add(rec.values["loan_id"])


def importer_command(
    java: str,
    classpath: str,
    admin_entry_point: str,
    files: _CsvSet,
    database: str,
    report: Path,
    heap: str = "2g",
) -> list[str]:
    cmd = [
        java,
        f"-Xmx{heap}",
        "-cp",
        classpath,
        admin_entry_point,
        "database",
        "import",
        "full",
        database,  # first: the file-list options take every following plain argument
        "--overwrite-destination=true",
        f"--array-delimiter=U+{ord(ARRAY_DELIMITER):04X}",
        "--multiline-fields=true",
        f"--report-file={report}",
        "--skip-bad-relationships=false",
        "--skip-duplicate-nodes=false",
    ]
    cmd += [f"--nodes={label}={path}" for label, path in files.nodes]
    cmd += [f"--relationships={rtype}={path}" for rtype, path in files.rels]
    return cmd


def import_files(cmd: list[str], env: dict[str, str], cwd: Path) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd)
    out = proc.stdout + proc.stderr
    if proc.returncode != 0:
        raise RuntimeError(
            f"neo4j-admin import 失败。/ neo4j-admin import failed (code {proc.returncode}):\n{out[-4000:]}"
        )
    return out


class BulkRefused(RuntimeError):
    """The bulk path would replace a database that already holds data."""


@dataclass(frozen=True)
class AdminTool:
    """How to run neo4j-admin (supplied by the composition root, which knows the server's installation)."""

    java: str
    classpath: str
    entry_point: str
    env: dict[str, str]
    cwd: Path
    heap: str = "2g"


def bulk_load(
    sources: Sequence[tuple[str, Sequence[Path]]],
    work_dir: Path,
    admin: AdminTool,
    stop_server: Callable[[], object],
    start_server: Callable[[], object],
    driver_factory: Callable[[], Driver],
    *,
    database: str = "neo4j",
    resolver: Resolver | None = None,
    progress: ProgressSink | None = None,
    replace: bool = False,
    fmt: SourceFormat = DEFAULT_FORMAT,
) -> BulkResult:
    """First load of several sources (in order) into an empty database via neo4j-admin; replaces the database."""
    with driver_factory() as driver:
        records, _, _ = driver.execute_query("MATCH (n) RETURN count(n) AS n", database_=database)
    if records[0]["n"] and not replace:
        raise BulkRefused(
            f"数据库 {database} 不为空（{records[0]['n']} 个节点）：批量导入只用于首次加载，会替换整个数据库。/ "
            f"The database {database} is not empty ({records[0]['n']} nodes): the bulk path is for a first load "
            "and replaces the whole database; use the driver path (without --bulk) to add batches."
        )
    # the server is not needed while the files are prepared: it shuts down (a checkpoint, mostly
    # disk) at the same time instead of after; if preparing fails it is started again
    with ThreadPoolExecutor(max_workers=1) as pool:
        stopping = pool.submit(stop_server)
        try:
            res, _graph = build_bulk(sources, work_dir, resolver=resolver, progress=progress, fmt=fmt)
        except BaseException:
            stopping.result()
            start_server()
            raise
        t = time.perf_counter()
        stopping.result()
        res.seconds["stop"] = time.perf_counter() - t  # what was left of the shutdown once prepared
    assert res.files is not None
    t = time.perf_counter()
    cmd = importer_command(
        admin.java,
        admin.classpath,
        admin.entry_point,
        res.files,
        database,
        work_dir / "import.report",
        admin.heap,
    )
    res.importer_output = import_files(cmd, admin.env, admin.cwd)
    res.seconds["import"] = time.perf_counter() - t
    t = time.perf_counter()
    start_server()
    res.seconds["start"] = time.perf_counter() - t
    t = time.perf_counter()
    with driver_factory() as driver:
        apply_schema(driver, database)
        records, _, _ = driver.execute_query("MATCH (n) RETURN count(n) AS n", database_=database)
        res.nodes = records[0]["n"]
        records, _, _ = driver.execute_query("MATCH ()-[r]->() RETURN count(r) AS n", database_=database)
        res.relationships = records[0]["n"]
    res.seconds["constraints"] = time.perf_counter() - t
    return res
