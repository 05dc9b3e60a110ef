"""Text normalizers: turn the many spellings of one name/address/phone/date into one string.

Why each step exists:
- NFKC folds full-width brackets, digits and letters (（集团） → (集团), １２３ → 123).
- OpenCC ``t2s`` maps traditional to simplified characters one by one.  The phrase configs
  (``tw2sp`` …) rewrite whole words (e.g. 軟體 → 软件) and would turn two different names into one,
  so they are deliberately not used.
- Legal-form suffixes (股份有限公司, 有限责任公司, 有限公司, (集团), 集团 …) are not part of a
  company's identity: "X有限公司" and "X股份有限公司" are spelling variants in source systems.
- Branches (分公司, 分行, 支行, 营业部, 办事处) ARE distinct entities: they are split off into a
  ``unit`` so that a branch is never compared equal to its parent.

Every normalizer maps ``str | None`` to ``str | None`` (None = missing) and is applied to the
unique values of a column only (see :func:`map_unique`), which keeps 3M-row columns cheap.

This module is the one owner of name normalization in riskgraph: ingest stores a company's
``name_norm`` as :func:`company_name` gives it, and the API's search normalizes a query with
:func:`company_name` (against ``name_norm``) and :func:`display_name` (against names as received),
so a search finds what ingest stored and ER compared.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

_MISSING_TOKENS = {"", "nan", "none", "null", "na", "n/a", "-", "--", "无", "空", "不详"}


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def is_missing(value: object) -> bool:
    """True for None/NaN/empty and the placeholder strings source systems use for 'unknown'."""
    if value is None:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    if value is pd.NA or value is pd.NaT:
        return True
    return str(value).strip().lower() in _MISSING_TOKENS


def base_text(value: object) -> str | None:
    """NFKC + traditional→simplified + lower-case + trimmed; None when missing."""
    if is_missing(value):
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if _CJK_RE.search(text):
        text = _t2s().convert(text)
    return text.lower()


_CJK_RE = re.compile(r"[\u3400-\u9fff]")


_PUNCT_RE = re.compile(r"[\s\.,，。、;；:：'\"“”‘’`!！?？_\-—–~～/\\|@#\$%\^&\*\+=<>《》【】\[\]{}「」『』]+")
_BRACKETS_RE = re.compile(r"[()]")


def strip_punct(text: str) -> str:
    """Remove spaces and punctuation (not brackets: callers decide what brackets mean)."""
    return _PUNCT_RE.sub("", text)


# Longest first so that 股份有限公司 is removed before 有限公司.
LEGAL_SUFFIXES: tuple[str, ...] = (
    "集团股份有限公司",
    "集团有限责任公司",
    "集团有限公司",
    "股份有限公司",
    "有限责任公司",
    "股份合作公司",
    "有限公司",
    "(集团)",
    "集团公司",
    "集团",
    "总公司",
    "公司",
    "co.,ltd",
    "co.ltd",
    "coltd",
    "limited",
    "ltd",
    "inc",
)
BRANCH_SUFFIXES: tuple[str, ...] = (
    "分公司",
    "分行",
    "支行",
    "营业部",
    "办事处",
    "分店",
    "分厂",
    "分部",
    "分理处",
)

# parent part ends with an organisational word; unit = locality + branch word.
_BRANCH_RE = re.compile(
    r"^(?P<parent>.*(?:公司|银行|分行|集团|\)|厂|社|中心|所|店|局))"
    r"(?P<unit>[^()]*?(?:" + "|".join(BRANCH_SUFFIXES) + r"))$"
)


@dataclass(frozen=True)
class CompanyName:
    """A company name split into what identifies it.

    ``core``: the name without legal-form suffix (the comparison key).
    ``unit``: the branch unit (e.g. 北京分公司) or "" for a head office.
    ``parent_core``: for a branch, the core of the parent's name; "" otherwise.
    """

    full: str
    core: str
    unit: str
    parent_core: str

    @property
    def is_branch(self) -> bool:
        return bool(self.unit)


def _strip_legal_suffix(text: str) -> str:
    changed = True
    while changed and text:
        changed = False
        for suffix in LEGAL_SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix):
                text = text[: -len(suffix)]
                changed = True
                break
    # "(集团)" in the middle ("X(集团)有限公司" after the suffix strip) is also a legal-form marker.
    return text.replace("(集团)", "")


def _company_full(value: object) -> str | None:
    text = base_text(value)
    if text is None:
        return None
    text = strip_punct(text)
    # unify the bracket pairs that survive NFKC
    text = text.replace("〔", "(").replace("〕", ")")
    return text or None


def parse_company_name(value: object) -> CompanyName | None:
    """Split a company name into core / branch unit / parent core (see :class:`CompanyName`)."""
    full = _company_full(value)
    if full is None:
        return None
    m = _BRANCH_RE.match(full)
    if m and m.group("unit"):
        parent = parse_company_name(m.group("parent"))
        unit = _BRANCH_RE_UNIT_CLEAN.sub("", m.group("unit"))
        # a 支行's parent may itself be a 分行: its key is then that branch's own core
        parent_core = parent.core if parent else ""
        if parent_core:
            return CompanyName(full=full, core=f"{parent_core}|{unit}", unit=unit, parent_core=parent_core)
    core = _clean_core(_strip_legal_suffix(full))
    return CompanyName(full=full, core=core, unit="", parent_core="")


_BRANCH_RE_UNIT_CLEAN = re.compile(r"[()]")


def _clean_core(text: str) -> str:
    """Brackets carry no identity once the legal form is gone: 阿里巴巴(中国) ≡ 阿里巴巴中国."""
    return _BRACKETS_RE.sub("", text)


def company_name(value: object) -> str | None:
    """The comparison string of a company name (core, plus ``|unit`` for a branch)."""
    parsed = parse_company_name(value)
    return parsed.core if parsed else None


def display_name(value: object) -> str | None:
    """A name as shown and searched: NFKC, traditional → simplified, whitespace collapsed (case and
    punctuation kept — it is matched against names as received)."""
    if is_missing(value):
        return None
    text = " ".join(_t2s().convert(unicodedata.normalize("NFKC", str(value))).split())
    return text or None


def address_key(value: object) -> str | None:
    """The key a shared address node is stored under: NFKC, traditional → simplified, no
    whitespace (punctuation kept: two buildings must not become one key)."""
    if is_missing(value):
        return None
    text = "".join(_t2s().convert(unicodedata.normalize("NFKC", str(value))).split())
    return text or None


def person_name_cn(value: object) -> str | None:
    """Chinese person name: NFKC, t2s, no spaces; the various middle dots become one '·'."""
    text = base_text(value)
    if text is None:
        return None
    text = re.sub(r"[•・‧∙⋅]", "·", text)
    text = re.sub(r"\s+", "", text)
    return text or None


def latin_text(value: object) -> str | None:
    """Latin-script names/places: fold accents, lower-case, keep letters/digits/single spaces."""
    text = base_text(value)
    if text is None:
        return None
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[^0-9a-z\u3400-\u9fff ]+", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    return text or None


def address_cn(value: object) -> str | None:
    """Chinese address: NFKC, t2s, drop punctuation/spaces and the redundant 省/市 markers' noise."""
    text = base_text(value)
    if text is None:
        return None
    text = strip_punct(text)
    text = _BRACKETS_RE.sub("", text)
    text = text.replace("中华人民共和国", "").replace("中国", "", 1) if text.startswith("中国") else text
    return text or None


