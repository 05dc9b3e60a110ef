"""The ways a source system mangles what it records — each a small pure function of (text, rng).

They reproduce what entity resolution has to undo (design §4): traditional characters, legal-form
suffix variants, full-width brackets and digits, a dropped or swapped character, stray spaces,
masked resident IDs, and phone numbers written in different formats.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司")
_FULLWIDTH = str.maketrans("0123456789()", "０１２３４５６７８９（）")
_HALFWIDTH = str.maketrans("（）", "()")


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def _s2t():
    import opencc

    return opencc.OpenCC("s2t")


def traditional(text: str) -> str:
    """Simplified → traditional characters (OpenCC s2t), as Hong Kong/Taiwan-facing systems store it."""
    return _s2t().convert(text)


def full_width(text: str) -> str:
    """Half-width digits and brackets → full-width (the reverse of NFKC)."""
    return text.translate(_FULLWIDTH)


def half_width_brackets(text: str) -> str:
    return text.translate(_HALFWIDTH)


def suffix_variant(name: str, rng: np.random.Generator) -> str:
    """Swap the legal-form suffix for another spelling (有限公司 ↔ 有限责任公司 …); branches keep theirs."""
    for s in SUFFIXES:
        idx = name.find(s)
        if idx >= 0:
            others = [o for o in SUFFIXES if o != s]
            if s == "股份有限公司":
                others = ["股份公司", "有限公司"]
            return name[:idx] + others[int(rng.integers(0, len(others)))] + name[idx + len(s) :]
    return name


def typo(name: str, rng: np.random.Generator) -> str:
    """Drop one character or swap two neighbours, inside the distinctive part (not the suffix)."""
    core_end = len(name)
    for s in (*SUFFIXES, "集团"):
        i = name.find(s)
        if i > 0:
            core_end = min(core_end, i)
    if core_end < 3:
        return name
    i = int(rng.integers(1, core_end - 1))
    if rng.random() < 0.5:
        return name[:i] + name[i + 1 :]
    return name[:i] + name[i + 1] + name[i] + name[i + 2 :]


def company_name(name: str, rng: np.random.Generator, rates: dict[str, float]) -> tuple[str, list[str]]:
    """The name as one source records it, with the list of noise kinds applied (for the truth file)."""
    applied = []
    if rng.random() < rates.get("suffix", 0):
        new = suffix_variant(name, rng)
        if new != name:
            name = new
            applied.append("suffix")
    if rng.random() < rates.get("typo", 0):
        name = typo(name, rng)
        applied.append("typo")
    if rng.random() < rates.get("traditional", 0):
        new = traditional(name)
        if new != name:
            name = new
            applied.append("traditional")
    if rng.random() < rates.get("halfwidth", 0) and "（" in name:
        name = half_width_brackets(name)
        applied.append("halfwidth")
    elif rng.random() < rates.get("fullwidth", 0):
        new = full_width(name)
        if new != name:
            name = new
            applied.append("fullwidth")
    if rng.random() < rates.get("space", 0):
        name = (" " + name) if rng.random() < 0.5 else (name + " ")
        applied.append("space")
    return name, applied


def person_name(name: str, rng: np.random.Generator, rates: dict[str, float]) -> tuple[str, list[str]]:
    applied = []
    if rng.random() < rates.get("traditional", 0):
        new = traditional(name)
        if new != name:
            name = new
            applied.append("traditional")
    if rng.random() < rates.get("space", 0) and len(name) >= 2:
        name = name[0] + " " + name[1:]
        applied.append("space")
    return name, applied


def address(text: str, rng: np.random.Generator, rates: dict[str, float]) -> tuple[str, list[str]]:
    """Only noise that address normalization (NFKC, t2s, no spaces) undoes: the key stays the same.

    Traditional characters are applied only where t2s gives the original back (s2t → t2s is not an
    identity for every character), so the true number of addresses stays well defined.
    """
    applied = []
    if rng.random() < rates.get("fullwidth", 0):
        new = full_width(text)
        if new != text:
            text = new
            applied.append("fullwidth")
    if rng.random() < rates.get("traditional", 0):
        new = traditional(text)
        if new != text and _t2s().convert(new) == text:
            text = new
            applied.append("traditional")
    if rng.random() < rates.get("space", 0):
        i = int(rng.integers(1, len(text)))
        text = text[:i] + " " + text[i:]
        applied.append("space")
    return text, applied


def phone(number: str, rng: np.random.Generator) -> str:
    """One of the ways a number is written; the digits (after a +86 / 0086 prefix) never change."""
    u = rng.random()
    if number.startswith("0") and "-" in number:  # landline 0571-88123456
        area, local = number.split("-")
        if u < 0.5:
            return number
        if u < 0.75:
            return f"({area}){local}"
        return f"{area} {local[:4]} {local[4:]}"
    if u < 0.6:
        return number
    if u < 0.8:
        return f"+86 {number[:3]} {number[3:7]} {number[7:]}"
    if u < 0.9:
        return f"{number[:3]}-{number[3:7]}-{number[7:]}"
    return f"0086{number}"


def mask_id(ric: str) -> str:
    return ric[:4] + "*" * 10 + ric[-4:]
