"""Parsing one raw value of one column type into its typed value, or naming the rule it breaks.

Pure functions, no I/O: the same value always gives the same result, which is what makes a rejects
file reproducible.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from functools import lru_cache
from typing import Any

from stdnum.cn import ric, uscc

from ingest import contract as c


class Invalid(Exception):
    """A value that breaks a rule; ``detail`` is shown in the message."""

    def __init__(self, rule: str, detail: str = ""):
        self.rule = rule
        self.detail = detail
        super().__init__(rule)


_MASKED_ID = re.compile(r"^[0-9*]{17}[0-9X*]$")
# a date, optionally followed by a time of day (spreadsheets export 2023-01-05 00:00:00) — nothing else
_DATE_SEP = re.compile(
    r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$"
)
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_PHONE_STRIP = re.compile(r"[\s\-()（）.]")
_TRUE = {"true", "1", "yes", "y", "是", "t"}
_FALSE = {"false", "0", "no", "n", "否", "f"}


def is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def as_text(value: Any) -> str:
    """A raw value as text; whole floats from spreadsheets lose their ``.0`` (ids typed as numbers)."""
    if value.__class__ is str:  # CSV cells, nearly every call: no type tests
        return value.strip()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


@lru_cache(maxsize=1 << 18)  # the same USCC recurs in every relationship file: check it once
def parse_uscc(value: Any) -> str:
    text = uscc.compact(as_text(value)).upper()
    if not uscc.is_valid(text):
        raise Invalid("uscc_check_digit")
    return text


@lru_cache(maxsize=1 << 18)
def parse_resident_id(value: Any) -> tuple[str | None, str | None]:
    """(full id, masked id): exactly one is set. Masked ids are checked for shape only."""
    text = as_text(value).replace(" ", "").upper()
    if "*" in text:
        if not _MASKED_ID.match(text):
            raise Invalid("resident_id_check_digit")
        return None, text
    text = ric.compact(text)
    if not _ric_valid(text):
        raise Invalid("resident_id_check_digit")
    return text, None


_RIC_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")


def _ric_valid(text: str) -> bool:
    """``stdnum.cn.ric.is_valid`` (shape, check digit, birth date, birth place known for the birth
    year), with the birth-place look-up cached per region and year: it dominates otherwise."""
    if not _RIC_SHAPE.match(text) or text[-1] != ric.calc_check_digit(text):
        return False
    try:
        born = dt.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return False
    return _birth_place_known(text[:6], born.year)


@lru_cache(maxsize=1 << 16)
def _birth_place_known(region: str, year: int) -> bool:
    try:
        ric.get_birth_place(f"{region}{year:04d}01010000")
    except Exception:  # noqa: BLE001 — stdnum raises its own kinds for an unknown region
        return False
    return True


def parse_date(value: Any, formats: tuple[str, ...] = ()) -> dt.date:
    """A date: an Excel date cell, YYYY-MM-DD (also / or . separated, or YYYYMMDD), optionally with a
    time of day; ``formats`` (strftime patterns from a source's mapping file) are tried first."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return _date_of_text(as_text(value), formats)


@lru_cache(maxsize=1 << 16)  # a few thousand distinct dates fill a whole file: parse each once
def _date_of_text(text: str, formats: tuple[str, ...]) -> dt.date:
    for fmt in formats:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    m = _DATE_SEP.match(text) or _DATE_COMPACT.match(text)
    if not m:
        raise Invalid("date_format")
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise Invalid("date_format") from None


# a plain number, or one with thousands groups of three; which mark is the decimal one is decided by
# the source (point by default, comma with --decimal-comma or ``decimal: comma`` in a mapping file)
_PLAIN = re.compile(r"^[+-]?(?:\d+(?:[.,]\d+)?|[.,]\d+)(?:[eE][+-]?\d+)?$")
_GROUPED = {
    ".": re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$"),  # 1,234,567.89
    ",": re.compile(r"^[+-]?\d{1,3}(?:\.\d{3})+(?:,\d+)?$"),  # 1.234.567,89
}


def _number(value: Any, decimal_mark: str = ".") -> float:
    """A number whose reading is unambiguous under the source's decimal mark, else ``number_format``.

    With the point as decimal mark, ``1,234.50`` and ``1234.50`` are read, but ``1,00`` (a comma not
    followed by a group of three) and ``1.000,00`` (the other convention) are refused rather than
    guessed; with the comma it is the mirror image.
    """
    if isinstance(value, bool):
        raise Invalid("number_format", _separator_hint(decimal_mark))
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = as_text(value).replace("，", ",")
        thousands = "," if decimal_mark == "." else "."
        if _GROUPED[decimal_mark].match(text):
            text = text.replace(thousands, "")
        elif not _PLAIN.match(text) or thousands in text:
            raise Invalid("number_format", _separator_hint(decimal_mark))
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            raise Invalid("number_format", _separator_hint(decimal_mark)) from None
    if not math.isfinite(number):
        raise Invalid("number_format", _separator_hint(decimal_mark))
    return number


def _separator_hint(decimal_mark: str) -> str:
    if decimal_mark == ".":
        return "1234.50 / 1,234.50（小数逗号请用 --decimal-comma / use --decimal-comma for 1234,50）"
    return "1234,50 / 1.234,50"


def parse_decimal(value: Any, decimal_mark: str = ".") -> float:
    number = _number(value, decimal_mark)
    if number < 0:
        raise Invalid("negative_amount")
    return number


def parse_percent(value: Any, decimal_mark: str = ".") -> float:
    if isinstance(value, str) and value.strip().endswith(("%", "％")):
        value = value.strip()[:-1]
    number = _number(value, decimal_mark)
    if not 0 <= number <= 100:
        raise Invalid("percent_range")
    return number


@lru_cache(maxsize=32)
def _codes(codes: str) -> dict[str, str]:
    return c.code_lookup(codes)


def parse_enum(value: Any, codes: str) -> str:
    text = as_text(value)
    table = _codes(codes)
    code = table.get(text) or table.get(text.lower())
    if code is None:
        shown = ", ".join(f"{k}/{v}" for k, v in c.CODE_LISTS[codes].items())
        raise Invalid("unknown_code", shown)
    return code


def parse_phone(value: Any) -> str:
    text = _PHONE_STRIP.sub("", as_text(value))
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    if not text.isdigit() or not 7 <= len(text) <= 15:
        raise Invalid("phone_format")
    return text


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = as_text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise Invalid("bool_format")


def parse_id(value: Any) -> str:
    text = as_text(value)
    if "\n" in text or "\r" in text:
        raise Invalid("text_format")
    return text


# the longest raw text accepted per column type, in characters: far below what a database index
# takes (about 8 KB), and far above any real value of the type
MAX_LENGTH: dict[str, int] = {
    c.STRING: 1000,
    c.ID: 200,
    c.USCC: 40,
    c.RESIDENT_ID: 40,
    c.DATE: 40,
    c.DECIMAL: 40,
    c.PERCENT: 40,
    c.ENUM: 100,
    c.PHONE: 40,
    c.BOOL: 10,
}


def check_length(column: c.Column, text: str) -> None:
    limit = MAX_LENGTH[column.type]
    if len(text) > limit:
        raise Invalid("too_long", f"{len(text):,} > {limit:,}")


def parse_value(
    column: c.Column, value: Any, *, decimal_mark: str = ".", date_formats: tuple[str, ...] = ()
) -> Any:
    """The typed value of one non-blank raw value; raises Invalid."""
    t = column.type
    if t == c.STRING:
        return as_text(value)
    if t == c.ID:
        return parse_id(value)
    if t == c.USCC:
        return parse_uscc(value)
    if t == c.RESIDENT_ID:
        return parse_resident_id(value)
    if t == c.DATE:
        return parse_date(value, date_formats)
    if t == c.DECIMAL:
        return parse_decimal(value, decimal_mark)
    if t == c.PERCENT:
        return parse_percent(value, decimal_mark)
    if t == c.ENUM:
        assert column.codes, column.name
        return parse_enum(value, column.codes)
    if t == c.PHONE:
        return parse_phone(value)
    if t == c.BOOL:
        return parse_bool(value)
    raise AssertionError(f"unknown column type {t}")


def birth_date_of_id(resident_id: str) -> dt.date | None:
    """The birth date a full resident ID encodes (digits 7–14)."""
    try:
        return ric.get_birth_date(resident_id)
    except Exception:  # noqa: BLE001 — stdnum raises its own kinds for a malformed number
        return None
