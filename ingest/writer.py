"""Writing facts into Neo4j: batched ``UNWIND`` transactions, idempotent, with provenance and history.

One chunk of records = one transaction that writes everything those records state: golden nodes,
their SourceRecords (IN_BATCH, DERIVED_FROM), shared nodes, relationships and FactVersions. Because a
SourceRecord is committed together with the facts it supports, a run killed at any point leaves only
whole chunks behind, and a rerun skips exactly those (same content hash) — ending in the same graph
as an uninterrupted run.

Every value reaches Neo4j as a parameter; query text is assembled only from schema constants.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

from neo4j import Driver, ManagedTransaction

from graph_model import schema as s
from graph_model.history import fact_version, to_json, write_versions
from ingest.facts import NodeFact, RecordFacts, Ref, RelFact
from ingest.validate import Record

NEW, CHANGED, UNCHANGED = "new", "changed", "unchanged"
PROVENANCE_PROPS = tuple(p.name for p in s.PROVENANCE)
# derived values (name_norm follows name) and validity/provenance are updated without a FactVersion of their own
NOT_VERSIONED = {"valid_from", "valid_to", "name_norm", *PROVENANCE_PROPS}


class WriteError(RuntimeError):
    """The graph did not accept what the checks promised (a bug or a concurrent writer); the chunk rolls back."""


@dataclass
class BatchInfo:
    batch_id: str
    source: str
    started: dt.datetime

    @property
    def date(self) -> dt.date:
        return self.started.date()


@dataclass
class WriteCounts:
    nodes_created: int = 0
    relationships_created: int = 0
    properties_set: int = 0
    versions: int = 0

    def add(self, counters: Any) -> None:
        self.nodes_created += counters.nodes_created
        self.relationships_created += counters.relationships_created
        self.properties_set += counters.properties_set

    def merge(self, other: WriteCounts) -> None:
        for f in ("nodes_created", "relationships_created", "properties_set", "versions"):
            setattr(self, f, getattr(self, f) + getattr(other, f))


def canon(value: Any) -> Any:
    """A value in a comparable form: graph temporals → Python, numbers → float, lists → tuples."""
    if hasattr(value, "to_native"):
        value = value.to_native()
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, list | tuple):
        return tuple(canon(v) for v in value)
    return value


def _provenance(rec: Record, record_keys: list[str], batch: BatchInfo) -> dict[str, Any]:
    return {
        "source": rec.source,
        "batch_id": batch.batch_id,
        "source_file": rec.file,
        "source_row": rec.row,
        "record_keys": record_keys,
    }


@dataclass
class _Merged:
    """The state of one node or relationship while a chunk's records are applied to it in order."""

    current: dict[str, Any] | None
    changes: dict[str, Any] = field(default_factory=dict)
    versions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def created(self) -> bool:
        return self.changes.get("__created__", False)


def _apply(
    state: _Merged,
    props: dict[str, Any],
    rec: Record,
    batch: BatchInfo,
    subject: str | RelFact,
    attr_prefix: str = "",
    accumulate: dict[str, list[str]] | None = None,
) -> None:
    """Apply one record's values: set what is new, keep what it replaces as a FactVersion."""
    given = {k: v for k, v in props.items() if v is not None}
    if state.current is None:
        state.current = dict(given)
        state.changes.update(given)
        state.changes["__created__"] = True
    else:
        cur = state.current
        start_new = given.get("valid_from") or batch.date
        changed_any = False
        for k, new in given.items():
            old = cur.get(k)
            if old is not None and canon(old) == canon(new):
                continue
            if old is not None and k not in NOT_VERSIONED:
                changed_any = True
                state.versions.append(
                    fact_version(
                        subject=subject if isinstance(subject, str) else subject.subject,
                        attribute=f"{attr_prefix}{k}",
                        value=to_json(old),
                        superseded_by=batch.batch_id,
                        record_key=rec.record_key,
                        valid_from=cur.get("valid_from"),
                        valid_to=start_new,
                        batch_id=cur.get("batch_id"),
                    )
                )
            cur[k] = new
            state.changes[k] = new
        if changed_any and "valid_from" not in given:
            cur["valid_from"] = state.changes["valid_from"] = start_new
    cur = state.current
    for k, items in (accumulate or {}).items():
        merged = list(cur.get(k) or [])
        for item in items:
            if item not in merged:
                merged.append(item)
        if merged != list(cur.get(k) or []) or state.created:
            cur[k] = state.changes[k] = merged
    keys = list(cur.get("record_keys") or [])
    if rec.record_key not in keys:
        keys.append(rec.record_key)
    prov = _provenance(rec, keys, batch)
    cur.update(prov)
    state.changes.update(prov)


