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
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from json.encoder import encode_basestring
from typing import Any

from ingest import contract as c
from ingest.issues import WARNING, Issue, issue
from ingest.mapping import DEFAULT_FORMAT, SourceFormat
from ingest.readers import RawFile, RawRow
from ingest.values import (
    MAX_LENGTH,
    Invalid,
    as_text,
    birth_date_of_id,
    is_blank,
    parse_bool,
    parse_date,
    parse_decimal,
    parse_enum,
    parse_id,
    parse_percent,
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

    @cached_property
    def record_key(self) -> str:  # asked for many times per row while it is written
        return record_key(self.source, self.kind, self.record_id)


def record_key(source: str, kind: str, record_id: str) -> str:
    return f"{source}|{kind}|{record_id}"


_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True)  # one encoder, not one per row
_encode_text = encode_basestring  # what _ENCODER writes for a str (ensure_ascii off)


def _payload(
    kind: str, received: dict[str, str], sorted_keys: tuple[tuple[str, str], ...] = ()
) -> tuple[str, str]:
    """The received values as JSON (keys sorted) and the row's content hash over it.

    ``sorted_keys`` — every column name in sorted order, each with its encoded ``"name": `` — makes
    the very text ``_ENCODER`` writes without sorting and re-encoding the names for every row (the
    hash of an unchanged row must stay what earlier batches stored)."""
    try:
        if not sorted_keys:
            raise TypeError
        payload = (
            "{"
            + ", ".join([prefix + _encode_text(received[k]) for k, prefix in sorted_keys if k in received])
            + "}"
        )
    except TypeError:  # a value that is not text (never from the validator itself): the encoder
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


@dataclass(frozen=True)
class _ColumnPlan:
    """What validating one column of one file kind needs, decided once per file instead of per cell."""

    name: str
    required: bool
    default: str | None  # the mapping's raw value for a blank cell
    limit: int  # MAX_LENGTH of the column's type
    mapped: dict[str, str] | None  # the mapping's value → code table
    is_string: bool
    strong_kind_column: str | None  # ``*_strong_id``: the sibling column naming the party's kind
    parse: Callable[[Any], Any]
    past_only: bool  # a date that cannot lie in the future


@dataclass(frozen=True)
class RowPlan:
    columns: tuple[_ColumnPlan, ...]
    resident_ids: tuple[str, ...]  # columns whose parse gives (full, masked)
    payload_keys: tuple[tuple[str, str], ...]  # column names sorted, each with its JSON ``"name": ``


def _parser(col: c.Column, fmt: SourceFormat) -> Callable[[Any], Any]:
    """The parse function of one column, its format options bound (``parse_value`` without the
    type dispatch)."""
    t, dm, df = col.type, fmt.decimal_mark, fmt.date_formats
    if t == c.ID:
        return parse_id
    if t == c.USCC:
        return parse_uscc
    if t == c.RESIDENT_ID:
        return parse_resident_id
    if t == c.DATE:
        return lambda v: parse_date(v, df)
    if t == c.DECIMAL:
        return lambda v: parse_decimal(v, dm)
    if t == c.PERCENT:
        return lambda v: parse_percent(v, dm)
    if t == c.ENUM and col.codes:
        codes = col.codes
        return lambda v: parse_enum(v, codes)
    if t == c.PHONE:
        return parse_phone
    if t == c.BOOL:
        return parse_bool
    return lambda v: parse_value(col, v, decimal_mark=dm, date_formats=df)


def row_plan(fk: c.FileKind, fmt: SourceFormat = DEFAULT_FORMAT) -> RowPlan:
    mapping = fmt.kind(fk.kind)
    cols = tuple(
        _ColumnPlan(
            name=col.name,
            required=col.required,
            default=mapping.defaults.get(col.name),
            limit=MAX_LENGTH[col.type],
            mapped=mapping.values.get(col.name),
            is_string=col.type == c.STRING,
            strong_kind_column=(
                col.name.replace("_strong_id", "_kind")
                if col.type != c.STRING and col.name.endswith("_strong_id")
                else None
            ),
            parse=_parser(col, fmt),
            past_only=col.name in PAST_DATES,
        )
        for col in fk.columns
    )
    return RowPlan(
        cols,
        tuple(col.name for col in fk.columns if col.type == c.RESIDENT_ID),
        tuple((name, _encode_text(name) + ": ") for name in sorted(col.name for col in fk.columns)),
    )


def validate_row(
    raw: RawRow,
    fk: c.FileKind,
    source: str,
    file: str,
    fmt: SourceFormat = DEFAULT_FORMAT,
    plan: RowPlan | None = None,
) -> Record:
    """Typed record of one row; ``record.issues`` holds its errors (empty when accepted).

    Each raw value is turned into text once: that text is length-checked, parsed and, for the
    contract's columns, becomes the row's payload (what was received, kept on its SourceRecord).
    ``plan`` is ``row_plan(fk, fmt)``, made once per file by ``validate_file``.
    """
    plan = plan or row_plan(fk, fmt)
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
    for p in plan.columns:
        name = p.name
        value = get(name)
        # text cells (CSV, JSONL strings) take the fast path; spreadsheet numbers and dates the general one
        text = value.strip() if value.__class__ is str else ("" if is_blank(value) else as_text(value))
        if not text and p.default is not None:
            value = text = p.default
        if not text:
            if p.required:
                reject("required", name, "")
            values[name] = None
            continue
        received[name] = text
        try:
            if len(text) > p.limit:
                raise Invalid("too_long", f"{len(text):,} > {p.limit:,}")
            if value.__class__ is str:
                value = text  # parsers trim text themselves; hand them the trimmed text once
            if p.mapped is not None:
                value = p.mapped.get(text, value)
            if p.is_string:
                values[name] = text
            elif p.strong_kind_column is not None:
                values[name] = _strong_party_id(values.get(p.strong_kind_column), value)[1]
            else:
                values[name] = p.parse(value)
            if p.past_only and values[name] > today:
                raise Invalid("future_date", values[name].isoformat())
        except Invalid as exc:
            shown = text if len(text) <= 200 else f"{text[:200]}…"
            reject(exc.rule, name, shown, exc.detail)
            values[name] = None
    # resident ids come back as (full, masked): spread them into the stored shape
    for name in plan.resident_ids:
        if isinstance(values.get(name), tuple):
            full, masked = values[name]
            values[name] = full
            values[name.replace("id_number", "id_masked")] = masked
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
    payload, content_hash = _payload(fk.kind, received, plan.payload_keys)
    return Record(
        fk.kind, source, file, raw.row, rid, values, payload, content_hash, issues, warnings=warnings
    )


def validate_file(raw_file: RawFile, source: str, fmt: SourceFormat = DEFAULT_FORMAT) -> list[Record]:
    fk = raw_file.kind
    plan = row_plan(fk, fmt)
    return [validate_row(r, fk, source, raw_file.name, fmt, plan) for r in raw_file.rows]


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
