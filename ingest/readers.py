"""Reading source files (CSV, XLSX, JSON Lines) into raw rows, with encoding detection.

A reader's only job is to turn bytes into ``{column: raw value}`` rows and to refuse — with one
bilingual error — a file that is not what its name claims (binary, empty, undecodable, missing
required columns). Values are not interpreted here; validation does that. What a reader cannot
read faithfully (a row with a wrong number of fields, a JSON line that is no object, a formula cell
without a saved result) becomes the row's ``problem``, so that row is rejected and no other.
Headers are matched through the contract's names, their Chinese names and the source's mapping.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.contract import FILE_EXTENSIONS, KIND_NAMES, FileKind, file_kind
from ingest.encoding import decode_text
from ingest.issues import WARNING, FileRefused, Issue, issue
from ingest.mapping import DEFAULT_FORMAT, SourceFormat, header_aliases, norm_header

csv.field_size_limit(10_000_000)


@dataclass
class RawRow:
    row: int  # 1-based data row number (header excluded)
    values: dict[str, Any]
    problem: Issue | None = None  # a row the reader could not split into fields (bad JSON line …)
    notes: list[Issue] = field(default_factory=list)  # warnings about the row (merged cells filled …)


@dataclass
class RawFile:
    path: Path
    kind: FileKind
    encoding: str
    columns: list[str]
    rows: list[RawRow]
    warnings: list[Issue] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.name


def kind_of(path: Path) -> str | None:
    """The file kind a path names (``companies.csv`` → ``companies``), or None."""
    if path.suffix.lower() not in FILE_EXTENSIONS:
        return None
    stem = path.stem.lower()
    return stem if stem in KIND_NAMES else None


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[Path]]:
    """Expand folders into the files named by a kind. Returns (files to read, files ignored)."""
    found: list[Path] = []
    ignored: list[Path] = []
    for p in paths:
        if p.is_dir():
            for child in sorted(p.iterdir()):
                if child.is_file():
                    (found if kind_of(child) else ignored).append(child)
        else:
            found.append(p)
    return found, ignored


def _refuse(path: Path, zh: str, en: str) -> FileRefused:
    return FileRefused(path.name, zh, en)


def _looks_binary(data: bytes) -> bool:
    """Binary when NULs or control bytes are common; a stray NUL in a text file rejects its row only."""
    sample = data[:8192]
    limit = max(2, len(sample) // 100)
    if sample.count(b"\x00") > limit:
        return True
    controls = sum(1 for b in sample if b < 32 and b not in (0, 9, 10, 13, 12))
    return controls > limit


def decode(path: Path, data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Decode CSV/JSONL bytes (see ``ingest.encoding``); ``encoding`` forces one."""
    if not data.strip():
        raise _refuse(path, "文件为空", "the file is empty")
    if _looks_binary(data):
        raise _refuse(path, "文件是二进制内容，不是文本表格", "the file is binary, not a text table")
    try:
        return decode_text(data, encoding)
    except ValueError as exc:
        zh, _, en = str(exc).partition(" / ")
        raise _refuse(path, zh, en or zh) from None


def _columns(kind: FileKind, header: Iterable[object], fmt: SourceFormat) -> list[str]:
    """Header cells → contract column names (unknown headers stay as written, lower case)."""
    aliases = header_aliases(kind, fmt.kind(kind.kind))
    return [aliases.get(norm_header(h), norm_header(h)) for h in header]


def _check_header(
    path: Path, kind: FileKind, columns: list[str], fmt: SourceFormat = DEFAULT_FORMAT
) -> list[Issue]:
    defaults = fmt.kind(kind.kind).defaults
    missing = [c for c in kind.required_columns if c not in columns and c not in defaults]
    if missing:
        raise _refuse(
            path,
            f"缺少必需的列：{', '.join(missing)}（这不是一个 {kind.kind} 文件？）",
            f"missing required columns: {', '.join(missing)} (not a {kind.kind} file?)",
        )
    dupes = sorted({c for c in columns if c and columns.count(c) > 1})
    if dupes:
        raise _refuse(path, f"列名重复：{', '.join(dupes)}", f"duplicate column names: {', '.join(dupes)}")
    unknown = [c for c in columns if c and c not in kind.column_names]
    if unknown:
        return [
            issue(
                "unknown_column",
                file=path.name,
                row=0,
                field=",".join(unknown),
                value="",
                detail=", ".join(unknown),
                severity="warning",
            )
        ]
    return []