_EVIDENCE_JSON: dict[tuple, str] = {}  # match evidence → its JSON; a resolver repeats a few shapes
_EVIDENCE_CACHE_MAX = 10_000


def evidence_json(evidence: dict[str, Any] | None) -> str:
    """A record's match evidence as stored on DERIVED_FROM, encoded once per distinct evidence
    (strong keys and business keys give the same three or four dicts for every record)."""
    try:
        # the type is part of the key: 1, 1.0 and True are equal keys but encode differently
        key = tuple((k, v.__class__, v) for k, v in evidence.items()) if evidence else ()
        text = _EVIDENCE_JSON.get(key)
    except TypeError:  # an unhashable value (entity resolution's pair list): encode it alone
        return json.dumps(evidence or {}, ensure_ascii=False)
    if text is None:
        text = json.dumps(evidence or {}, ensure_ascii=False)
        if len(_EVIDENCE_JSON) < _EVIDENCE_CACHE_MAX:
            _EVIDENCE_JSON[key] = text
    return text


def _native(props: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.to_native() if hasattr(v, "to_native") else v) for k, v in props.items()}


# how many node keys and relationship identities one run keeps in mind (about 100 bytes each); past
# it the run forgets them all and looks every relationship up, as if nothing had been remembered
RUN_MEMORY_LIMIT = 3_000_000


@dataclass
class Made:
    """What one transaction created: nodes, and relationships whose two ends this run created."""

    nodes: set[Ref] = field(default_factory=set)
    rels: set[tuple] = field(default_factory=set)


class RunMemory:
    """The nodes and relationships this run created, once committed.

    A relationship between two nodes that this run created can only exist if this run made it, so
    it need not be looked up in the graph: on a first load that is nearly every relationship, and
    each look-up inside a write transaction full of new nodes is what made writing slow. Like the
    look-ups it replaces, this assumes no other writer adds relationships to the same nodes while
    the run lasts (two ingests of overlapping parties at once are not supported either way).
    """

    def __init__(self, limit: int = RUN_MEMORY_LIMIT):
        self.limit = limit
        self.nodes: set[Ref] = set()
        self.rels: set[tuple] = set()
        self.complete = True

    def remember(self, made: Made) -> None:
        if not self.complete:
            return
        if len(self.nodes) + len(self.rels) + len(made.nodes) + len(made.rels) > self.limit:
            self.complete = False
            self.nodes.clear()
            self.rels.clear()
            return
        self.nodes |= made.nodes
        self.rels |= made.rels

    def born(self, node: Ref, in_tx: AbstractSet[Ref] = frozenset()) -> bool:
        """Created by this run: in this transaction, or in one committed before it."""
        return node in in_tx or (self.complete and node in self.nodes)

    def surely_absent(self, rel: RelFact, in_tx: AbstractSet[Ref]) -> bool:
        """The relationship does not exist yet, known without asking the graph."""
        if rel.start in in_tx or rel.end in in_tx:
            return True  # a node created in this very transaction has no relationships yet
        return (
            self.complete
            and rel.start in self.nodes
            and rel.end in self.nodes
            and rel.identity not in self.rels
        )


