"""Value parsing: each column type accepts what docs/data-interface.md promises and names the rule it breaks."""

from __future__ import annotations

import datetime as dt

import pytest
from stdnum.cn import ric, uscc

from ingest import contract as c
from ingest.values import (
    Invalid,
    parse_bool,
    parse_date,
    parse_decimal,
    parse_enum,
    parse_percent,
    parse_phone,
    parse_resident_id,
    parse_uscc,
)

VALID_USCC = "91110105MA01ABCD00"
VALID_RIC = "110105198001010016"


def _rule(fn, *args) -> str:
    with pytest.raises(Invalid) as exc:
        fn(*args)
    return exc.value.rule


def test_identifiers_are_valid_per_stdnum() -> None:
    assert uscc.is_valid(VALID_USCC) and ric.is_valid(VALID_RIC)


def test_uscc_check_digit() -> None:
    assert parse_uscc(f" {VALID_USCC.lower()} ") == VALID_USCC
    wrong = VALID_USCC[:-1] + "1"
    assert _rule(parse_uscc, wrong) == "uscc_check_digit"
    assert _rule(parse_uscc, VALID_USCC[:-1]) == "uscc_check_digit"


def test_resident_id_full_masked_and_wrong() -> None:
    assert parse_resident_id(VALID_RIC) == (VALID_RIC, None)
    assert parse_resident_id("3301**********1234") == (None, "3301**********1234")
    assert _rule(parse_resident_id, VALID_RIC[:-1] + "7") == "resident_id_check_digit"
    assert _rule(parse_resident_id, "3301**1234") == "resident_id_check_digit"


@pytest.mark.parametrize(
    "raw",
    [
        "2023-05-10",
        "2023/5/10",
        "2023.05.10",
        "20230510",
        "2023-05-10T08:00:00",
        dt.datetime(2023, 5, 10, 8),
        dt.date(2023, 5, 10),
    ],
)
def test_dates(raw) -> None:
    assert parse_date(raw) == dt.date(2023, 5, 10)


@pytest.mark.parametrize("raw", ["2023-13-45", "10/05/2023", "yesterday", "2023-02-30"])
def test_bad_dates(raw) -> None:
    assert _rule(parse_date, raw) == "date_format"


def test_amounts_and_percentages() -> None:
    assert parse_decimal("1,234.50") == 1234.5
    assert parse_decimal(0) == 0
    assert _rule(parse_decimal, "-5") == "negative_amount"
    assert _rule(parse_decimal, "abc") == "number_format"
    assert _rule(parse_decimal, "nan") == "number_format"
    assert parse_percent("35.5%") == 35.5
    assert parse_percent(100) == 100
    assert _rule(parse_percent, 120) == "percent_range"
    assert _rule(parse_percent, "-1") == "percent_range"


def test_code_lists_accept_code_and_chinese_name() -> None:
    for code, zh in c.BLACKLIST_KIND_NAMES.items():
        assert parse_enum(code, "blacklist_kind") == code
        assert parse_enum(zh, "blacklist_kind") == code
    assert parse_enum("Spouse", "family_relation") == "spouse"
    assert parse_enum("兄弟姐妹", "family_relation") == "sibling"
    assert _rule(parse_enum, "bogus", "loan_status") == "unknown_code"


def test_phone_and_bool() -> None:
    assert parse_phone("+86 010-6532 8888") == "01065328888"
    assert parse_phone("0086 138 0013 8000") == "13800138000"
    assert _rule(parse_phone, "12") == "phone_format"
    assert parse_bool("是") is True and parse_bool("false") is False
    assert _rule(parse_bool, "maybe") == "bool_format"


def test_contract_code_lists_cover_the_schema() -> None:
    from graph_model import schema as s

    assert tuple(c.POSITION_ROLE_NAMES) == s.POSITION_ROLES
    assert tuple(c.BLACKLIST_KIND_NAMES) == s.BLACKLIST_KINDS
    assert tuple(c.LOAN_STATUS_NAMES) == s.LOAN_STATUSES
    assert tuple(c.FAMILY_RELATION_NAMES) == s.FAMILY_RELATIONS
    assert c.BLACKLIST_KIND_NAMES["dishonest_judgment_debtor"] == "失信被执行人"


def test_data_interface_doc_is_generated_from_the_contract() -> None:
    from ingest.contract_doc import DOC_PATH, render

    assert DOC_PATH.read_text(encoding="utf-8") == render(), "run `python -m ingest.contract_doc`"
