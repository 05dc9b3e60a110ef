"""Similarity of one field on many candidate pairs at once (rapidfuzz ``process.cpdist``).

Character-level scorers are used because token scorers gain nothing on unspaced Chinese.
Every comparator returns a similarity in [0, 1] per pair (NaN where either side is missing);
:func:`to_levels` turns it into the comparison level the Fellegi–Sunter model weighs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA, JaroWinkler, Levenshtein

from entity_resolution.keys import masked_compatible
from entity_resolution.normalize import TOKEN_SEPARATOR
from entity_resolution.spec import Comparison

WORKERS = 2


def _present(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return pd.notna(x) & pd.notna(y)


def _cpdist(x: np.ndarray, y: np.ndarray, scorer, **kw) -> np.ndarray:
    if len(x) == 0:
        return np.empty(0, np.float32)
    return process.cpdist(list(x), list(y), scorer=scorer, workers=WORKERS, dtype=np.float32, **kw)


def _has(col: np.ndarray) -> np.ndarray:
    """Per value: present (not None/NaN) — computed once per column, then indexed by pair."""
    return ~pd.isna(col)


def _masked(x: np.ndarray) -> np.ndarray:
    return np.fromiter(("*" in v for v in x.tolist()), bool, count=len(x))


def _id_similarity(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """1.0 equal; 0.95 one edit apart (typo); 0.9 masked-compatible; else 0.

    "One edit" is the optimal-string-alignment (restricted Damerau–Levenshtein) distance: two
    adjacent digits keyed in the wrong order (4066625 / 4066652) are one typing error, not two.

    Where either side is masked the best possible level is "masked-compatible": two identical
    masks (3301**********1234) only say that 8 characters agree, never that the ids are equal."""
    sim = np.zeros(len(x), np.float32)
    masked = _masked(x) | _masked(y)
    full = np.flatnonzero(~masked)
    if len(full):
        eq = x[full] == y[full]
        sim[full[eq]] = 1.0
        rest = full[~eq]
        if len(rest):
            dist = process.cpdist(list(x[rest]), list(y[rest]), scorer=OSA.distance, workers=WORKERS)
            sim[rest[dist <= 1]] = 0.95
    for i in np.flatnonzero(masked).tolist():
        if masked_compatible(x[i], y[i]):
            sim[i] = 0.9
    return sim


def _overlap(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Overlap coefficient of two token sets (``a|b|c``): shared tokens ÷ the smaller set's size.

    A record that names one of an entity's companies agrees fully on what it knows, however many
    more the other record names; two sets with nothing in common score 0."""
    xl, yl = x.tolist(), y.tolist()
    # most records name one token: two single tokens overlap fully or not at all, and only the
    # pairs with a set on either side need their tokens split
    out = (x == y).astype(np.float32)
    several = np.fromiter(
        (TOKEN_SEPARATOR in u or TOKEN_SEPARATOR in v for u, v in zip(xl, yl, strict=True)),
        bool,
        count=len(xl),
    )
    for i in np.flatnonzero(several).tolist():
        su, sv = set(xl[i].split(TOKEN_SEPARATOR)), set(yl[i].split(TOKEN_SEPARATOR))
        out[i] = len(su & sv) / min(len(su), len(sv))
    return out


def similarity(
    comp: Comparison, x: np.ndarray, y: np.ndarray, present: np.ndarray | None = None
) -> np.ndarray:
    """Similarity per pair for one comparison; NaN where a value is missing (``present``, when
    the caller knows it, saves testing every pair's values again)."""
    if present is None:
        present = _present(x, y)
    out = np.full(len(x), np.nan, np.float32)
    idx = np.flatnonzero(present)
    if len(idx) == 0:
        return out
    xs, ys = x[idx], y[idx]
    if comp.comparator == "exact":
        sim = (xs == ys).astype(np.float32)
    elif comp.comparator == "ratio":
        sim = _cpdist(xs, ys, fuzz.ratio) / 100.0
    elif comp.comparator == "partial_ratio":
        sim = np.maximum(_cpdist(xs, ys, fuzz.ratio), _cpdist(xs, ys, fuzz.partial_ratio) * 0.95) / 100.0
    elif comp.comparator == "jaro_winkler":
        sim = _cpdist(xs, ys, JaroWinkler.normalized_similarity)
    elif comp.comparator == "levenshtein":
        sim = _cpdist(xs, ys, Levenshtein.normalized_similarity)
    elif comp.comparator == "damerau_levenshtein":
        # transpositions count as one edit (2119 / 2191): the commonest typing error in codes
        sim = _cpdist(xs, ys, OSA.normalized_similarity)
    elif comp.comparator == "id":
        sim = _id_similarity(xs, ys)
    elif comp.comparator == "overlap":
        sim = _overlap(xs, ys)
    else:  # pragma: no cover - guarded by the spec's Literal
        raise ValueError(comp.comparator)
    # exact string equality is the top level whatever the scorer's rounding (ids excepted: an
    # equal *mask* is not an equal id)
    if comp.comparator != "id":
        sim = np.where(xs == ys, np.float32(1.0), sim.astype(np.float32))
    out[idx] = sim
    return out


