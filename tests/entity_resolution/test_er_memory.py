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


def test_overlap_fast_path_equals_the_token_set_definition():
    from entity_resolution.comparators import _overlap

    rng = np.random.default_rng(5)
    tokens = ["甲", "乙", "丙", "丁"]

    def token_set():
        return "|".join(sorted(set(rng.choice(tokens, size=rng.integers(1, 4)).tolist())))

    x = np.array([token_set() for _ in range(500)], object)
    y = np.array([token_set() for _ in range(500)], object)
    want = [
        len(set(u.split("|")) & set(v.split("|"))) / min(len(u.split("|")), len(v.split("|")))
        for u, v in zip(x, y, strict=True)
    ]
    assert np.allclose(_overlap(x, y), want)
    assert {0.0, 1.0} < set(np.round(want, 3).tolist())  # both single-token outcomes and partial sets


def test_cluster_check_tests_only_the_scored_pairs_inside_checked_components():
    """The pairs the cluster check adds are those of the straightforward definition: every pair
    inside a component of 3..max_cluster_check records not scored already (one side new)."""
    from types import SimpleNamespace

    from entity_resolution.blocking import pairs_from_codes
    from entity_resolution.pipeline import _cluster_check_pairs
    from entity_resolution.scoring import pair_codes

    rng = np.random.default_rng(11)
    n = 400
    comp = rng.integers(0, 120, size=n)
    is_new = rng.random(n) < 0.7
    sa = rng.integers(0, n, size=900)
    sb = rng.integers(0, n, size=900)
    keep = sa != sb
    sa, sb = np.minimum(sa, sb)[keep], np.maximum(sa, sb)[keep]
    spec = SimpleNamespace(max_cluster_check=5)
    prep = SimpleNamespace(n=n, is_new=is_new)
    got_a, got_b = _cluster_check_pairs(prep, spec, comp, SimpleNamespace(a=sa, b=sb))

    sizes = np.bincount(comp)
    a, b = pairs_from_codes(np.where(sizes[comp] >= 3, comp, -1), 5)
    fresh = ~np.isin(pair_codes(n, a, b), pair_codes(n, sa, sb)) & (is_new[a] | is_new[b])
    assert len(got_a) and np.array_equal(got_a, a[fresh]) and np.array_equal(got_b, b[fresh])


def test_scored_labels_are_categoricals_and_read_as_text(person_background):
    import pandas as pd

    res = resolve(person_background, ResolutionSpec.from_yaml("person_cn"))
    for f in ("decision", "rule", "judgement", "blocking_rule"):
        assert isinstance(getattr(res._scored, f), pd.Categorical), f
    row = res.pairs.iloc[0]
    ev = res.explain(row.record_id_a, row.record_id_b)
    assert ev["judgement"] is None and isinstance(ev["decision"], str) and isinstance(ev["rule"], str)
