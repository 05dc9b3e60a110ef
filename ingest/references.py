"""Reference checks: every party or loan a row names must exist — in this ingest or already in the graph.

A reference is tried in this order: the record id among this ingest's accepted records; the record id
among the graph's SourceRecords of the same source (an earlier batch); the strong identifier among
this ingest's records; the strong identifier in the graph. A reference to a row rejected in this
ingest is ``invalid_reference`` (the cause is that other row); one found nowhere is
``dangling_reference``. Kinds are checked in load order so that a rejection cascades correctly
(a loan rejected for its borrower makes the guarantees of that loan invalid too).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from neo4j import Driver

from graph_model.schema import COMPANY, DERIVED_FROM, LOAN, PERSON, SOURCE_RECORD
from ingest import contract as c
from ingest.issues import issue
from ingest.validate import Record, record_key

LOOKUP_CHUNK = 10_000
PARTY_LABEL = {c.COMPANIES: COMPANY, c.PERSONS: PERSON}
PARTY_KIND = {"company": c.COMPANIES, "person": c.PERSONS}


@dataclass
class Known:
    """What this ingest offers as reference targets, updated as kinds are checked."""

    entities: dict[tuple[str, str], str] = field(default_factory=dict)  # (kind, record_id) → entity id
    rejected: set[tuple[str, str]] = field(default_factory=set)
    strong: dict[tuple[str, str], str] = field(default_factory=dict)  # (kind, strong id) → entity id
    loans: set[str] = field(default_factory=set)
    rejected_loans: set[str] = field(default_factory=set)


def target_kind(rec: Record, col: c.Column) -> str | None:
    if col.ref == "party":
        assert col.kind_column
        return PARTY_KIND.get(rec.values.get(col.kind_column) or "")
    return col.ref


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for i in range(0, len(items), LOOKUP_CHUNK):
        yield items[i : i + LOOKUP_CHUNK]


class GraphLookup:
    """Batched look-ups of reference targets already in the graph (read-only)."""

    def __init__(self, driver: Driver | None, database: str):
        self.driver = driver
        self.database = database

    def _run(self, query: str, items: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        if not self.driver or not items:
            return found
        with self.driver.session(database=self.database, notifications_min_severity="OFF") as session:
            for part in _chunks(sorted(set(items))):
                for rec in session.run(query, keys=part):
                    found[rec["k"]] = rec["v"]
        return found

    def record_entities(self, keys: list[str]) -> dict[str, str]:
        return self._run(
            f"UNWIND $keys AS k MATCH (s:{SOURCE_RECORD} {{record_key: k}})<-[:{DERIVED_FROM}]-(e) "
            "RETURN k, e.entity_id AS v",
            keys,
        )

    def companies_by_uscc(self, ids: list[str]) -> dict[str, str]:
        return self._run(f"UNWIND $keys AS k MATCH (e:{COMPANY} {{uscc: k}}) RETURN k, e.entity_id AS v", ids)

    def persons_by_id(self, ids: list[str]) -> dict[str, str]:
        return self._run(
            f"UNWIND $keys AS k MATCH (e:{PERSON} {{id_number: k}}) RETURN k, e.entity_id AS v", ids
        )

    def loans(self, ids: list[str]) -> dict[str, str]:
        return self._run(f"UNWIND $keys AS k MATCH (l:{LOAN} {{loan_id: k}}) RETURN k, l.loan_id AS v", ids)


def _strong_value(rec: Record, col: c.Column) -> str | None:
    return rec.values.get(col.strong_id) if col.strong_id else None


def check_references(records_by_kind: dict[str, list[Record]], known: Known, lookup: GraphLookup) -> None:
    """Fill ``rec.refs`` for every accepted record, or add the reference issue that rejects it."""
    for kind in c.LOAD_ORDER:
        recs = [r for r in records_by_kind.get(kind, []) if not r.issues]
        ref_cols = c.file_kind(kind).references
        if not recs or not ref_cols:
            continue
        # 1. what is not in this ingest must be looked up in the graph
        want_keys: list[str] = []
        want_strong: dict[str, list[str]] = {c.COMPANIES: [], c.PERSONS: []}
        want_loans: list[str] = []
        for rec in recs:
            for col in ref_cols:
                value = rec.values.get(col.name)
                if col.ref == "loans.loan_id":
                    if value is not None and value not in known.loans:
                        want_loans.append(value)
                    continue
                tk = target_kind(rec, col)
                strong = _strong_value(rec, col)
                if tk is None or (value is None and strong is None):
                    continue
                if value is not None and (tk, value) not in known.entities:
                    want_keys.append(record_key(rec.source, tk, value))
                if strong and (tk, strong) not in known.strong:
                    want_strong[tk].append(strong)
        graph_records = lookup.record_entities(want_keys)
        graph_strong = {
            c.COMPANIES: lookup.companies_by_uscc(want_strong[c.COMPANIES]),
            c.PERSONS: lookup.persons_by_id(want_strong[c.PERSONS]),
        }
        graph_loans = lookup.loans(want_loans)
        # 2. resolve each reference or reject the row
        for rec in recs:
            for col in ref_cols:
                value = rec.values.get(col.name)
                if col.ref == "loans.loan_id":
                    if value is None:
                        continue
                    if value in known.loans or value in graph_loans:
                        rec.refs[col.name] = value
                    else:
                        rule = "invalid_reference" if value in known.rejected_loans else "dangling_reference"
                        rec.issues.append(
                            issue(
                                rule,
                                file=rec.file,
                                row=rec.row,
                                field=col.name,
                                value=value,
                                record_id=rec.record_id,
                                detail=f"loans.loan_id={value}",
                            )
                        )
                    continue
                tk = target_kind(rec, col)
                strong = _strong_value(rec, col)
                if tk is None or (value is None and strong is None):
                    continue
                entity = (
                    (value is not None and known.entities.get((tk, value)))
                    or (value is not None and graph_records.get(record_key(rec.source, tk, value)))
                    or (strong and known.strong.get((tk, strong)))
                    or (strong and graph_strong[tk].get(strong))
                )
                if entity:
                    rec.refs[col.name] = entity
                    continue
                rule = "invalid_reference" if (tk, value) in known.rejected else "dangling_reference"
                detail = f"{tk}.record_id={value}" + (f", {col.strong_id}={strong}" if strong else "")
                field = col.name if value is not None else (col.strong_id or col.name)
                rec.issues.append(
                    issue(
                        rule,
                        file=rec.file,
                        row=rec.row,
                        field=field,
                        value=value or strong,
                        record_id=rec.record_id,
                        detail=detail,
                    )
                )
        # 3. rows of this kind rejected now are not valid targets for later kinds
        for rec in recs:
            if rec.issues:
                if kind in PARTY_LABEL:
                    known.entities.pop((kind, rec.record_id), None)
                    known.rejected.add((kind, rec.record_id))
                    strong = rec.values.get("uscc") or rec.values.get("id_number")
                    if strong:
                        known.strong.pop((kind, strong), None)
                if kind == c.LOANS and rec.values.get("loan_id"):
                    known.loans.discard(rec.values["loan_id"])
                    known.rejected_loans.add(rec.values["loan_id"])