def read_csv(path: Path, kind: FileKind, fmt: SourceFormat = DEFAULT_FORMAT) -> RawFile:
    text, encoding = decode(path, path.read_bytes(), fmt.encoding)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise _refuse(path, "文件为空", "the file is empty") from None
    except csv.Error as exc:
        raise _refuse(path, f"无法解析 CSV：{exc}", f"cannot parse CSV: {exc}") from None
    columns = _columns(kind, header, fmt)
    warnings = _check_header(path, kind, columns, fmt)
    rows: list[RawRow] = []
    n = 0
    width = len(columns)
    unnamed = "" in columns  # a header cell left empty: its column is dropped from every row
    try:
        for fields in reader:
            n += 1
            if not "".join(fields).strip():  # one scan: no field holds anything but whitespace
                continue  # blank lines are not rows
            if unnamed:
                values = {c: v for c, v in zip(columns, fields, strict=False) if c}
            else:
                values = dict(zip(columns, fields, strict=False))
            raw = RawRow(n, values)
            extra = len(fields) > width and any(f.strip() for f in fields[width:])
            if extra or len(fields) < width:
                raw.problem = issue(
                    "column_count",
                    file=path.name,
                    row=n,
                    field="",
                    value=len(fields),
                    record_id=str(values.get("record_id", "")),
                    detail=f"{len(fields)} ≠ {width}",
                )
            rows.append(raw)
    except csv.Error as exc:
        raise _refuse(
            path, f"第 {n + 1} 行无法解析 CSV：{exc}", f"cannot parse CSV at row {n + 1}: {exc}"
        ) from None
    return RawFile(path, kind, encoding, columns, rows, warnings)


def _sheet_features(path: Path) -> tuple[bool, bool]:
    """(has formulas, has merged cells), from the worksheets' XML, so plain sheets stay on the fast path."""
    formulas = merges = False
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                data = z.read(name)
                formulas = formulas or b"<f>" in data or b"<f " in data
                merges = merges or b"<mergeCell " in data
    return formulas, merges


