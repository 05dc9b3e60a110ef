"""Row validation: raw rows → typed records, or per-row issues naming field, value and rule.

A row with any error is rejected whole (a half-loaded row would be a fact nobody sent). Checks that
need several rows (duplicate record ids, holdings summing over 100%) run after the single-row checks;
checks that need the graph (dangling references) live in ``ingest.references``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ingest import contract as c
from ingest.issues import WARNING, Issue, issue
from ingest.mapping import DEFAULT_FORMAT, SourceFormat
from ingest.readers import RawFile, RawRow
from ingest.values import (
    Invalid,
    as_text,
    birth_date_of_id,
    check_length,
    is_blank,
    parse_phone,
    parse_resident_id,
    parse_uscc,
    parse_value,
)

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
    issues: list[Issue] = field(default_factory=list)  # errors: any one rejects the row
    refs: dict[str, str] = field(default_factory=dict)  # reference column → resolved entity id / loan id
    warnings: list[Issue] = field(default_factory=list)  # data-quality findings on a loaded row

    @property
    def record_key(self) -> str:
        return record_key(self.source, self.kind, self.record_id)


def record_key(source: str, kind: str, record_id: str) -> str:
    return f"{source}|{kind}|{record_id}"


_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True)  # one encoder, not one per row


def _payload(kind: str, received: dict[str, str]) -> tuple[str, str]:
    payload = _ENCODER.encode(received)
    return payload, hashlib.sha256(f"{kind}\n{payload}".encode()).hexdigest()


def _strong_party_id(kind_code: str | None, value: Any) -> tuple[str, str | None]:
    """Validate a ``*_strong_id`` by the party kind: (column type used, normalized id or None if masked)."""
    if kind_code == "company":
        return c.USCC, parse_uscc(value)
    full, _masked = parse_resident_id(value)
    return c.RESIDENT_ID, full


# dates that cannot lie in the future (a person not yet born, a company not yet registered)
PAST_DATES = frozenset({"birth_date", "established"})


def _today() -> dt.date:
    return dt.date.today()


def _nul_fields(raw: RawRow) -> list[str]:
    try:  # all text (CSV): one scan of the joined row finds that nearly every row is clean
        if "\x00" not in "".join(raw.values.values()):
            return []
    except TypeError:  # spreadsheet numbers and dates, JSON values: cell by cell
        pass
    return [k for k, v in raw.values.items() if isinstance(v, str) and "\x00" in v]


def validate_row(
    raw: RawRow, fk: c.FileKind, source: str, file: str, fmt: SourceFormat = DEFAULT_FORMAT
) -> Record:
    """Typed record of one row; ``record.issues`` holds its errors (empty when accepted).

    Each raw value is turned into text once: that text is length-checked, parsed and, for the
    contract's columns, becomes the row's payload (what was received, kept on its SourceRecord).
    """
    mapping = fmt.kind(fk.kind)
    values: dict[str, Any] = {}
    issues: list[Issue] = [raw.problem] if raw.problem else []
    warnings: list[Issue] = list(raw.notes)
    rid_raw = raw.values.get("record_id")
    rid = "" if is_blank(rid_raw) else as_text(rid_raw)
    received: dict[str, str] = {}
    today = _today()

    def reject(rule: str, col: str, value: object, detail: str = "") -> None:
        issues.append(
            issue(rule, file=file, row=raw.row, field=col, value=value, record_id=rid, detail=detail)
        )

    for col_name in _nul_fields(raw):
        reject("nul_byte", col_name, repr(raw.values[col_name][:200])[1:-1])
    get = raw.values.get
    defaults = mapping.defaults
    for col in fk.columns:
        value = get(col.name)
        # text cells (CSV, JSONL strings) take the fast path; spreadsheet numbers and dates the general one
        text = value.strip() if value.__class__ is str else ("" if is_blank(value) else as_text(value))
        if not text and col.name in defaults:
            value = text = defaults[col.name]
        if not text:
            if col.required:
                reject("required", col.name, "")
            values[col.name] = None
            continue
        received[col.name] = text
        try:
            check_length(col, text)
            if value.__class__ is str:
                value = text  # parsers trim text themselves; hand them the trimmed text once
            if col.name in mapping.values:
                value = mapping.values[col.name].get(text, value)
            if col.type == c.STRING:
                values[col.name] = text
            elif col.name.endswith("_strong_id"):
                kind_col = col.name.replace("_strong_id", "_kind")
                kind_code = values.get(kind_col)
                values[col.name] = _strong_party_id(kind_code, value)[1]
            else:
                values[col.name] = parse_value(
                    col, value, decimal_mark=fmt.decimal_mark, date_formats=fmt.date_formats
                )
            if col.name in PAST_DATES and values[col.name] > today:
                raise Invalid("future_date", values[col.name].isoformat())
        except Invalid as exc:
            shown = text if len(text) <= 200 else f"{text[:200]}…"
            reject(exc.rule, col.name, shown, exc.detail)
            values[col.name] = None
    # resident ids come back as (full, masked): spread them into the stored shape
    for col in fk.columns:
        if col.type == c.RESIDENT_ID and isinstance(values.get(col.name), tuple):
            full, masked = values[col.name]
            values[col.name] = full
            values[col.name.replace("id_number", "id_masked")] = masked
    if fk.kind == c.PERSONS and values.get("id_number"):
        born = birth_date_of_id(values["id_number"])
        if born and born > today:
            reject("future_date", "id_number", values["id_number"], born.isoformat())
        given = values.get("birth_date")
        if born and given and born != given:
            warnings.append(
                issue(
                    "birth_date_mismatch",
                    file=file,
                    row=raw.row,
                    field="birth_date",
                    value=given.isoformat(),
                    record_id=rid,
                    detail=f"{given.isoformat()} ≠ {born.isoformat()}",
                    severity=WARNING,
                )
            )
    if fk.kind == c.CONTACTS and values.get("contact_type") == "phone" and values.get("value") is not None:
        try:
            parse_phone(values["value"])
        except Invalid as exc:
            reject(exc.rule, "value", values["value"])
    payload, content_hash = _payload(fk.kind, received)
    return Record(
        fk.kind, source, file, raw.row, rid, values, payload, content_hash, issues, warnings=warnings
    )


def validate_file(raw_file: RawFile, source: str, fmt: SourceFormat = DEFAULT_FORMAT) -> list[Record]:
    fk = raw_file.kind
    return [validate_row(r, fk, source, raw_file.name, fmt) for r in raw_file.rows]


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
