"""Candidate pairs: records that share a blocking key.

Each rule yields a key per record; records with equal keys form a block and every pair inside a
block becomes a candidate.  Blocks larger than the cap are skipped (a key shared by thousands of
records — a common name, a placeholder phone — carries no identity), except for strong-key rules,
whose large blocks are linked as a star (every record to the block's first) because equal valid
strong keys mean one entity however many records there are.  Pair generation is vectorized: the
only Python loop is over the distinct block sizes (≤ the cap).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from entity_resolution import keys
from entity_resolution.normalize import TOKEN_SEPARATOR, map_unique
from entity_resolution.prepare import Prepared
from entity_resolution.spec import BlockingRule, ResolutionSpec


@dataclass
class Candidates:
    """Candidate pairs as index arrays (a < b) plus the first rule that produced each pair."""

    a: np.ndarray
    b: np.ndarray
    rule: np.ndarray  # index into spec.blocking, or -1 for pairs added by the clustering check
    rule_names: list[str]
    # bit r set when rule r produced the pair (training uses the pairs of the rules that do not
    # involve a comparison to estimate that comparison's m)
    rules_mask: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.a)


EACH = "each"
SET_VALUED = (EACH, keys.ONE_ERROR)
# mixes the hashes of a rule's key parts into one (odd: a bijection of the first part's hash)
_MIX = np.uint64(0x9E3779B97F4A7C15)


def _has_each(rule: BlockingRule) -> bool:
    return any(part.partition(":")[2] in SET_VALUED for part in rule.keys)


def _hash(values: np.ndarray) -> np.ndarray:
    """64-bit hashes of key strings: a key's identity in the block-key index (two different keys
    sharing a hash would merge their blocks; among millions of keys the chance is below 1e-6).

    Each value is hashed as it is: pandas' default first factorizes the values and checks the
    categories are unique, two hash tables over the keys that cost 14 times the hashing on keys
    that rarely repeat (names and their one-deletion variants: a third of a company run at scale
    l).  The hashes are the same either way."""
    if not len(values):
        return np.empty(0, np.uint64)
    return np.asarray(pd.util.hash_array(values, categorize=False), np.uint64)


def _mix(h1: np.ndarray, h2: np.ndarray) -> np.ndarray:
    """One hash for a pair of part hashes (distinct pairs give distinct hashes but by chance)."""
    with np.errstate(over="ignore"):
        return np.asarray(pd.util.hash_array((h1 * _MIX) ^ h2, categorize=False), np.uint64)


@dataclass
class RuleRows:
    """One rule's block keys per record, as hashes: record ``i`` has ``counts[i]`` keys (0 or 1 for a
    plain rule, one per token / variant for a set-valued one), stored in record order in
    ``hashes``.  This is the block-key index a later run reuses for the records it has seen."""

    counts: np.ndarray  # int32 per record
    hashes: np.ndarray  # uint64, len = counts.sum()

    def offsets(self) -> np.ndarray:
        return np.r_[np.int64(0), np.cumsum(self.counts, dtype=np.int64)]


def _single_rows(prep: Prepared, rule: BlockingRule) -> RuleRows:
    """A plain rule: one key per record, the tuple of its parts (missing if any part is)."""
    has = np.ones(prep.n, bool)
    h = np.zeros(prep.n, np.uint64)
    for i, part in enumerate(rule.keys):
        field, _, tname = part.partition(":")
        values = map_unique(pd.Series(prep.field(field), dtype=object), keys.transform(tname or "exact"))
        vals = values.to_numpy(dtype=object)
        present = ~pd.isna(vals)
        ph = np.zeros(prep.n, np.uint64)
        ph[present] = _hash(vals[present])
        has &= present
        h = ph if i == 0 else _mix(h, ph)
    return RuleRows(has.astype(np.int32), h[has])


def _part_rows(prep: Prepared, part: str) -> tuple[np.ndarray, np.ndarray]:
    """(owner, key hash) rows of one key part: one row per record for a plain part, one per token
    for ``field:each``, one per one-deletion variant for ``field:del1``; missing keys drop out."""
    field, _, tname = part.partition(":")
    values = pd.Series(prep.field(field), dtype=object)
    if tname == EACH:
        lists = values.map(lambda v: v.split(TOKEN_SEPARATOR) if isinstance(v, str) else [])
    elif tname == keys.ONE_ERROR:
        lists = map_unique(values, keys.deletion_neighbourhood)
        lists = lists.map(lambda v: v if isinstance(v, list) else [])
    else:
        single = map_unique(values, keys.transform(tname or "exact"))
        lists = single.map(lambda v: [v] if isinstance(v, str) else [])
    lengths = lists.map(len).to_numpy(np.int64)
    owner = np.repeat(np.arange(prep.n, dtype=np.int64), lengths)
    flat = [v for row in lists.tolist() for v in row]
    return owner, _hash(np.asarray(flat, dtype=object))


def _exploded_rows(prep: Prepared, rule: BlockingRule) -> RuleRows:
    """A rule with a set-valued part: one row per distinct (record, key), in record order."""
    owner, h = _part_rows(prep, rule.keys[0])
    for part in rule.keys[1:]:
        o2, h2 = _part_rows(prep, part)
        left = pd.DataFrame({"owner": owner, "k1": h})
        right = pd.DataFrame({"owner": o2, "k2": h2})
        both = left.merge(right, on="owner", how="inner")
        owner = both["owner"].to_numpy(np.int64)
        h = _mix(both["k1"].to_numpy(np.uint64), both["k2"].to_numpy(np.uint64))
    # one row per (record, key): a record whose variants coincide must not pair with itself
    rows = pd.DataFrame({"owner": owner, "code": h}).drop_duplicates()
    owner = rows["owner"].to_numpy(np.int64)
    h = rows["code"].to_numpy(np.uint64)
    if len(owner) > 1 and bool((owner[1:] < owner[:-1]).any()):
        order = np.argsort(owner, kind="stable")
        owner, h = owner[order], h[order]
    return RuleRows(np.bincount(owner, minlength=prep.n).astype(np.int32), h)


def rule_rows(prep: Prepared, spec: ResolutionSpec) -> list[RuleRows]:
    """Every blocking rule's keys per record (the block-key index), in rule order."""
    return [_rows_of(prep, rule) for rule in spec.blocking]


