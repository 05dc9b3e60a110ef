"""The memory-saving paths give the same result as the straightforward ones: blocking's rule-by-rule
union equals the union of all rules' pairs deduplicated at once (order, first rule, rule mask), and
scoring in chunks equals scoring every pair at once, with the evidence of hard no-matches dropped
and still explained on demand."""

from __future__ import annotations

import numpy as np
import pytest

from entity_resolution import ResolutionSpec, resolve
from entity_resolution.blocking import _PairUnion
from entity_resolution.comparators import compare
from entity_resolution.prepare import prepare
from entity_resolution.scoring import HARD_NO, judgement_index, score_in_chunks, score_pairs


def test_pair_union_equals_all_at_once_deduplication():
    rng = np.random.default_rng(3)
    rules = [rng.integers(0, 400, size=rng.integers(0, 300)) for _ in range(6)]
    union = _PairUnion()
    for r, codes in enumerate(rules):
        union.add(r, codes.astype(np.int64))
    codes, first_rule, mask = union.in_first_order()
    # the all-at-once version: concatenate in rule order, keep first occurrences in that order
    allc = np.concatenate(rules).astype(np.int64)
    allr = np.concatenate([np.full(len(c), r) for r, c in enumerate(rules)])
    uniq, first, inverse = np.unique(allc, return_index=True, return_inverse=True)
    want_mask = np.zeros(len(uniq), np.int64)
    np.bitwise_or.at(want_mask, inverse.ravel(), np.left_shift(np.int64(1), allr.astype(np.int64)))
    order = np.argsort(first, kind="stable")
    assert np.array_equal(codes, allc[first[order]])
    assert np.array_equal(first_rule, allr[first[order]])
    assert np.array_equal(mask, want_mask[order])


@pytest.mark.parametrize("kind", ["company", "person"])
def test_chunked_scoring_equals_scoring_at_once(kind, company_background, person_background):
    records = company_background if kind == "company" else person_background
    spec = ResolutionSpec.from_yaml(f"{kind}_cn")
    res = resolve(records, spec)
    prep = prepare(records.reset_index(drop=True), spec)
    sp = res._scored
    a, b, brule = sp.a, sp.b, sp.blocking_rule
    judged = judgement_index(prep, [])
    sims, levels = compare(spec.comparisons, prep.values, a, b, prep.source)
    whole = score_pairs(prep, spec, res.model, a, b, brule, judged, precomputed=(sims.copy(), levels.copy()))
    chunked = score_in_chunks(
        prep, spec, res.model, a, b, brule, judged, precomputed=(sims, levels), chunk=37
    )
    assert len(a) > 3 * 37
    for f in ("score", "decision", "rule", "positive", "cannot", "by_strong_key"):
        assert np.array_equal(getattr(whole, f), getattr(chunked, f)), f
    hard = whole.decision == HARD_NO
    rows = chunked.evidence_rows()
    assert (rows[hard] == -1).all() and (rows[~hard] >= 0).all()
    assert np.array_equal(chunked.weights[rows[~hard]], whole.weights[~hard])
    assert np.array_equal(chunked.levels[rows[~hard]], whole.levels[~hard])


def test_hard_no_match_keeps_its_row_and_is_explained(person_background):
    spec = ResolutionSpec.from_yaml("person_cn")
    res = resolve(person_background, spec)
    pairs = res.pairs
    hard = pairs[pairs["decision"] == "hard-no-match"]
    assert len(hard) and len(pairs) == len(res._scored.a)
    assert hard["name_level"].isna().all() and hard["name_weight"].isna().all()
    kept = pairs[pairs["decision"] != "hard-no-match"]
    assert kept["name_level"].notna().all()
    row = hard.iloc[0]
    ev = res.explain(row.record_id_a, row.record_id_b)
    assert ev["decision"] == "hard-no-match" and ev["rule"] == row.rule
    assert ev["blocking_rule"] == row.blocking_rule
    assert ev["total_weight"] == pytest.approx(float(row.score), abs=1e-3)
    assert all(s.get("level") is not None for s in ev["steps"][1:])