def digits(value: object) -> str | None:
    """Only the digits (phones, postcodes)."""
    text = base_text(value)
    if text is None:
        return None
    out = re.sub(r"\D", "", text)
    return out or None


def amount(value: object) -> str | None:
    """A money amount as one canonical number: thousands separators and trailing zeros go, so a
    source's "1,963,000.00" and a parsed 1963000.0 are the same amount (``digits`` would read them
    as 196300000 and 19630000)."""
    text = base_text(value)
    if text is None:
        return None
    text = re.sub(r"[,\s，元]", "", text)
    try:
        number = Decimal(text)
    except InvalidOperation:
        return digits(text)
    if not number.is_finite():
        return None
    return format(number.normalize(), "f").rstrip(".") if number != 0 else "0"


def phone_cn(value: object) -> str | None:
    """Phone number: digits only, without the +86/0086 country prefix; too short ⇒ missing."""
    out = digits(value)
    if out is None:
        return None
    for prefix in ("0086", "86"):
        if out.startswith(prefix) and len(out) - len(prefix) >= 10:
            out = out[len(prefix) :]
            break
    return out if len(out) >= 7 else None


def date_iso(value: object) -> str | None:
    """Dates to YYYYMMDD (accepts 2020-01-02, 2020/1/2, 2020年1月2日, 20200102, datetime)."""
    if is_missing(value):
        return None
    if isinstance(value, pd.Timestamp | np.datetime64):
        return pd.Timestamp(value).strftime("%Y%m%d")
    text = unicodedata.normalize("NFKC", str(value)).strip()
    m = re.match(r"^(\d{4})\D{0,2}(\d{1,2})\D{0,2}(\d{1,2})", text)
    if not m:
        m = re.match(r"^(\d{4})(\d{2})(\d{2})", text)
    if not m:
        # dd/mm/yyyy (Latin sources)
        m2 = re.match(r"^(\d{1,2})\D(\d{1,2})\D(\d{4})", text)
        if not m2:
            return None
        return f"{m2.group(3)}{int(m2.group(2)):02d}{int(m2.group(1)):02d}"
    return f"{m.group(1)}{int(m.group(2)):02d}{int(m.group(3)):02d}"