class GraphWriter:
    """Writes the facts of one batch; one instance per ingest run."""

    def __init__(self, driver: Driver, database: str, batch: BatchInfo):
        self.driver = driver
        self.database = database
        self.batch = batch
        self.run = RunMemory(RUN_MEMORY_LIMIT)

    # --- classification -------------------------------------------------------------------------
    def classify(self, records: list[Record], chunk: int = 20_000) -> dict[str, str]:
        """new / changed / unchanged per record key, by the content hash of its SourceRecord."""
        status: dict[str, str] = {}
        with self.driver.session(database=self.database, notifications_min_severity="OFF") as session:
            for i in range(0, len(records), chunk):
                part = records[i : i + chunk]
                # one answer row per chunk: the positions of the records whose SourceRecord exists,
                # split by whether its content hash is the same (not a row and a hash per record)
                answer = session.run(
                    "UNWIND range(0, size($keys) - 1) AS i WITH i, $keys[i] AS k "
                    f"MATCH (sr:{s.SOURCE_RECORD} {{record_key: k}}) "
                    "WITH i, sr.content_hash = $hashes[i] AS same "
                    "RETURN collect(CASE WHEN same THEN i END) AS unchanged, "
                    "collect(CASE WHEN NOT same THEN i END) AS changed",
                    keys=[r.record_key for r in part],
                    hashes=[r.content_hash for r in part],
                ).single()
                for rec in part:
                    status[rec.record_key] = NEW
                if answer is not None:
                    for j in answer["unchanged"]:
                        status[part[j].record_key] = UNCHANGED
                    for j in answer["changed"]:
                        status[part[j].record_key] = CHANGED
        return status

    # --- one chunk ------------------------------------------------------------------------------
    def write_chunk(self, facts: list[RecordFacts], status: dict[str, str]) -> WriteCounts:
        with self.driver.session(database=self.database, notifications_min_severity="OFF") as session:
            counts, made = session.execute_write(self._write_chunk, facts, status)
        self.run.remember(made)  # only once committed: a chunk rolled back created nothing
        return counts

    def _write_chunk(
        self, tx: ManagedTransaction, facts: list[RecordFacts], status: dict[str, str]
    ) -> tuple[WriteCounts, Made]:
        counts = WriteCounts()
        made = Made()
        made.nodes = self._nodes(tx, facts, counts)
        made.nodes |= self._shared(tx, facts, counts)
        self._source_records(tx, facts, status, counts)
        made.rels = self._rels(tx, facts, made.nodes, counts)
        return counts, made

    def _run(self, tx: ManagedTransaction, query: str, counts: WriteCounts, **params: Any) -> Any:
        summary = tx.run(query, **params).consume()
        counts.add(summary.counters)
        return summary.counters

    # --- golden nodes ---------------------------------------------------------------------------
    def _nodes(self, tx: ManagedTransaction, facts: list[RecordFacts], counts: WriteCounts) -> set[Ref]:
        groups: dict[tuple[str, str], list[tuple[NodeFact, Record]]] = defaultdict(list)
        for rf in facts:
            for nf in rf.nodes:
                groups[(nf.ref.label, nf.ref.id)].append((nf, rf.record))
        if not groups:
            return set()
        by_label: dict[str, list[str]] = defaultdict(list)
        for label, node_id in groups:
            by_label[label].append(node_id)
        existing: dict[tuple[str, str], dict[str, Any]] = {}
        for label, ids in by_label.items():
            key = s.node_type(label).key
            for r in tx.run(
                f"UNWIND $ids AS id MATCH (n:{label} {{{key}: id}}) RETURN id, properties(n) AS p", ids=ids
            ):
                existing[(label, r["id"])] = dict(r["p"])
        creates: dict[str, list[dict]] = defaultdict(list)
        updates: dict[str, list[dict]] = defaultdict(list)
        versions: dict[str, list[dict]] = defaultdict(list)
        created: set[Ref] = set()
        for (label, node_id), members in groups.items():
            state = _Merged(existing.get((label, node_id)))
            for nf, rec in members:
                _apply(state, nf.props, rec, self.batch, node_id, accumulate=nf.accumulate)
            changes = {k: v for k, v in state.changes.items() if k != "__created__"}
            if state.created:
                creates[label].append(_native(changes))
                created.add(Ref(label, node_id))
            elif changes:
                updates[label].append({"id": node_id, "props": _native(changes)})
            versions[label].extend({"owner": node_id, **v} for v in state.versions)
        for label, rows in creates.items():
            self._run(tx, f"UNWIND $rows AS row CREATE (n:{label}) SET n = row", counts, rows=rows)
        for label, rows in updates.items():
            key = s.node_type(label).key
            self._run(
                tx,
                f"UNWIND $rows AS row MATCH (n:{label} {{{key}: row.id}}) SET n += row.props",
                counts,
                rows=rows,
            )
        for label, rows in versions.items():
            if rows:
                self._versions(tx, label, rows, counts)
        return created

    def _versions(self, tx: ManagedTransaction, label: str, rows: list[dict], counts: WriteCounts) -> None:
        """FactVersions hang off the entity (for a relationship attribute: off its start node)."""
        params = [
            {"owner": r["owner"], "props": _native({k: v for k, v in r.items() if k != "owner"})}
            for r in rows
        ]
        counts.add(write_versions(tx, label, params))
        counts.versions += len(rows)

    # --- shared nodes (phones, addresses) -------------------------------------------------------
    def _shared(self, tx: ManagedTransaction, facts: list[RecordFacts], counts: WriteCounts) -> set[Ref]:
        """Shared nodes merged on their key; returns those this transaction created. One this run
        created before is known to exist and is not sent again."""
        by_label: dict[str, dict[str, dict]] = defaultdict(dict)
        for rf in facts:
            for sn in rf.shared:
                if not self.run.born(sn.ref):
                    by_label[sn.ref.label].setdefault(sn.ref.id, sn.props)
        created: set[Ref] = set()
        for label, nodes in by_label.items():
            key = s.node_type(label).key
            result = tx.run(
                f"UNWIND $rows AS row OPTIONAL MATCH (o:{label} {{{key}: row.id}}) "
                "WITH row WHERE o IS NULL "
                f"MERGE (n:{label} {{{key}: row.id}}) ON CREATE SET n += row.props RETURN row.id AS id",
                rows=[{"id": k, "props": p} for k, p in nodes.items()],
            )
            created.update(Ref(label, r["id"]) for r in result)
            counts.add(result.consume().counters)
        return created

    # --- source records -------------------------------------------------------------------------
    def _source_records(
        self, tx: ManagedTransaction, facts: list[RecordFacts], status: dict[str, str], counts: WriteCounts
    ) -> None:
        now = dt.datetime.now(dt.UTC)
        # new records, grouped by the one label of the golden nodes they support ("" for none): each
        # group's SourceRecords and their DERIVED_FROM links are created by one statement, the
        # SourceRecord in hand instead of looked up again by its key
        new_by_label: dict[str, list[dict[str, Any]]] = defaultdict(list)
        changed_rows: list[dict[str, Any]] = []
        derived_new: dict[str, list[dict[str, Any]]] = defaultdict(list)  # records of several labels
        derived_changed: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for rf in facts:
            rec = rf.record
            props = {
                "record_key": rec.record_key,
                "source": rec.source,
                "kind": rec.kind,
                "source_record_id": rec.record_id,
                "batch_id": self.batch.batch_id,
                "source_file": rec.file,
                "source_row": rec.row,
                "content_hash": rec.content_hash,
                "payload": rec.payload,
            }  # ingested_at: one $now for the chunk (packing a zoned datetime per row is slow)
            is_new = status[rec.record_key] == NEW
            labels = {nf.ref.label for nf in rf.nodes}
            if is_new and len(labels) <= 1:
                derived = [{"id": nf.ref.id, "ev": evidence_json(nf.evidence)} for nf in rf.nodes]
                new_by_label[next(iter(labels), "")].append({"props": props, "derived": derived})
                continue
            if is_new:
                new_by_label[""].append({"props": props, "derived": []})
            else:
                changed_rows.append(props)
            for nf in rf.nodes:
                row = {
                    "id": nf.ref.id,
                    "rk": rec.record_key,
                    "ev": evidence_json(nf.evidence),
                }
                (derived_new if is_new else derived_changed)[nf.ref.label].append(row)
        params = {"batch": self.batch.batch_id, "now": now}
        create_sr = (
            f"MATCH (b:{s.BATCH} {{batch_id: $batch}}) UNWIND $rows AS row "
            f"CREATE (sr:{s.SOURCE_RECORD}) SET sr = row.props, sr.ingested_at = $now "
            f"CREATE (sr)-[:{s.IN_BATCH}]->(b)"
        )
        for label, rows in new_by_label.items():
            if not label:
                self._run(tx, create_sr, counts, rows=rows, **params)
                continue
            key = s.node_type(label).key
            c = self._run(
                tx,
                f"{create_sr} WITH sr, row UNWIND row.derived AS d MATCH (n:{label} {{{key}: d.id}}) "
                f"CREATE (n)-[:{s.DERIVED_FROM} {{match_evidence: d.ev}}]->(sr)",
                counts,
                rows=rows,
                **params,
            )
            derived_count = sum(len(r["derived"]) for r in rows)
            self._expect(c.relationships_created, len(rows) + derived_count, s.DERIVED_FROM)
        if changed_rows:
            self._run(
                tx,
                f"MATCH (b:{s.BATCH} {{batch_id: $batch}}) UNWIND $rows AS row "
                f"MATCH (sr:{s.SOURCE_RECORD} {{record_key: row.record_key}}) SET sr += row, sr.ingested_at = $now "
                f"MERGE (sr)-[:{s.IN_BATCH}]->(b)",
                counts,
                rows=changed_rows,
                **params,
            )
        for label, rows in derived_new.items():
            key = s.node_type(label).key
            c = self._run(
                tx,
                f"UNWIND $rows AS row MATCH (n:{label} {{{key}: row.id}}) "
                f"MATCH (sr:{s.SOURCE_RECORD} {{record_key: row.rk}}) "
                f"CREATE (n)-[:{s.DERIVED_FROM} {{match_evidence: row.ev}}]->(sr)",
                counts,
                rows=rows,
            )
            self._expect(c.relationships_created, len(rows), s.DERIVED_FROM)
        for label, rows in derived_changed.items():
            key = s.node_type(label).key
            self._run(
                tx,
                f"UNWIND $rows AS row MATCH (sr:{s.SOURCE_RECORD} {{record_key: row.rk}}) "
                f"OPTIONAL MATCH (sr)<-[old:{s.DERIVED_FROM}]-() DELETE old "
                f"WITH DISTINCT row, sr MATCH (n:{label} {{{key}: row.id}}) "
                f"CREATE (n)-[:{s.DERIVED_FROM} {{match_evidence: row.ev}}]->(sr)",
                counts,
                rows=rows,
            )

    @staticmethod
    def _expect(got: int, want: int, what: str) -> None:
        if got != want:
            raise WriteError(
                f"写入 {what} 数量不符（{got}/{want}）。/ Wrote {got} of {want} {what}: an endpoint is missing."
            )

    # --- relationships --------------------------------------------------------------------------
    def _rels(
        self,
        tx: ManagedTransaction,
        facts: list[RecordFacts],
        created_nodes: set[Ref],
        counts: WriteCounts,
    ) -> set[tuple]:
        """Relationships created or updated; returns the identities of those created between two
        nodes this run created (the ones the run's memory answers for)."""
        groups: dict[tuple, list[tuple[RelFact, Record]]] = defaultdict(list)
        for rf in facts:
            for rel in rf.rels:
                groups[rel.identity].append((rel, rf.record))
        if not groups:
            return set()
        # look up existing relationships, per (type, start label, end label), except those the run
        # knows cannot exist yet (see RunMemory)
        shape: dict[tuple[str, str, str], list[tuple]] = defaultdict(list)
        for ident, members in groups.items():
            rel = members[0][0]
            if self.run.surely_absent(rel, created_nodes):
                continue
            shape[(rel.type, rel.start.label, rel.end.label)].append(ident)
        existing: dict[tuple, dict[str, Any]] = {}
        for (rtype, sl, el), idents in shape.items():
            sk, ek = s.node_type(sl).key, s.node_type(el).key
            rows = []
            for i, ident in enumerate(idents):
                rel = groups[ident][0][0]
                rows.append({"i": i, "a": rel.start.id, "b": rel.end.id, "ident": rel.ident})
            for r in tx.run(
                f"UNWIND $rows AS row MATCH (a:{sl} {{{sk}: row.a}})-[r:{rtype}]->(b:{el} {{{ek}: row.b}}) "
                "WHERE all(k IN keys(row.ident) WHERE r[k] = row.ident[k]) RETURN row.i AS i, properties(r) AS p",
                rows=rows,
            ):
                existing[idents[r["i"]]] = dict(r["p"])
        creates: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
        updates: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
        versions: dict[str, list[dict]] = defaultdict(list)
        made: set[tuple] = set()
        for ident, members in groups.items():
            rel = members[0][0]
            state = _Merged(existing.get(ident))
            for member, rec in members:
                _apply(
                    state,
                    {**member.ident, **member.props},
                    rec,
                    self.batch,
                    member,  # its subject text is built only if a FactVersion needs it
                    attr_prefix=f"{member.type}.",
                )
            changes = {k: v for k, v in state.changes.items() if k != "__created__"}
            key3 = (rel.type, rel.start.label, rel.end.label)
            row = {"a": rel.start.id, "b": rel.end.id, "ident": rel.ident, "props": _native(changes)}
            if state.created:
                creates[key3].append(row)
                if self.run.born(rel.start, created_nodes) and self.run.born(rel.end, created_nodes):
                    made.add(ident)
            elif changes:
                updates[key3].append(row)
            for v in state.versions:
                versions[rel.start.label].append({"owner": rel.start.id, **v})
        for (rtype, sl, el), rows in creates.items():
            sk, ek = s.node_type(sl).key, s.node_type(el).key
            c = self._run(
                tx,
                f"UNWIND $rows AS row MATCH (a:{sl} {{{sk}: row.a}}) MATCH (b:{el} {{{ek}: row.b}}) "
                f"CREATE (a)-[r:{rtype}]->(b) SET r = row.props",
                counts,
                rows=rows,
            )
            self._expect(c.relationships_created, len(rows), rtype)
        for (rtype, sl, el), rows in updates.items():
            sk, ek = s.node_type(sl).key, s.node_type(el).key
            self._run(
                tx,
                f"UNWIND $rows AS row MATCH (a:{sl} {{{sk}: row.a}})-[r:{rtype}]->(b:{el} {{{ek}: row.b}}) "
                "WHERE all(k IN keys(row.ident) WHERE r[k] = row.ident[k]) SET r += row.props",
                counts,
                rows=rows,
            )
        for label, rows in versions.items():
            self._versions(tx, label, rows, counts)
        return made