def _rows_of(prep: Prepared, rule: BlockingRule) -> RuleRows:
    return _exploded_rows(prep, rule) if _has_each(rule) else _single_rows(prep, rule)


def _keys_of(rows: RuleRows, rule: BlockingRule, spec: ResolutionSpec) -> RuleKeys:
    """A rule's block codes from its keys: blocks numbered in order of first appearance, as a
    factorization of the key strings over the records in order numbers them."""
    codes = np.asarray(pd.factorize(rows.hashes)[0], np.int64) if len(rows.hashes) else np.empty(0, np.int64)
    return _rule_keys(rows, rule, spec, codes)


def _rule_keys(rows: RuleRows, rule: BlockingRule, spec: ResolutionSpec, row_code: np.ndarray) -> RuleKeys:
    """The rule's codes from one code per key row (-1: not in a block): per row with its owning
    record for a set-valued rule, per record for a plain one (a strong-id rule links its oversized
    blocks as stars)."""
    max_block = rule.max_block_size or spec.max_block_size
    n = len(rows.counts)
    if _has_each(rule):
        owner = np.repeat(np.arange(n, dtype=np.int64), rows.counts)
        return RuleKeys(row_code, owner, max_block, star_large=False)
    strong_names = {s.name for s in spec.strong_ids}
    is_strong_rule = all(
        p.partition(":")[0] in strong_names and p.partition(":")[2] in ("", "exact") for p in rule.keys
    )
    code = np.full(n, -1, np.int64)
    code[rows.counts.astype(bool)] = row_code
    return RuleKeys(code, None, max_block, star_large=is_strong_rule)


def focused_keys(
    rows: RuleRows, rule: BlockingRule, spec: ResolutionSpec, marked: np.ndarray, at_least: int
) -> RuleKeys:
    """A rule's block codes for the blocks holding at least ``at_least`` rows of ``marked``
    records only (every other row -1).  A kept block keeps all its rows, so its size — whether it
    is paired at all, or linked as a star — and the order of its pairs are the full run's: blocks
    are numbered in order of first appearance among the kept rows, which is their order among all
    rows.  Only the kept rows are numbered, so a batch against millions of records costs one
    hash lookup per row, not a factorization of the population's keys."""
    row_marked = np.repeat(marked, rows.counts) if _has_each(rule) else marked[rows.counts.astype(bool)]
    hits = rows.hashes[row_marked]
    if at_least > 1:
        uniq, count = np.unique(hits, return_counts=True)
        hits = uniq[count >= at_least]
    kept = pd.Series(rows.hashes, copy=False).isin(pd.unique(hits)).to_numpy(bool)
    row_code = np.full(len(rows.hashes), -1, np.int64)
    if kept.any():
        row_code[kept] = pd.factorize(rows.hashes[kept])[0]
    return _rule_keys(rows, rule, spec, row_code)


