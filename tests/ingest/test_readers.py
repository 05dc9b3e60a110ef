"""Readers: encodings are detected, and a file that is not what it claims is refused with one error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import Workbook

from ingest.issues import FileRefused
from ingest.readers import discover, read_file

HEADER = "record_id,uscc,name\n"


def _write(tmp: Path, name: str, data: bytes) -> Path:
    p = tmp / name
    p.write_bytes(data)
    return p


@pytest.mark.parametrize(
    ("encoding", "prefix", "expected"),
    [("utf-8", b"", "utf-8"), ("utf-8", b"\xef\xbb\xbf", "utf-8-sig"), ("gb18030", b"", "gb18030")],
)
def test_csv_encodings(tmp_path: Path, encoding: str, prefix: bytes, expected: str) -> None:
    text = HEADER + "C1,91110105MA01ABCD00,北京华盛科技有限公司\nC2,,上海鑫泰贸易有限公司\n"
    raw = read_file(_write(tmp_path, "companies.csv", prefix + text.encode(encoding)))
    assert raw.encoding == expected
    assert raw.columns == ["record_id", "uscc", "name"]
    assert [r.values["name"] for r in raw.rows] == ["北京华盛科技有限公司", "上海鑫泰贸易有限公司"]
    assert [r.row for r in raw.rows] == [1, 2]


def test_csv_extra_fields_are_a_row_problem_not_a_file_problem(tmp_path: Path) -> None:
    raw = read_file(_write(tmp_path, "companies.csv", (HEADER + "C1,,甲,多余\nC2,,乙\n").encode()))
    assert raw.rows[0].problem is not None and raw.rows[0].problem.rule == "column_count"
    assert raw.rows[1].problem is None


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("companies.csv", b"", "empty"),
        ("companies.csv", b"   \n\n", "empty"),
        ("companies.csv", bytes(range(256)) * 4, "binary"),
        ("companies.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("companies.csv", b"record_id,name_of_thing\nX,Y\n", "missing required columns: name"),
        ("persons.csv", b"foo,bar\n1,2\n", "missing required columns"),
        ("companies.jsonl", b"this is not json\nneither\n", "not a JSON Lines file"),
        ("companies.xlsx", b"PK\x03\x04 not really a zip", "XLSX"),
        ("companies.xlsx", b"record_id,name\n", "XLSX"),
        ("mystery.csv", HEADER.encode(), "names no kind"),
    ],
)
def test_refused_files(tmp_path: Path, name: str, data: bytes, words: str) -> None:
    with pytest.raises(FileRefused) as exc:
        read_file(_write(tmp_path, name, data))
    assert words in exc.value.reason_en
    assert exc.value.reason_zh and exc.value.reason_zh != exc.value.reason_en  # bilingual
    assert exc.value.file == name


def test_undecodable_text_is_refused(tmp_path: Path) -> None:
    # valid neither as UTF-8 nor as GB18030 (0x80 alone and 0xFF are not GB18030 lead bytes)
    data = (HEADER + "C1,,").encode() + b"\xff\x80\xff\x80\xff\xfe\x80\x80" * 50 + b"\n"
    with pytest.raises(FileRefused) as exc:
        read_file(_write(tmp_path, "companies.csv", data))
    assert "decode" in exc.value.reason_en or "binary" in exc.value.reason_en


def test_xlsx_reads_typed_cells(tmp_path: Path) -> None:
    import datetime as dt

    wb = Workbook()
    ws = wb.active
    ws.append(["Record_ID ", "name", "established", "registered_capital"])
    ws.append([101, "甲公司", dt.datetime(2020, 1, 2), 1000000])
    ws.append([None, None, None, None])
    ws.append(["C2", "乙公司", None, 5.5])
    wb.save(tmp_path / "companies.xlsx")
    raw = read_file(tmp_path / "companies.xlsx")
    assert raw.columns[0] == "record_id"
    assert [r.row for r in raw.rows] == [1, 3]
    assert raw.rows[0].values["established"] == dt.datetime(2020, 1, 2)


def test_jsonl_bad_line_is_a_row_problem(tmp_path: Path) -> None:
    lines = [
        json.dumps({"record_id": "C1", "name": "甲"}, ensure_ascii=False),
        "{broken",
        "[1,2]",
        json.dumps({"record_id": "C2", "name": "乙", "extra": 1}, ensure_ascii=False),
    ]
    raw = read_file(_write(tmp_path, "companies.jsonl", ("\n".join(lines) + "\n").encode()))
    assert [r.row for r in raw.rows] == [1, 2, 3, 4]
    assert [r.problem.rule if r.problem else None for r in raw.rows] == [
        None,
        "json_format",
        "json_format",
        None,
    ]
    assert [w.rule for w in raw.warnings] == ["unknown_column"]


def test_discover_picks_files_named_by_kind(tmp_path: Path) -> None:
    for n in ("companies.csv", "persons.xlsx", "loans.jsonl", "notes.txt", "other.csv"):
        (tmp_path / n).write_text("x")
    found, ignored = discover([tmp_path])
    assert sorted(p.name for p in found) == ["companies.csv", "loans.jsonl", "persons.xlsx"]
    assert sorted(p.name for p in ignored) == ["notes.txt", "other.csv"]
