"""Row validation: raw rows → typed records, or per-row issues naming field, value and rule.

A row with any error is rejected whole (a half-loaded row would be a fact nobody sent). Checks that
need several rows (duplicate record ids, holdings summing over 100%) run after the single-row checks;
checks that need the graph (dangling references) live in ``ingest.references``.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ingest import contract as c
from ingest.issues import WARNING, Issue, issue
from ingest.readers import RawFile, RawRow
from ingest.values import Invalid, as_text, is_blank, parse_phone, parse_resident_id, parse_uscc, parse_value

PCT_TOLERANCE = 0.01


@dataclass
class Record:
    """One accepted source row with typed values and its identity in the source."""

    kind: str
    source: str
    file: str
    row: int
    record_id: str
    values: dict[str, Any]
    payload: str  # the row's values as received, JSON
    content_hash: str
    issues: list[Issue] = field(default_factory=list)
    refs: dict[str, str] = field(default_factory=dict)  # reference column → resolved entity id / loan id

    @property
    def record_key(self) -> str:
        return record_key(self.source, self.kind, self.record_id)


def record_key(source: str, kind: str, record_id: str) -> str:
    return f"{source}|{kind}|{record_id}"


def payload_of(kind: str, raw: dict[str, Any]) -> tuple[str, str]:
    """The row as received (contract columns only, as text) and its content hash."""
    fk = c.file_kind(kind)
    received = {col: as_text(raw[col]) for col in fk.column_names if col in raw and not is_blank(raw[col])}
    payload = json.dumps(received, ensure_ascii=False, sort_keys=True)
    return payload, hashlib.sha256(f"{kind}\n{payload}".encode()).hexdigest()


def _strong_party_id(kind_code: str | None, value: Any) -> tuple[str, str | None]:
    """Validate a ``*_strong_id`` by the party kind: (column type used, normalized id or None if masked)."""
    if kind_code == "company":
        return c.USCC, parse_uscc(value)
    full, _masked = parse_resident_id(value)
    return c.RESIDENT_ID, full


def validate_row(raw: RawRow, fk: c.FileKind, source: str, file: str) -> Record:
    """Typed record of one row; ``record.issues`` holds its errors (empty when accepted)."""
    values: dict[str, Any] = {}
    issues: list[Issue] = [raw.problem] if raw.problem else []
    rid = as_text(raw.values.get("record_id", "")) if not is_blank(raw.values.get("record_id")) else ""
    for col in fk.columns:
        value = raw.values.get(col.name)
        if is_blank(value):
            if col.required:
                issues.append(
                    issue("required", file=file, row=raw.row, field=col.name, value="", record_id=rid)
                )
            values[col.name] = None
            continue
        try:
            if col.name.endswith("_strong_id"):
                kind_col = col.name.replace("_strong_id", "_kind")
                kind_code = values.get(kind_col)
                values[col.name] = _strong_party_id(kind_code, value)[1]
            else:
                values[col.name] = parse_value(col, value)
        except Invalid as exc:
            issues.append(
                issue(
                    exc.rule,
                    file=file,
                    row=raw.row,
                    field=col.name,
                    value=as_text(value),
                    record_id=rid,
                    detail=exc.detail,
                )
            )
            values[col.name] = None
    # resident ids come back as (full, masked): spread them into the stored shape
    for col in fk.columns:
        if col.type == c.RESIDENT_ID and isinstance(values.get(col.name), tuple):
            full, masked = values[col.name]
            values[col.name] = full
            values[col.name.replace("id_number", "id_masked")] = masked
    if fk.kind == c.CONTACTS and values.get("contact_type") == "phone" and values.get("value") is not None:
        try:
            parse_phone(values["value"])
        except Invalid as exc:
            issues.append(
                issue(exc.rule, file=file, row=raw.row, field="value", value=values["value"], record_id=rid)
            )
    payload, content_hash = payload_of(fk.kind, raw.values)
    return Record(fk.kind, source, file, raw.row, rid, values, payload, content_hash, issues)


def validate_file(raw_file: RawFile, source: str) -> list[Record]:
    return [validate_row(r, raw_file.kind, source, raw_file.name) for r in raw_file.rows]


def check_duplicates(records: list[Record]) -> None:
    """Within one ingest, a record id may appear once per kind; later repeats are rejected."""
    first: dict[tuple[str, str], Record] = {}
    for rec in records:
        if rec.issues or not rec.record_id:
            continue
        key = (rec.kind, rec.record_id)
        if key in first:
            prev = first[key]
            where = f"{prev.file}:{prev.row}"
            rec.issues.append(
                issue(
                    "duplicate_record_id",
                    file=rec.file,
                    row=rec.row,
                    field="record_id",
                    value=rec.record_id,
                    record_id=rec.record_id,
                    detail=where,
                )
            )
        else:
            first[key] = rec


def check_shareholding_sums(records: list[Record]) -> list[Issue]:
    """Warn (not reject) for every current holding of a company whose holdings sum over 100%.

    No single row can be blamed — the register may mix extract dates — so all rows load and each is
    listed in the rejects file as a warning for the data officer to review.
    """
    by_company: dict[str, list[Record]] = defaultdict(list)
    for rec in records:
        if rec.kind != c.SHAREHOLDINGS or rec.issues or rec.values.get("valid_to") is not None:
            continue
        by_company[rec.values["company_ref"]].append(rec)
    warnings: list[Issue] = []
    for company_ref, recs in by_company.items():
        total = sum(r.values["pct"] or 0.0 for r in recs)
        if total > 100 + PCT_TOLERANCE:
            for r in recs:
                warnings.append(
                    issue(
                        "shareholding_over_100",
                        file=r.file,
                        row=r.row,
                        field="pct",
                        value=r.values["pct"],
                        record_id=r.record_id,
                        detail=f"company_ref={company_ref}, total={total:g}%",
                        severity=WARNING,
                    )
                )
    return warnings
