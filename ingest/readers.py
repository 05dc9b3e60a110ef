"""Reading source files (CSV, XLSX, JSON Lines) into raw rows, with encoding detection.

A reader's only job is to turn bytes into ``{column: raw value}`` rows and to refuse — with one
bilingual error — a file that is not what its name claims (binary, empty, undecodable, missing
required columns). Values are not interpreted here; validation does that.
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

from charset_normalizer import from_bytes

from ingest.contract import FILE_EXTENSIONS, KIND_NAMES, FileKind, file_kind
from ingest.issues import FileRefused, Issue, issue

csv.field_size_limit(10_000_000)


@dataclass
class RawRow:
    row: int  # 1-based data row number (header excluded)
    values: dict[str, Any]
    problem: Issue | None = None  # a row the reader could not split into fields (bad JSON line …)


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
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 13, 12))
    return controls > max(2, len(sample) // 100)


def decode(path: Path, data: bytes) -> tuple[str, str]:
    """Decode CSV/JSONL bytes: UTF-8 with BOM, UTF-8, GB18030 (strict), else charset-normalizer's guess."""
    if not data.strip():
        raise _refuse(path, "文件为空", "the file is empty")
    if _looks_binary(data):
        raise _refuse(path, "文件是二进制内容，不是文本表格", "the file is binary, not a text table")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is not None and best.encoding:
        try:
            return data.decode(best.encoding), best.encoding
        except (UnicodeDecodeError, LookupError):
            pass
    raise _refuse(
        path,
        "无法识别文件编码（支持 UTF-8、UTF-8 BOM、GB18030）",
        "cannot decode the file (UTF-8, UTF-8 with BOM and GB18030 are supported)",
    )


def _norm_header(name: object) -> str:
    return str(name or "").replace("\ufeff", "").strip().lower()


def _check_header(path: Path, kind: FileKind, columns: list[str]) -> list[Issue]:
    missing = [c for c in kind.required_columns if c not in columns]
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


def read_csv(path: Path, kind: FileKind) -> RawFile:
    text, encoding = decode(path, path.read_bytes())
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise _refuse(path, "文件为空", "the file is empty") from None
    except csv.Error as exc:
        raise _refuse(path, f"无法解析 CSV：{exc}", f"cannot parse CSV: {exc}") from None
    columns = [_norm_header(h) for h in header]
    warnings = _check_header(path, kind, columns)
    rows: list[RawRow] = []
    n = 0
    try:
        for fields in reader:
            n += 1
            if not any(f.strip() for f in fields):
                continue  # blank lines are not rows
            values = {c: v for c, v in zip(columns, fields, strict=False) if c}
            raw = RawRow(n, values)
            if len(fields) > len(columns) and any(f.strip() for f in fields[len(columns) :]):
                raw.problem = issue(
                    "column_count",
                    file=path.name,
                    row=n,
                    field="",
                    value=len(fields),
                    record_id=str(values.get("record_id", "")),
                )
            rows.append(raw)
    except csv.Error as exc:
        raise _refuse(
            path, f"第 {n + 1} 行无法解析 CSV：{exc}", f"cannot parse CSV at row {n + 1}: {exc}"
        ) from None
    return RawFile(path, kind, encoding, columns, rows, warnings)


def read_xlsx(path: Path, kind: FileKind) -> RawFile:
    from openpyxl import load_workbook

    data = path.read_bytes()
    if not data:
        raise _refuse(path, "文件为空", "the file is empty")
    if not zipfile.is_zipfile(path):
        raise _refuse(path, "不是有效的 XLSX 文件", "not a valid XLSX workbook")
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken workbook
        raise _refuse(path, f"无法打开 XLSX：{exc}", f"cannot open the XLSX workbook: {exc}") from None
    try:
        ws = wb.worksheets[0]
        it = ws.iter_rows(values_only=True)
        header = next(it, None)
        if header is None or not any(h is not None and str(h).strip() for h in header):
            raise _refuse(path, "工作表为空", "the worksheet is empty")
        columns = [_norm_header(h) for h in header]
        warnings = _check_header(path, kind, columns)
        rows: list[RawRow] = []
        for n, cells in enumerate(it, start=1):
            if not any(c is not None and str(c).strip() for c in cells):
                continue
            rows.append(RawRow(n, {c: v for c, v in zip(columns, cells, strict=False) if c}))
    finally:
        wb.close()
    return RawFile(path, kind, "xlsx", columns, rows, warnings)


def read_jsonl(path: Path, kind: FileKind) -> RawFile:
    text, encoding = decode(path, path.read_bytes())
    rows: list[RawRow] = []
    columns: list[str] = []
    seen: set[str] = set()
    parsed_any = False
    for n, line in enumerate(text.splitlines(), start=1):
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
        values = {_norm_header(k): v for k, v in obj.items()}
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
    warnings = _check_header(path, kind, columns)
    return RawFile(path, kind, encoding, columns, rows, warnings)


READERS = {".csv": read_csv, ".xlsx": read_xlsx, ".jsonl": read_jsonl}


def read_file(path: Path) -> RawFile:
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
    return READERS[path.suffix.lower()](path, file_kind(kind))
