"""Valid Chinese identifiers, generated in bulk: USCC (GB 32100), organisation code (GB 11714), resident ID.

Why build them by hand instead of random strings: the ingest validates every check digit, so a
generator that emitted invalid numbers would test the reject path instead of the happy path. Region
codes come from python-stdnum's own table (``stdnum/cn/loc.dat``) so that ``stdnum.cn.ric`` accepts
every generated resident ID, including its birth-year-dependent county validity.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import cast

import numpy as np

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = np.array((1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28), dtype=np.int64)
_ORG_WEIGHTS = np.array((3, 7, 9, 10, 5, 8, 4, 2), dtype=np.int64)
_RIC_WEIGHTS = np.array([pow(2, 17 - i, 11) for i in range(17)], dtype=np.int64)
_RIC_CHECK = "10X98765432"

# (registration authority, entity type) of the generated companies: 9 = market regulator (工商),
# 1 = enterprise (企业). Individual businesses (92), cooperatives (93) and social organisations (51)
# have other name forms (…店, …专业合作社, …协会) than the 有限公司 names generated here, so they are
# left out rather than mislabelled.
USCC_TYPE_CODES = (("91", 1.0),)


@dataclass(frozen=True)
class Region:
    """A county-level administrative division from stdnum's table."""

    code: str
    province: str
    city: str
    county: str
    valid_from: int  # first year the county name/code is assigned (0 = always)


def _county_periods(name: str) -> list[tuple[int, int, str]]:
    out = []
    for part in name.split(","):
        if part.startswith("["):
            span, county = part[1:].split("]")
            start, end = span.split("-")
            out.append((int(start) if start else 0, int(end) if end else 9999, county))
        else:
            out.append((0, 9999, part))
    return out


@lru_cache(maxsize=1)
def regions() -> tuple[Region, ...]:
    """County-level codes still valid today (open-ended), with the year they became valid."""
    from stdnum import numdb

    db = numdb.get("cn/loc")
    out: list[Region] = []
    for _, prov_code, _, prov_props, kids in db.prefixes:
        province = prov_props.get("province", "")
        city_names: dict[str, str] = {}
        for _, code, _, props, _ in kids:
            if code.endswith("00"):
                periods = _county_periods(props.get("county", ""))
                current = [c for s, e, c in periods if e == 9999]
                if current:
                    city_names[code[:2]] = current[-1]
        for _, code, _, props, _ in kids:
            if code.endswith("00") or code[2:] in ("00",):
                continue
            periods = [p for p in _county_periods(props.get("county", "")) if p[1] == 9999]
            if not periods:
                continue
            start, _, county = periods[-1]
            if county in ("市辖区", "县") or start > 1990:
                continue
            city = city_names.get(code[:2], province)
            if city in ("市辖区", "县") or "直辖" in city:
                city = province
            out.append(Region(prov_code + code, province, city, county, start))
    return tuple(out)


def org_code_check(body: str) -> str:
    """GB 11714 check character of an 8-character organisation code body."""
    total = sum(
        USCC_ALPHABET.index(ch) * w if ch.isdigit() else (ord(ch) - 55) * w
        for ch, w in zip(body, _ORG_WEIGHTS.tolist(), strict=True)
    )
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def org_code_valid(code: str) -> bool:
    """True when a 9-character organisation code carries its GB 11714 check character."""
    return len(code) == 9 and code[:8].isalnum() and org_code_check(code[:8]) == code[8]


def _uscc_check_vec(codes17: np.ndarray) -> np.ndarray:
    """Vectorized GB 32100 check: codes17 is an (n, 17) array of alphabet indices."""
    total = (codes17 * _USCC_WEIGHTS).sum(axis=1)
    return (31 - total % 31) % 31


def make_usccs(rng: np.random.Generator, region_codes: np.ndarray, n: int) -> np.ndarray:
    """n distinct valid USCCs whose region part is taken from ``region_codes`` (strings, 6 digits).

    The organisation-code part is an 8-digit serial plus its GB 11714 check character, as on real
    licences converted from the old 组织机构代码; the serials are drawn without replacement so that no
    two companies share a USCC.
    """
    types, probs = zip(*USCC_TYPE_CODES, strict=True)
    weights = cast(tuple[float, ...], probs)
    type_idx = rng.choice(len(types), size=n, p=np.array(weights) / sum(weights))
    serials = rng.choice(90_000_000, size=n, replace=False) + 10_000_000
    digits = np.zeros((n, 8), dtype=np.int64)
    s = serials.copy()
    for k in range(7, -1, -1):
        digits[:, k] = s % 10
        s //= 10
    org_c = 11 - (digits * _ORG_WEIGHTS).sum(axis=1) % 11  # 1..11
    org_chars = np.where(org_c == 10, "X", np.where(org_c == 11, "0", org_c.astype(str)))
    out = np.empty(n, dtype=object)
    alpha = {ch: i for i, ch in enumerate(USCC_ALPHABET)}
    prefix = [types[t] + region_codes[i] + f"{serials[i]:08d}" + org_chars[i] for i, t in enumerate(type_idx)]
    idx = (
        np.array([[alpha[ch] for ch in p] for p in prefix], dtype=np.int64)
        if n
        else np.zeros((0, 17), np.int64)
    )
    checks = _uscc_check_vec(idx)
    for i in range(n):
        out[i] = prefix[i] + USCC_ALPHABET[checks[i]]
    return out


def ric_check(body17: str) -> str:
    """Check character of a 17-digit resident-ID body (ISO 7064 MOD 11-2)."""
    total = sum(int(c) * w for c, w in zip(body17, _RIC_WEIGHTS.tolist(), strict=True))
    return _RIC_CHECK[total % 11]


def make_rics(
    rng: np.random.Generator, birth_ordinals: np.ndarray, male: np.ndarray, region_pool: tuple[Region, ...]
) -> np.ndarray:
    """Distinct valid resident IDs for people born on ``birth_ordinals`` (date ordinals).

    The county is drawn among those already assigned in the birth year (stdnum checks this); the
    3-digit sequence is odd for men and even for women, as the standard prescribes. Uniqueness is
    enforced by redrawing the sequence of the rare collisions.
    """
    import datetime as dt

    n = len(birth_ordinals)
    starts = np.array([r.valid_from for r in region_pool])
    order = np.argsort(starts, kind="stable")
    starts_sorted = starts[order]
    years = np.array([dt.date.fromordinal(int(o)).year for o in birth_ordinals], dtype=np.int64)
    avail = np.searchsorted(starts_sorted, years, side="right")
    pick = order[np.minimum((rng.random(n) * avail).astype(np.int64), np.maximum(avail - 1, 0))]
    seq = rng.integers(0, 500, size=n) * 2 + np.where(male, 1, 0)
    dates = [dt.date.fromordinal(int(o)).strftime("%Y%m%d") for o in birth_ordinals]
    out = np.empty(n, dtype=object)
    seen: set[str] = set()
    for i in range(n):
        code = region_pool[pick[i]].code
        s = int(seq[i])
        while True:
            body = f"{code}{dates[i]}{s:03d}"
            if body not in seen:
                break
            s = (s + 2) % 1000
        seen.add(body)
        out[i] = body + ric_check(body)
    return out
