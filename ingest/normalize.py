"""Normalized forms used as keys or blocking aids: company names, addresses.

NFKC first (full-width brackets and digits), then traditional → simplified (OpenCC ``t2s``, the
character-level config: phrase configs rewrite words), then whitespace removed; company names also
lose their legal-form suffix so that 某某有限公司 and 某某股份有限公司 meet.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "集团", "公司")
_SPACE = re.compile(r"\s+")
_GROUP = re.compile(r"[(（]集团[)）]")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def simplify(text: str) -> str:
    return _SPACE.sub("", _t2s().convert(unicodedata.normalize("NFKC", text)))


@lru_cache(maxsize=1 << 16)
def company_name_norm(name: str) -> str:
    text = _GROUP.sub("", simplify(name))
    for suffix in SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
            break
    return text


def address_key(text: str) -> str:
    return simplify(text)
