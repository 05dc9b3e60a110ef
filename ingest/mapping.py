"""How one source writes its files: encoding, decimal mark, date formats, its own column names and codes.

A bank exports from its own systems: Chinese headers, its own column names, its own code values
(``1``/``2`` for company/person), ``31.12.2023`` dates, ``1.234,50`` amounts. Rather than code per
bank, a per-source mapping file (``--mapping source.yaml``) states these once. It is validated
completely before any row is read, so a typo refuses the run with every problem named instead of
rejecting a million rows one by one. The contract's Chinese column names are accepted as headers
without any mapping.

Format (every key optional)::

    encoding: gb18030          # force one encoding (else decided from the bytes)
    decimal: comma             # point (default) or comma: 1.234,50
    date_formats: ["%d.%m.%Y", "%Y年%m月%d日"]   # tried before the standard forms
    kinds:
      companies:
        columns: {客户名称: name, 信用代码: uscc}     # source header → contract column
      shareholdings:
        columns: {股东编号: holder_ref}
        values:                                       # contract column → {source value: code}
          holder_kind: {"1": company, "2": person}
        defaults: {holder_kind: company}              # used where the column is absent or empty
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ingest import contract as c

DECIMAL_MARKS = {"point": ".", "comma": ","}
_TOP_KEYS = {"encoding", "decimal", "date_formats", "kinds"}
_KIND_KEYS = {"columns", "values", "defaults"}


class MappingError(ValueError):
    """A mapping file that cannot be used; the message (bilingual) lists every problem."""


@dataclass(frozen=True)
class KindMapping:
    columns: dict[str, str] = field(default_factory=dict)  # normalized source header → contract column
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # contract column → value → code
    defaults: dict[str, str] = field(default_factory=dict)  # contract column → raw value when blank


@dataclass(frozen=True)
class SourceFormat:
    """Everything a reader and the validator need to know about one source's files."""

    encoding: str | None = None
    decimal_mark: str = "."
    date_formats: tuple[str, ...] = ()
    kinds: dict[str, KindMapping] = field(default_factory=dict)

    def kind(self, kind: str) -> KindMapping:
        return self.kinds.get(kind) or KindMapping()


DEFAULT_FORMAT = SourceFormat()


def norm_header(name: object) -> str:
    """A header cell as compared: BOM and outer space removed, lower case."""
    return str(name or "").replace("\ufeff", "").strip().lower()


def _unit_free(zh: str) -> str:
    return re.sub(r"（[^）]*）|\([^)]*\)", "", zh).strip()


def header_aliases(fk: c.FileKind, mapping: KindMapping | None = None) -> dict[str, str]:
    """Every accepted header of a kind → its contract column: the contract name, its Chinese name
    (with or without the unit in brackets, 注册资本（元） or 注册资本) and the mapping's renames."""
    aliases: dict[str, str] = {}
    for col in fk.columns:
        aliases[col.name] = col.name
        if col.zh:
            aliases.setdefault(norm_header(col.zh), col.name)
            aliases.setdefault(norm_header(_unit_free(col.zh)), col.name)
    if mapping:
        aliases.update(mapping.columns)
    return aliases


def _check_date_format(fmt: Any) -> bool:
    if not isinstance(fmt, str) or "%" not in fmt:
        return False
    sample = dt.date(2023, 12, 31)
    try:
        return dt.datetime.strptime(sample.strftime(fmt), fmt).date() == sample
    except ValueError:
        return False