def id_code(value: object) -> str | None:
    """Identifier as printed: NFKC, upper-case, no spaces/dashes; masks become '*'."""
    if is_missing(value):
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip().upper()
    text = re.sub(r"[\s\-]", "", text)
    text = re.sub(r"[xX×]$", "X", text)
    text = re.sub(r"[#•●\u2217]", "*", text)
    return text or None


def plain(value: object) -> str | None:
    """NFKC + t2s + lower-case + no punctuation: the default for free text."""
    text = base_text(value)
    if text is None:
        return None
    return strip_punct(text) or None


_GENDER = {"m": "m", "male": "m", "男": "m", "1": "m", "f": "f", "female": "f", "女": "f", "2": "f"}


def gender(value: object) -> str | None:
    """M/F from the usual spellings (M, male, 男, 1 / F, female, 女, 2); anything else is missing."""
    text = base_text(value)
    return _GENDER.get(text) if text else None


TOKEN_SEPARATOR = "|"


def token_set(value: object) -> str | None:
    """A set-valued field written ``a|b|c`` (say, the companies a person is linked to): its distinct
    non-empty tokens, NFKC and trimmed, sorted and joined again, so equal sets read equal."""
    if is_missing(value):
        return None
    tokens = {
        unicodedata.normalize("NFKC", t).strip() for t in str(value).split(TOKEN_SEPARATOR) if t.strip()
    }
    return TOKEN_SEPARATOR.join(sorted(tokens)) or None


NORMALIZERS: dict[str, Callable[[object], str | None]] = {
    "gender": gender,
    "company_name_cn": company_name,
    "person_name_cn": person_name_cn,
    "latin": latin_text,
    "address_cn": address_cn,
    "digits": digits,
    "amount": amount,
    "phone_cn": phone_cn,
    "date": date_iso,
    "id": id_code,
    "plain": plain,
    "token_set": token_set,
}


def _same_or(value: Any, mapped: object) -> object:
    return value if type(mapped) is str and type(value) is str and mapped == value else mapped


def map_unique(series: pd.Series, func: Callable[[Any], object]) -> pd.Series:
    """Apply ``func`` once per distinct value (columns repeat a lot: names, cities, dates)."""
    codes, uniques = _distinct(series)
    # a value the function leaves as it is keeps its own string object: normalized columns of a
    # large population otherwise hold a second copy of every identifier, date and code
    mapped = np.array([_same_or(u, func(u)) for u in uniques] + [func(None)], dtype=object)
    return pd.Series(mapped[codes], index=series.index, dtype=object)


def _distinct(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Per value its code (-1: missing) and the distinct values in order of first appearance.

    A text column held by Arrow (pandas' default string type) is encoded by Arrow itself and only
    its distinct values become Python strings: turning every value into a Python string first, to
    factorize them, cost five times as much on a column of two million names."""
    import pyarrow as pa

    dtype = series.dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        arr = pa.array(series.array)
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        encoded = arr.dictionary_encode()
        codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.intp)
        return codes, np.asarray(encoded.dictionary.to_numpy(zero_copy_only=False), dtype=object)
    return pd.factorize(series.astype(object).to_numpy(), use_na_sentinel=True)