def _formulas(path: Path) -> dict[tuple[int, int], str]:
    """(row, column) → formula text of every formula cell of the first sheet (0-based, header = row 0)."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=False)
    try:
        found: dict[tuple[int, int], str] = {}
        for r, cells in enumerate(wb.worksheets[0].iter_rows(values_only=True)):
            for col, v in enumerate(cells):
                if isinstance(v, str) and v.startswith("="):
                    found[(r, col)] = v
        return found
    finally:
        wb.close()


def read_xlsx(path: Path, kind: FileKind, fmt: SourceFormat = DEFAULT_FORMAT) -> RawFile:
    """The first worksheet as Excel shows it: a formula's saved result (a formula without one rejects
    its row with ``formula_without_value``), a merged range's value in every cell of the range."""
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    data = path.read_bytes()
    if not data:
        raise _refuse(path, "文件为空", "the file is empty")
    if not zipfile.is_zipfile(path):
        raise _refuse(path, "不是有效的 XLSX 文件", "not a valid XLSX workbook")
    try:
        has_formulas, has_merges = _sheet_features(path)
        wb = load_workbook(path, read_only=not has_merges, data_only=True)
        formulas = _formulas(path) if has_formulas else {}
    except Exception as exc:  # openpyxl raises many kinds for a broken workbook
        raise _refuse(path, f"无法打开 XLSX：{exc}", f"cannot open the XLSX workbook: {exc}") from None
    try:
        ws = wb.worksheets[0]
        merged: dict[tuple[int, int], tuple[Any, str]] = {}
        for rng in getattr(ws, "merged_cells", None) and ws.merged_cells.ranges or ():
            value = ws.cell(rng.min_row, rng.min_col).value
            for r in range(rng.min_row, rng.max_row + 1):
                for col in range(rng.min_col, rng.max_col + 1):
                    if (r, col) != (rng.min_row, rng.min_col):
                        merged[(r - 1, col - 1)] = (value, rng.coord)
        it = enumerate(ws.iter_rows(values_only=True))
        first = next(it, None)
        header = list(first[1]) if first else None
        if header is not None:
            header = [merged[(0, i)][0] if (0, i) in merged else h for i, h in enumerate(header)]
        if header is None or not any(h is not None and str(h).strip() for h in header):
            raise _refuse(path, "工作表为空", "the worksheet is empty")
        columns = _columns(kind, header, fmt)
        warnings = _check_header(path, kind, columns, fmt)
        rows: list[RawRow] = []
        for r, cells_t in it:
            cells = list(cells_t)
            filled: list[tuple[int, str]] = []
            for i in range(len(cells)):
                if (r, i) in merged and i < len(columns) and columns[i]:
                    cells[i], coord = merged[(r, i)]
                    filled.append((i, coord))
            if not any(c is not None and str(c).strip() for c in cells):
                continue
            values = {c: v for c, v in zip(columns, cells, strict=False) if c}
            rid = "" if values.get("record_id") is None else str(values["record_id"])
            notes = [
                issue(
                    "merged_cell",
                    file=path.name,
                    row=r,
                    field=columns[i],
                    value="" if cells[i] is None else cells[i],
                    record_id=rid,
                    detail=coord,
                    severity=WARNING,
                )
                for i, coord in filled
            ]
            raw = RawRow(r, values, notes=notes)
            lost = [
                f"{get_column_letter(i + 1)}{r + 1} {formulas[(r, i)]}"
                for i, v in enumerate(cells)
                if v is None and (r, i) in formulas and i < len(columns) and columns[i]
            ]
            if lost:
                raw.problem = issue(
                    "formula_without_value",
                    file=path.name,
                    row=r,
                    field=",".join(
                        columns[i] for i, v in enumerate(cells) if v is None and (r, i) in formulas
                    ),
                    value=lost[0],
                    record_id=rid,
                    detail="; ".join(lost),
                )
            rows.append(raw)
    finally:
        wb.close()
    return RawFile(path, kind, "xlsx", columns, rows, warnings)


def read_jsonl(path: Path, kind: FileKind, fmt: SourceFormat = DEFAULT_FORMAT) -> RawFile:
    """One JSON object per line; lines end at ``\n`` only (U+2028, U+0085 … are text inside a value)."""
    text, encoding = decode(path, path.read_bytes(), fmt.encoding)
    rows: list[RawRow] = []
    columns: list[str] = []
    seen: set[str] = set()
    parsed_any = False
    aliases = header_aliases(kind, fmt.kind(kind.kind))
    for n, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            obj = None
        if not isinstance(obj, dict):
            rows.append(
                RawRow(n, {}, issue("json_format", file=path.name, row=n, field="", value=line[:200]))
            )
            continue
        parsed_any = True
        values = {aliases.get(norm_header(k), norm_header(k)): v for k, v in obj.items()}
        for k in values:
            if k not in seen:
                seen.add(k)
                columns.append(k)
        rows.append(RawRow(n, values))
    if not parsed_any:
        raise _refuse(
            path,
            "不是 JSON Lines 文件（没有任何一行是 JSON 对象）",
            "not a JSON Lines file (no line is a JSON object)",
        )
    warnings = _check_header(path, kind, columns, fmt)
    return RawFile(path, kind, encoding, columns, rows, warnings)


READERS = {".csv": read_csv, ".xlsx": read_xlsx, ".jsonl": read_jsonl}


def read_file(path: Path, fmt: SourceFormat = DEFAULT_FORMAT) -> RawFile:
    """Read one source file; raises FileRefused when it is not a readable file of its kind."""
    kind = kind_of(path)
    if kind is None:
        raise _refuse(
            path,
            f"无法从文件名判断文件类别（应为 {'/'.join(KIND_NAMES)} 之一，扩展名 {'/'.join(FILE_EXTENSIONS)}）",
            f"the file name names no kind (expected one of {'/'.join(KIND_NAMES)} with {'/'.join(FILE_EXTENSIONS)})",
        )
    if not path.is_file():
        raise _refuse(path, "文件不存在", "no such file")
    return READERS[path.suffix.lower()](path, file_kind(kind), fmt)