@dataclass
class RuleKeys:
    """One rule's block codes: ``code[i]`` is the block of row ``i`` (-1 = no key), and the row
    belongs to record ``owner[i]`` (``owner`` None: row i is record i; set-valued rules have
    several rows per record).  Kept so that a focused run can pair within chosen blocks only."""

    code: np.ndarray
    owner: np.ndarray | None
    max_block: int
    star_large: bool

    def pairs(self, code: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The rule's pairs (a < b), over ``code`` (this rule's codes with some blocks blanked)."""
        pa, pb = pairs_from_codes(self.code if code is None else code, self.max_block, self.star_large)
        if self.owner is None:
            return pa, pb
        a, b = self.owner[pa], self.owner[pb]
        keep = a != b
        return np.minimum(a[keep], b[keep]), np.maximum(a[keep], b[keep])


def pairs_from_codes(
    codes: np.ndarray, max_block: int, star_large: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """All within-block pairs (i < j by record position) for blocks of size 2..max_block;
    larger blocks become stars when ``star_large``."""
    idx = np.flatnonzero(codes >= 0)
    if len(idx) < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    order = idx[np.argsort(codes[idx], kind="stable")]
    sorted_codes = codes[order]
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
    sizes = np.diff(np.r_[starts, len(order)])
    out_a: list[np.ndarray] = []
    out_b: list[np.ndarray] = []
    for size in np.unique(sizes[(sizes >= 2) & (sizes <= max_block)]):
        block_starts = starts[sizes == size]
        i, j = np.triu_indices(int(size), k=1)
        out_a.append(order[block_starts[:, None] + i[None, :]].ravel())
        out_b.append(order[block_starts[:, None] + j[None, :]].ravel())
    if star_large:
        for start, size in zip(starts[sizes > max_block], sizes[sizes > max_block], strict=True):
            members = order[start : start + size]
            out_a.append(np.full(size - 1, members[0]))
            out_b.append(members[1:])
    if not out_a:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    a = np.concatenate(out_a)
    b = np.concatenate(out_b)
    return np.minimum(a, b), np.maximum(a, b)


# a pair's first occurrence as one sortable integer: rule index above, position in the rule below
FIRST_SHIFT = 40


class _PairUnion:
    """The union of the rules' pairs, deduplicated as each rule's pairs arrive.

    Holds one row per distinct pair, sorted by pair code: the code, where the pair first occurred
    (rule, position within that rule's pairs) and the bit mask of the rules that produced it.  A
    rule's pairs are deduplicated on their own and merged in, so the raw pairs of all rules never
    exist at once (at scale l they were two to three times the distinct pairs, and the sort that
    deduplicated them held several copies)."""

    def __init__(self) -> None:
        self.codes = np.empty(0, np.int64)
        self.first = np.empty(0, np.int64)
        self.mask = np.empty(0, np.int64)

    def add(self, rule: int, codes: np.ndarray) -> None:
        if not len(codes):
            return
        uniq, first = np.unique(codes, return_index=True)
        bit = np.left_shift(np.int64(1), np.int64(rule))
        at = np.searchsorted(self.codes, uniq)
        seen = at < len(self.codes)
        seen[seen] = self.codes[at[seen]] == uniq[seen]
        self.mask[at[seen]] |= bit
        fresh = ~seen
        at, uniq, first = at[fresh], uniq[fresh], first[fresh]
        self.codes = np.insert(self.codes, at, uniq)
        self.first = np.insert(self.first, at, (np.int64(rule) << FIRST_SHIFT) | first.astype(np.int64))
        self.mask = np.insert(self.mask, at, np.full(len(uniq), bit, np.int64))

    def in_first_order(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(codes, first rule, mask) ordered by first occurrence, as if all rules' pairs had been
        concatenated in rule order and deduplicated keeping the first."""
        order = np.argsort(self.first, kind="stable")
        rule = (self.first[order] >> FIRST_SHIFT).astype(np.int16)
        return self.codes[order], rule, self.mask[order]


def block(
    prep: Prepared,
    spec: ResolutionSpec,
    *,
    rows: list[RuleRows] | None = None,
    around: np.ndarray | None = None,
    both: bool = False,
) -> Candidates:
    """Union of all rules' pairs, deduplicated, filtered by link mode and incremental mode.

    ``around`` (a mask of records): only the pairs of those records — with ``both``, pairs whose two
    records are marked, else pairs with at least one marked record.  Only blocks holding enough
    marked records are paired (:func:`focused_keys`), so the cost follows the marked records and
    their blocks, not the population; the pairs, their order, first rule and rule mask are those of
    the full union restricted to the marked records.  ``rows``: the rules' block keys when the
    caller has them (an incremental run's carried index, or blocking the same records twice);
    otherwise each rule's keys are computed and dropped in turn, so a full run holds one rule's."""
    union = _PairUnion()
    for r, rule in enumerate(spec.blocking):
        rule_rows_ = rows[r] if rows is not None else _rows_of(prep, rule)
        if around is None:
            rk = _keys_of(rule_rows_, rule, spec)
        else:
            rk = focused_keys(rule_rows_, rule, spec, around, 2 if both else 1)
        del rule_rows_
        a, b = rk.pairs()
        keep = a != b
        if spec.mode == "link_only" and prep.source is not None:
            keep &= prep.source[a] != prep.source[b]
        # incremental: pairs between two already-resolved records are settled; do not rescore them
        keep &= prep.is_new[a] | prep.is_new[b]
        if around is not None:
            keep &= (around[a] & around[b]) if both else (around[a] | around[b])
        union.add(r, a[keep] * prep.n + b[keep])
        del a, b, keep, rk
    codes, rule_idx, mask = union.in_first_order()
    del union
    n = max(prep.n, 1)
    return Candidates(
        a=codes // n,
        b=codes % n,
        rule=rule_idx,
        rule_names=[r.name for r in spec.blocking],
        rules_mask=mask,
    )