def _kind_mapping(kind: str, spec: Any, problems: list[str]) -> KindMapping:
    where = f"kinds.{kind}"
    if kind not in c.KIND_NAMES:
        problems.append(f"{where}: 未知的文件类别 / unknown kind (expected one of {', '.join(c.KIND_NAMES)})")
        return KindMapping()
    if not isinstance(spec, dict):
        problems.append(f"{where}: 应为映射 / must be a mapping")
        return KindMapping()
    for key in sorted(set(spec) - _KIND_KEYS):
        problems.append(f"{where}.{key}: 未知的键 / unknown key (expected {', '.join(sorted(_KIND_KEYS))})")
    fk = c.file_kind(kind)
    columns: dict[str, str] = {}
    for src, target in (spec.get("columns") or {}).items():
        if target not in fk.column_names:
            problems.append(f"{where}.columns.{src}: {target!s} 不是 {kind} 的列 / is not a column of {kind}")
        else:
            columns[norm_header(src)] = str(target)
    targets = list(columns.values())
    for dup in sorted({t for t in targets if targets.count(t) > 1}):
        problems.append(f"{where}.columns: 多个列映射到 {dup} / several columns map to {dup}")
    values: dict[str, dict[str, str]] = {}
    for col_name, table in (spec.get("values") or {}).items():
        if col_name not in fk.column_names or not fk.column(col_name).codes:
            problems.append(f"{where}.values.{col_name}: 不是代码表列 / is not a code-list column of {kind}")
            continue
        codes = c.code_lookup(fk.column(col_name).codes or "")
        if not isinstance(table, dict):
            problems.append(f"{where}.values.{col_name}: 应为映射 / must be a mapping")
            continue
        values[col_name] = {}
        for src, code in table.items():
            if str(code) not in codes:
                problems.append(
                    f"{where}.values.{col_name}.{src}: {code!s} 不在代码表中 / is not a code "
                    f"({', '.join(sorted(set(codes.values())))})"
                )
            else:
                values[col_name][str(src).strip()] = codes[str(code)]
    defaults: dict[str, str] = {}
    for col_name, value in (spec.get("defaults") or {}).items():
        if col_name not in fk.column_names:
            problems.append(f"{where}.defaults.{col_name}: 不是 {kind} 的列 / is not a column of {kind}")
            continue
        codes_name = fk.column(col_name).codes
        if codes_name and str(value) not in c.code_lookup(codes_name):
            problems.append(f"{where}.defaults.{col_name}: {value!s} 不在代码表中 / is not a code")
            continue
        defaults[col_name] = str(value)
    return KindMapping(columns, values, defaults)


def parse_mapping(data: Any, *, name: str = "mapping") -> SourceFormat:
    """Validate a loaded mapping document; raises MappingError naming every problem."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise MappingError(f"{name}: 映射文件应为 YAML 映射 / the mapping file must be a YAML mapping")
    problems: list[str] = []
    for key in sorted(set(data) - _TOP_KEYS):
        problems.append(f"{key}: 未知的键 / unknown key (expected {', '.join(sorted(_TOP_KEYS))})")
    encoding = data.get("encoding")
    if encoding is not None:
        try:
            codecs.lookup(str(encoding))
        except LookupError:
            problems.append(f"encoding: 未知编码 / unknown encoding {encoding!s}")
    decimal = str(data.get("decimal", "point"))
    if decimal not in DECIMAL_MARKS:
        problems.append(f"decimal: 应为 point 或 comma / must be point or comma, not {decimal}")
    formats = data.get("date_formats") or []
    if not isinstance(formats, list):
        formats = [formats]
    for fmt in formats:
        if not _check_date_format(fmt):
            problems.append(
                f"date_formats: {fmt!s} 不是有效的日期格式 / is not a usable date format (e.g. %d.%m.%Y)"
            )
    kinds_spec = data.get("kinds") or {}
    kinds: dict[str, KindMapping] = {}
    if not isinstance(kinds_spec, dict):
        problems.append("kinds: 应为映射 / must be a mapping of kind → columns/values/defaults")
    else:
        for kind, spec in kinds_spec.items():
            kinds[str(kind)] = _kind_mapping(str(kind), spec, problems)
    if problems:
        raise MappingError(
            f"映射文件 {name} 无效 / the mapping file {name} is invalid:\n"
            + "\n".join(f"- {p}" for p in problems)
        )
    return SourceFormat(
        encoding=str(encoding) if encoding else None,
        decimal_mark=DECIMAL_MARKS.get(decimal, "."),
        date_formats=tuple(str(f) for f in formats),
        kinds=kinds,
    )


def load_mapping(path: Path) -> SourceFormat:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise MappingError(f"无法读取映射文件 / cannot read the mapping file {path}: {exc}") from None
    except yaml.YAMLError as exc:
        raise MappingError(
            f"映射文件不是有效的 YAML / the mapping file {path} is not valid YAML: {exc}"
        ) from None
    return parse_mapping(data, name=path.name)


def source_format(
    mapping: Path | None = None, *, encoding: str | None = None, decimal_comma: bool = False
) -> SourceFormat:
    """The format of a source from the command line: the mapping file, overridden by the flags."""
    fmt = load_mapping(mapping) if mapping else DEFAULT_FORMAT
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise MappingError(f"未知编码 / unknown encoding: {encoding}") from None
    return SourceFormat(
        encoding=encoding or fmt.encoding,
        decimal_mark="," if decimal_comma else fmt.decimal_mark,
        date_formats=fmt.date_formats,
        kinds=fmt.kinds,
    )
