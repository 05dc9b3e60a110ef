"""PII masking of response bodies: resident IDs and phone numbers, unless the caller holds ``pii``.

One function over JSON-shaped data, applied by :mod:`api.middleware` to every response, so no router
can forget it. Two nets: by key (any field whose name says it holds an ID or phone) and by value (any
string that *is* a valid resident ID or a mobile number, wherever it sits — source payloads, evidence).
"""

from __future__ import annotations

import re
from typing import Any

from stdnum.cn import ric

_PII_KEY = re.compile(
    r"(^|_)(id_number|id_no|idno|resident_id|id_card|ric|phone|phones|mobile|telephone|tel|number)($|_)",
    re.IGNORECASE,
)
_RIC_SHAPE = re.compile(r"^\d{17}[\dXx]$")
_MOBILE = re.compile(r"^(\+?86[- ]?)?1[3-9]\d{9}$")
_PHONE_LIKE = re.compile(r"^[+\d][\d\- ]{6,}$")
_DIGIT_RUN = re.compile(r"\d{11}")


def mask_resident_id(value: str) -> str:
    """``330106199001011234`` → ``3301**********1234`` (the shape of masked IDs received from sources)."""
    v = value.strip()
    if len(v) <= 8:
        return "*" * len(v)
    return v[:4] + "*" * (len(v) - 8) + v[-4:]


def mask_phone(value: str) -> str:
    """``13912345678`` → ``139****5678``; short numbers keep only their last two digits."""
    v = value.strip()
    if len(v) >= 7:
        return v[:3] + "*" * (len(v) - 7) + v[-4:]
    return "*" * max(len(v) - 2, 0) + v[-2:]


def _looks_like_ric(value: str) -> bool:
    return bool(_RIC_SHAPE.match(value)) and ric.is_valid(value.upper())


def _mask_string_by_key(value: str) -> str:
    if "*" in value:  # already masked at the source
        return value
    if _RIC_SHAPE.match(value.strip()):
        return mask_resident_id(value)
    return mask_phone(value)


def _mask_value(value: Any) -> Any:
    if isinstance(value, str):
        if _looks_like_ric(value):
            return mask_resident_id(value)
        if value[:2] == "P:" and _looks_like_ric(value[2:]):
            # ingest's strong-key person ids embed the resident ID (P:<id>); without pii the id is
            # masked too, so such persons are reachable by search, not by id (see docs/api.md)
            return "P:" + mask_resident_id(value[2:])
        if len(value) > 11 and _DIGIT_RUN.search(value):
            return mask_text(value)
        if _MOBILE.match(value):
            return mask_phone(value)
    return value


def mask_pii(data: Any, *, under_pii_key: bool = False) -> Any:
    """A copy of ``data`` with resident IDs and phone numbers masked (dicts, lists, scalars)."""
    if isinstance(data, dict):
        return {k: mask_pii(v, under_pii_key=bool(_PII_KEY.search(str(k)))) for k, v in data.items()}
    if isinstance(data, list):
        return [mask_pii(v, under_pii_key=under_pii_key) for v in data]
    if isinstance(data, str):
        if (
            under_pii_key
            and _PHONE_LIKE.match(data.strip())
            or under_pii_key
            and _RIC_SHAPE.match(data.strip())
        ):
            return _mask_string_by_key(data)
        return _mask_value(data)
    return data


_TOKEN = re.compile(r"(?<!\d)(?:\d{17}[\dXx]|1[3-9]\d{9})(?![\dXx])")


def mask_text(text: str) -> str:
    """Mask resident IDs and mobile numbers inside free text (query strings, explanations, notes)."""

    def one(m: re.Match[str]) -> str:
        tok = m.group(0)
        if len(tok) == 18:
            return mask_resident_id(tok) if _looks_like_ric(tok) else tok
        return mask_phone(tok)

    return _TOKEN.sub(one, text)
