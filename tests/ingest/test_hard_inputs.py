"""Files as a data officer receives them: every odd value is read faithfully or rejected with its rule.

No database here: reading and validation only (the database side is in test_bad_rows_load.py).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from ingest import contract as c
from ingest.issues import FileRefused
from ingest.mapping import MappingError, SourceFormat, parse_mapping
from ingest.readers import RawRow, read_file
from ingest.validate import validate_file, validate_row

COMPANIES = c.file_kind(c.COMPANIES)
PERSONS = c.file_kind(c.PERSONS)
LOANS = c.file_kind(c.LOANS)


def _write(tmp: Path, name: str, data: bytes | str) -> Path:
    p = tmp / name
    p.write_bytes(data.encode() if isinstance(data, str) else data)
    return p


def _rules(rec) -> set[tuple[str, str]]:
    return {(i.field, i.rule) for i in rec.issues}


# --- lengths ------------------------------------------------------------------------------------
def test_an_over_long_value_rejects_its_row_with_too_long() -> None:
    huge_name = "某" * 1_000_000
    rec = validate_row(RawRow(1, {"record_id": "C1", "name": huge_name}), COMPANIES, "s", "companies.csv")
    assert _rules(rec) == {("name", "too_long")}
    assert len(rec.issues[0].value) < 300  # the rejects file shows a prefix, not the megabyte
    rec = validate_row(
        RawRow(2, {"record_id": "R" * 9000, "name": "甲公司"}), COMPANIES, "s", "companies.csv"
    )
    assert _rules(rec) == {("record_id", "too_long")}
    ok = validate_row(RawRow(3, {"record_id": "C3", "name": "甲" * 1000}), COMPANIES, "s", "companies.csv")
    assert not ok.issues


# --- encodings ----------------------------------------------------------------------------------
TRADITIONAL = "record_id,uscc,name\nC1,,臺北華夏科技有限公司\nC2,,香港東方貿易有限責任公司\nC3,,高雄騰飛電子股份有限公司\n"


def test_big5_is_told_apart_from_gb18030(tmp_path: Path) -> None:
    raw = read_file(_write(tmp_path, "companies.csv", TRADITIONAL.encode("big5")))
    assert raw.encoding == "big5"
    assert [r.values["name"] for r in raw.rows] == [
        "臺北華夏科技有限公司",
        "香港東方貿易有限責任公司",
        "高雄騰飛電子股份有限公司",
    ]


def test_traditional_text_written_in_gb18030_stays_gb18030(tmp_path: Path) -> None:
    raw = read_file(_write(tmp_path, "companies.csv", TRADITIONAL.encode("gb18030")))
    assert raw.encoding == "gb18030"
    assert raw.rows[0].values["name"] == "臺北華夏科技有限公司"


def test_an_encoding_that_yields_no_plausible_text_is_refused_bilingually(tmp_path: Path) -> None:
    # Hangul encoded in GB18030 decodes, but as no Chinese a bank file would hold; not Big5 either
    data = ("record_id,uscc,name\nC1,,한국무역주식회사\nC2,,서울전자\n").encode("gb18030")
    with pytest.raises(FileRefused) as exc:
        read_file(_write(tmp_path, "companies.csv", data))
    assert "--encoding" in exc.value.reason_en and "--encoding" in exc.value.reason_zh
    assert "编码" in exc.value.reason_zh and "encoding" in exc.value.reason_en


def test_encoding_can_be_forced(tmp_path: Path) -> None:
    path = _write(tmp_path, "companies.csv", TRADITIONAL.encode("big5"))
    raw = read_file(path, SourceFormat(encoding="gb18030"))
    assert raw.encoding == "gb18030" and raw.rows[0].values["name"] != "臺北華夏科技有限公司"
    with pytest.raises(FileRefused) as exc:
        read_file(
            _write(tmp_path, "persons.csv", "record_id,name\nP1,王伟\n".encode("gb18030")),
            SourceFormat(encoding="utf-8"),
        )
    assert "utf-8" in exc.value.reason_en


# --- numbers and dates --------------------------------------------------------------------------
def _loan(amount: str, fmt: SourceFormat = SourceFormat()):
    raw = RawRow(
        1,
        {
            "record_id": "LN1",
            "loan_id": "L1",
            "borrower_kind": "company",
            "borrower_ref": "C1",
            "amount": amount,
            "status": "normal",
        },
    )
    return validate_row(raw, LOANS, "s", "loans.csv", fmt)


@pytest.mark.parametrize(
    ("text", "value"),
    [("1,234.50", 1234.5), ("1234.50", 1234.5), ("1,000", 1000.0), ("12,345,678", 12345678.0)],
)
def test_unambiguous_amounts_are_read(text: str, value: float) -> None:
    rec = _loan(text)
    assert not rec.issues and rec.values["amount"] == value


@pytest.mark.parametrize("text", ["1.000,00", "1,00", "1234,50", "1,2345", "1 234"])
def test_ambiguous_separators_are_rejected_not_guessed(text: str) -> None:
    rec = _loan(text)
    assert _rules(rec) == {("amount", "number_format")}
    assert "--decimal-comma" in rec.issues[0].message_en


@pytest.mark.parametrize(
    ("text", "value"),
    [("1.000,00", 1000.0), ("1234,50", 1234.5), ("1,00", 1.0), ("1.234.567,89", 1234567.89)],
)
def test_decimal_comma_reads_the_other_convention(text: str, value: float) -> None:
    rec = _loan(text, SourceFormat(decimal_mark=","))
    assert not rec.issues and rec.values["amount"] == pytest.approx(value)
    assert _rules(_loan("1,234.50", SourceFormat(decimal_mark=","))) == {("amount", "number_format")}


def test_a_date_with_trailing_text_is_rejected() -> None:
    rec = validate_row(
        RawRow(1, {"record_id": "C1", "name": "甲", "established": "2023-01-05 garbage"}),
        COMPANIES,
        "s",
        "c.csv",
    )
    assert _rules(rec) == {("established", "date_format")}
    rec = validate_row(
        RawRow(1, {"record_id": "C1", "name": "甲", "established": "2023-01-05 00:00:00"}),
        COMPANIES,
        "s",
        "c.csv",
    )
    assert not rec.issues and rec.values["established"] == dt.date(2023, 1, 5)


def test_future_birth_and_establishment_dates_are_rejected() -> None:
    rec = validate_row(
        RawRow(1, {"record_id": "C1", "name": "甲", "established": "2090-01-01"}), COMPANIES, "s", "c.csv"
    )
    assert _rules(rec) == {("established", "future_date")}
    rec = validate_row(
        RawRow(1, {"record_id": "P1", "name": "王伟", "birth_date": "2090-01-01"}), PERSONS, "s", "p.csv"
    )
    assert _rules(rec) == {("birth_date", "future_date")}
    # a resident ID with a valid check digit encoding a birth in 2090
    rec = validate_row(
        RawRow(1, {"record_id": "P2", "name": "王伟", "id_number": "110105209001010017"}),
        PERSONS,
        "s",
        "p.csv",
    )
    assert _rules(rec) == {("id_number", "future_date")}


def test_a_birth_date_contradicting_the_resident_id_is_kept_and_flagged() -> None:
    raw = RawRow(
        1, {"record_id": "P1", "name": "王伟", "id_number": "110105198001010016", "birth_date": "1981-02-03"}
    )
    rec = validate_row(raw, PERSONS, "s", "persons.csv")
    assert not rec.issues  # loaded
    assert [(w.field, w.rule, w.severity) for w in rec.warnings] == [
        ("birth_date", "birth_date_mismatch", "warning")
    ]
    assert "1980-01-01" in rec.warnings[0].message_en
    agree = validate_row(
        RawRow(
            2,
            {
                "record_id": "P2",
                "name": "李娜",
                "id_number": "110105198001010016",
                "birth_date": "1980-01-01",
            },
        ),
        PERSONS,
        "s",
        "persons.csv",
    )
    assert not agree.issues and not agree.warnings


# --- readers: XLSX, JSONL, CSV shape, NUL -------------------------------------------------------
def _with_cached_value(path: Path, cell: str, value: str) -> None:
    """Give one formula cell a saved result, as Excel does on save (openpyxl writes none)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(buf, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                text, n = re.subn(
                    rf'(<c r="{cell}"[^>]*>\s*<f>[^<]*</f>)\s*(<v\s*/>|<v></v>)?', rf"\1<v>{value}</v>", text
                )
                assert n == 1
                data = text.encode()
            dst.writestr(item, data)
    path.write_bytes(buf.getvalue())


def test_xlsx_formula_uses_the_saved_result_else_rejects_the_row(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["record_id", "name", "registered_capital"])
    ws.append(["C1", "甲公司", "=1000*2"])
    ws.append(["C2", "乙公司", "=1000*3"])
    ws.append(["C3", "丙公司", 500])
    path = tmp_path / "companies.xlsx"
    wb.save(path)
    _with_cached_value(path, "C2", "2000")
    raw = read_file(path)
    recs = validate_file(raw, "s")
    assert not recs[0].issues and recs[0].values["registered_capital"] == 2000.0
    assert [(i.field, i.rule) for i in recs[1].issues] == [("registered_capital", "formula_without_value")]
    assert "=1000*3" in recs[1].issues[0].message_en and "C3" in recs[1].issues[0].message_en
    assert not recs[2].issues and recs[2].values["registered_capital"] == 500.0


def test_xlsx_merged_cells_are_filled_as_excel_shows_them(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["record_id", "name", "region"])
    ws.append(["C1", "甲公司", "北京"])
    ws.append(["C2", "乙公司", None])
    ws.append(["C3", "丙公司", None])
    ws.append(["C4", "丁公司", "上海"])
    ws.merge_cells("C2:C4")
    path = tmp_path / "companies.xlsx"
    wb.save(path)
    recs = validate_file(read_file(path), "s")
    assert [r.values["region"] for r in recs] == ["北京", "北京", "北京", "上海"]
    assert all(not r.issues for r in recs)
    assert [(r.row, [w.rule for w in r.warnings]) for r in recs] == [
        (1, []),
        (2, ["merged_cell"]),
        (3, ["merged_cell"]),
        (4, []),
    ]


@pytest.mark.parametrize("separator", ["\u2028", "\u0085", "\u2029", "\x0b", "\x1c"])
def test_jsonl_splits_on_newline_only(tmp_path: Path, separator: str) -> None:
    lines = [
        json.dumps({"record_id": "C1", "name": f"甲{separator}公司"}, ensure_ascii=False),
        json.dumps({"record_id": "C2", "name": "乙公司"}, ensure_ascii=False),
    ]
    raw = read_file(_write(tmp_path, "companies.jsonl", "\r\n".join(lines) + "\n"))
    assert [r.values["record_id"] for r in raw.rows] == ["C1", "C2"]
    assert raw.rows[0].values["name"] == f"甲{separator}公司"
    assert all(r.problem is None for r in raw.rows)


def test_a_csv_row_missing_its_trailing_fields_gets_column_count(tmp_path: Path) -> None:
    text = "record_id,uscc,name,legal_form,region\nC1,,甲公司,有限责任公司,北京\nC2,,乙公司\nC3,,丙公司,,\n"
    recs = validate_file(read_file(_write(tmp_path, "companies.csv", text)), "s")
    assert [_rules(r) for r in recs] == [set(), {("", "column_count")}, set()]
    assert "3 ≠ 5" in recs[1].issues[0].message_en


def test_nul_bytes_are_rejected_wherever_they_are(tmp_path: Path) -> None:
    rows = [f"C{i},,公司{i:04d}有限公司" for i in range(400)]  # far past the first 8 KB
    rows[300] = "C300,,公司\x00有限公司"
    rows[2] = "C2,,甲\x00"
    path = _write(tmp_path, "companies.csv", ("record_id,uscc,name\n" + "\n".join(rows) + "\n").encode())
    recs = validate_file(read_file(path), "s")
    bad = {r.record_id: _rules(r) for r in recs if r.issues}
    assert bad == {"C2": {("name", "nul_byte")}, "C300": {("name", "nul_byte")}}
    assert len(recs) == 400  # the file is read, not refused as binary


# --- headers and mappings -----------------------------------------------------------------------
def test_chinese_headers_are_aliases_of_the_contract_columns(tmp_path: Path) -> None:
    text = "源记录编号,统一社会信用代码,企业名称,注册资本（元）,成立日期\nC1,91110000600037341L,甲公司,1000000,2008-06-18\n"
    raw = read_file(_write(tmp_path, "companies.csv", text))
    assert raw.columns == ["record_id", "uscc", "name", "registered_capital", "established"]
    assert not raw.warnings
    text = "源记录编号,企业名称,注册资本\nC1,甲公司,100\n"  # the unit in brackets may be left out
    assert read_file(_write(tmp_path, "companies.csv", text)).columns == [
        "record_id",
        "name",
        "registered_capital",
    ]
    with pytest.raises(FileRefused) as exc:
        read_file(_write(tmp_path, "companies.csv", "record_id,name,企业名称\nC1,甲,甲\n"))
    assert "duplicate" in exc.value.reason_en


def test_a_mapping_file_is_validated_before_any_row_is_read() -> None:
    with pytest.raises(MappingError) as exc:
        parse_mapping(
            {
                "decimal": "dot",
                "date_formats": ["DD.MM.YYYY"],
                "kinds": {
                    "companies": {"columns": {"客户名称": "nmae"}},
                    "loans": {"values": {"status": {"1": "fine"}}, "defaults": {"borrower_kind": "firm"}},
                    "deals": {},
                },
                "colour": "blue",
            }
        )
    message = str(exc.value)
    for needle in ("decimal", "DD.MM.YYYY", "nmae", "fine", "firm", "deals", "colour"):
        assert needle in message, needle
    ok = parse_mapping(
        {
            "decimal": "comma",
            "date_formats": ["%d.%m.%Y"],
            "kinds": {"loans": {"defaults": {"borrower_kind": "company"}}},
        }
    )
    assert ok.decimal_mark == "," and ok.kind("loans").defaults == {"borrower_kind": "company"}


def test_the_documented_mapping_example_is_a_valid_mapping() -> None:
    import yaml

    from ingest.contract_doc import DOC_PATH

    doc = DOC_PATH.read_text(encoding="utf-8")
    example = doc.split("```yaml\n", 1)[1].split("```", 1)[0]
    fmt = parse_mapping(yaml.safe_load(example))
    assert fmt.encoding == "gb18030" and fmt.decimal_mark == ","
    assert fmt.kind("companies").columns == {"客户名称": "name", "信用代码": "uscc"}
    assert fmt.kind("shareholdings").values == {"holder_kind": {"1": "company", "2": "person"}}
    assert fmt.date_formats == ("%d.%m.%Y", "%Y年%m月%d日")