def to_levels(comp: Comparison, sim: np.ndarray) -> np.ndarray:
    """Level per pair: -1 null, 0 else, k = len(levels) for the top threshold … 1 for the lowest."""
    levels = np.zeros(len(sim), np.int8)
    for rank, thr in enumerate(reversed(comp.levels), start=1):
        levels[sim >= thr - 1e-6] = rank
    levels[np.isnan(sim)] = -1
    return levels


def same_source(source: np.ndarray | None, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairs whose two records come from one (known) source."""
    if source is None:
        return np.zeros(len(a), bool)
    sa, sb = source[a], source[b]
    return pd.notna(sa) & (sa == sb)


def compare(
    comps: list[Comparison],
    values: dict[str, np.ndarray],
    a: np.ndarray,
    b: np.ndarray,
    source: np.ndarray | None = None,
):
    """Similarity and level matrices (pairs × comparisons) for the pairs (a[k], b[k]).

    A comparison that is not compared within one source (``within_source`` other than "compare")
    reads as missing on such pairs; scoring applies the conflict weight."""
    sims = np.empty((len(a), len(comps)), np.float32)
    levels = np.empty((len(a), len(comps)), np.int8)
    inside = None
    for j, comp in enumerate(comps):
        col = values[comp.name]
        have = _has(col)
        present = have[a] & have[b]
        if comp.within_source != "compare":
            # not compared inside one source (scoring weighs those pairs on its own terms)
            inside = same_source(source, a, b) if inside is None else inside
            present &= ~inside
        sims[:, j] = similarity(comp, col[a], col[b], present)
        levels[:, j] = to_levels(comp, sims[:, j])
    for j, comp in enumerate(comps):
        if comp.swapped_with is not None:
            k = next(i for i, c in enumerate(comps) if c.name == comp.swapped_with)
            _mark_swapped(comp, j, k, values[comp.name], values[comps[k].name], a, b, sims, levels)
    return sims, levels


def _mark_swapped(
    comp: Comparison,
    j: int,
    k: int,
    mine: np.ndarray,
    other: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    sims: np.ndarray,
    levels: np.ndarray,
) -> None:
    """Pairs whose two fields agree crosswise (given name of one = surname of the other and vice
    versa) while they do not agree straight: level "swapped" on comparison ``j``, missing on ``k``.

    Agreement is the comparison's second level (its first fuzzy threshold) or better, so a swap
    with a typo in one of the names is still seen as a swap."""
    thr = (comp.levels[1] if len(comp.levels) > 1 else comp.levels[0]) - 1e-6
    straight = np.nan_to_num(sims[:, j], nan=0.0) >= thr
    straight |= np.nan_to_num(sims[:, k], nan=0.0) >= thr
    have_mine, have_other = _has(mine), _has(other)
    cand = np.flatnonzero(~straight & have_mine[a] & have_other[b] & have_other[a] & have_mine[b])
    if not len(cand):
        return
    ok = np.ones(len(cand), bool)
    one = similarity(comp, mine[a[cand]], other[b[cand]], ok)
    keep = one >= thr
    cand, one = cand[keep], one[keep]
    two = similarity(comp, other[a[cand]], mine[b[cand]], np.ones(len(cand), bool))
    hit = cand[(one >= thr) & (two >= thr)]
    levels[hit, j] = comp.swapped_level
    levels[hit, k] = -1
