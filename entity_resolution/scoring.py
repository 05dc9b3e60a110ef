"""Score candidate pairs and decide each one, keeping the evidence.

Order of precedence (first that applies wins):
1. hard no-merge: two different *valid* strong keys of the same kind; a branch vs a non-branch,
   or two branches with different units (北京分公司 vs 上海分公司), unless their valid strong
   keys are equal;
2. reviewer judgement: "different" ⇒ never merged; "same" ⇒ merged;
3. equal valid strong key ⇒ match;
4. Fellegi–Sunter weight: ≥ match threshold ⇒ match, ≥ review ⇒ review, else non-match.  The
   thresholds are log2 odds, so they are match probabilities: ``p = 1 / (1 + 2^-weight)`` (6 bits
   ⇔ p ≈ 0.985, 0 bits ⇔ p = 0.5).  With ``require_support`` (persons) a match is downgraded to
   review when no support field agrees *and* fewer than two fields besides the name agree or
   they do not reach the match threshold on their own: a person is never merged on the name
   alone (nor on a name and a gender).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from entity_resolution.comparators import compare, same_source, similarity
from entity_resolution.fellegi_sunter import FSModel, partial_weights
from entity_resolution.prepare import Prepared
from entity_resolution.review import Judgement, judgement_map
from entity_resolution.spec import ResolutionSpec

MIN_FIELDS_BEYOND_NAME = 2
MATCH, REVIEW, NON_MATCH, HARD_NO, JUDGED = "match", "review", "non-match", "hard-no-match", "reviewer-judged"


# the per-pair text fields: a handful of distinct values each, kept as categoricals once scored
# in chunks (one byte per pair instead of an eight-byte object pointer: at 20M pairs the four
# object columns were 650 MB of a run's peak)
LABEL_FIELDS = ("decision", "rule", "judgement", "blocking_rule")


@dataclass
class ScoredPairs:
    """Scored candidate pairs.  The label fields (``LABEL_FIELDS``) are object arrays as
    ``score_pairs`` returns them, categoricals after ``score_in_chunks`` / ``concat``; both compare
    with ``==`` and index alike (a missing judgement reads None or NaN: use ``label_at``)."""

    a: np.ndarray
    b: np.ndarray
    sims: np.ndarray
    levels: np.ndarray
    weights: np.ndarray
    tf_used: np.ndarray
    score: np.ndarray
    decision: Any
    rule: Any
    judgement: Any
    positive: np.ndarray
    cannot: np.ndarray
    blocking_rule: Any
    by_strong_key: np.ndarray
    # per pair: its row in sims / levels / weights / tf_used, -1 where the evidence was dropped;
    # None = row i is pair i (every pair has its evidence)
    evidence_row: np.ndarray | None = None

    def evidence_rows(self) -> np.ndarray:
        """Per pair, its row in the evidence matrices (-1 = not kept)."""
        if self.evidence_row is None:
            return np.arange(len(self.a), dtype=np.int64)
        return self.evidence_row

    def without_evidence(self, drop: np.ndarray) -> ScoredPairs:
        """The same pairs, with the per-field evidence kept only where ``drop`` is False.

        The evidence matrices (similarity, level, weight, TF flag per comparison) are the largest
        part of the scored pairs, and most candidates of a large population are hard no-matches
        nobody reads the evidence of; ``Resolution.explain`` recomputes any pair on demand."""
        rows = self.evidence_rows()
        keep_rows = rows[~drop & (rows >= 0)]
        new_row = np.full(len(self.a), -1, np.int64)
        new_row[~drop & (rows >= 0)] = np.arange(len(keep_rows), dtype=np.int64)
        return replace(
            self,
            sims=self.sims[keep_rows],
            levels=self.levels[keep_rows],
            weights=self.weights[keep_rows],
            tf_used=self.tf_used[keep_rows],
            evidence_row=new_row,
        )


def label_at(values: Any, k: int) -> str | None:
    """One pair's label (decision, rule, judgement, blocking rule) as text, None when missing."""
    v = values[k]
    return None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)


def _categorical(parts: list[Any]) -> pd.Categorical:
    """One categorical from label chunks (object arrays or categoricals), in order."""
    cats = [p if isinstance(p, pd.Categorical) else pd.Categorical(p) for p in parts]
    return union_categoricals(cats) if len(cats) > 1 else cats[0]


def pair_codes(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.minimum(a, b).astype(np.int64) * n + np.maximum(a, b)


def judged_pairs(
    prep: Prepared, judgements: dict[tuple[str, str], str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Judgements whose two records are both present, as (a, b, verdict) index arrays."""
    pos = {rid: i for i, rid in enumerate(prep.record_ids)} if judgements else {}
    rows = [(pos[x], pos[y], v) for (x, y), v in judgements.items() if x in pos and y in pos]
    if not rows:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, object)
    xs, ys, vs = zip(*rows, strict=True)
    a, b = np.asarray(xs, np.int64), np.asarray(ys, np.int64)
    return np.minimum(a, b), np.maximum(a, b), np.asarray(vs, object)


def judgement_index(prep: Prepared, judgements: list[Judgement]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The latest verdict of every judged pair whose records are both in this run."""
    return judged_pairs(prep, judgement_map(judgements))


def score_pairs(
    prep: Prepared,
    spec: ResolutionSpec,
    model: FSModel,
    a: np.ndarray,
    b: np.ndarray,
    blocking_rule: np.ndarray,
    judged: tuple[np.ndarray, np.ndarray, np.ndarray],
    precomputed: tuple[np.ndarray, np.ndarray] | None = None,
) -> ScoredPairs:
    sims, levels = (
        precomputed if precomputed is not None else compare(spec.comparisons, prep.values, a, b, prep.source)
    )
    weights, tf_used = partial_weights(model, spec, levels, prep.values, a)
    conflict = _within_source_conflicts(prep, spec, a, b, levels, weights)
    score = model.prior_weight + weights.sum(axis=1)
    n_pairs = len(a)
    decision = np.full(n_pairs, NON_MATCH, dtype=object)
    rule = np.full(n_pairs, f"weight<{spec.thresholds.review:g}", dtype=object)

    th = spec.thresholds
    is_review = score >= th.review
    decision[is_review] = REVIEW
    rule[is_review] = f"{th.review:g}<=weight<{th.match:g}"
    is_match = score >= th.match
    supported = np.zeros(n_pairs, bool)
    for j, comp in enumerate(spec.comparisons):
        if comp.support:
            supported |= sims[:, j] >= comp.support_threshold - 1e-6
    if spec.require_support:
        # "never on the name alone": a match without an agreeing support field stands only when
        # at least two fields besides the name agree and they alone reach the match threshold
        # (postcode and suburb …); a name plus a gender does not
        names = [j for j, c in enumerate(spec.comparisons) if c.name_part]
        others = [j for j, c in enumerate(spec.comparisons) if not c.name_part]
        beyond_name = weights.sum(axis=1) - (weights[:, names].sum(axis=1) if names else 0.0)
        agreeing = (levels[:, others] > 0).sum(axis=1) if others else np.zeros(n_pairs, int)
        strong_without_name = (beyond_name >= th.match) & (agreeing >= MIN_FIELDS_BEYOND_NAME)
        unsupported = is_match & ~supported & ~strong_without_name
        rule[unsupported] = "name only, no supporting field agrees (persons need one)"
        is_match &= supported | strong_without_name
    decision[is_match] = MATCH
    rule[is_match] = f"weight>={th.match:g}"

    # equal valid strong keys
    same_strong = np.zeros(n_pairs, bool)
    for name, keyarr in prep.strong.items():
        ka, kb = keyarr[a], keyarr[b]
        same = (ka == kb) & pd.notna(ka)
        decision[same] = MATCH
        rule[same] = f"same valid {name}"
        same_strong |= same

    # reviewer judgements
    judgement = np.full(n_pairs, None, dtype=object)
    ja, jb, jv = judged
    if len(ja):
        codes = pair_codes(prep.n, a, b)
        jcodes = pair_codes(prep.n, ja, jb)
        where = {c: v for c, v in zip(jcodes.tolist(), jv.tolist(), strict=True)}
        hit = np.flatnonzero(np.isin(codes, jcodes))
        for i in hit.tolist():
            v = where[int(codes[i])]
            judgement[i] = v
            if v in ("same", "different"):
                decision[i] = JUDGED
                rule[i] = f"reviewer: {v}"

    # hard no-merge rules last: they override everything, reviewer "same" included
    for name, keyarr in prep.strong.items():
        ka, kb = keyarr[a], keyarr[b]
        both = pd.notna(ka) & pd.notna(kb)
        differ = both & (ka != kb)
        decision[differ] = HARD_NO
        rule[differ] = f"different valid {name}"
    for j, comp in enumerate(spec.comparisons):
        if comp.hard_no_below is not None:
            disagree = ~np.isnan(sims[:, j]) & (sims[:, j] < comp.hard_no_below) & ~same_strong
            for other in comp.hard_no_unless:
                k = next(i for i, c in enumerate(spec.comparisons) if c.name == other)
                disagree &= ~(sims[:, k] >= spec.comparisons[k].support_threshold - 1e-6)
            if comp.hard_no_pair_only:
                disagree &= decision != JUDGED  # a reviewer who saw both records decides
                decision[disagree] = NON_MATCH
                rule[disagree] = (
                    f"{comp.name} disagrees (similarity < {comp.hard_no_below:g}): never merged on this pair alone"
                )
            else:
                decision[disagree] = HARD_NO
                rule[disagree] = f"{comp.name} disagrees (similarity < {comp.hard_no_below:g})"
    # one source keeps them apart while naming one company for both, and nothing else says they are
    # one: two people (a registry lists a shareholder once per company)
    two_people = conflict & ~supported & ~same_strong
    decision[two_people] = HARD_NO
    rule[two_people] = "one source, same company, two records, nothing else agrees: two people"
    if spec.branch_field:
        br_a, br_b = prep.is_branch[a], prep.is_branch[b]
        # (an equal valid strong key outranks the name-based branch rules: the branch word or
        # the parent name may be mistyped, the registered code is not)
        mixed = (br_a != br_b) & ~same_strong
        decision[mixed] = HARD_NO
        rule[mixed] = "branch vs non-branch (a branch is its own entity)"
        both = br_a & br_b & ~same_strong
        if both.any():
            branch_names = prep.values[spec.branch_field]
            unit_a = np.array(
                [v.rsplit("|", 1)[-1] if v else None for v in branch_names[a[both]]], dtype=object
            )
            unit_b = np.array(
                [v.rsplit("|", 1)[-1] if v else None for v in branch_names[b[both]]], dtype=object
            )
            idx = np.flatnonzero(both)[unit_a != unit_b]
            decision[idx] = HARD_NO
            rule[idx] = "different branch units"

    judged_diff = judgement == "different"
    hard = decision == HARD_NO
    positive = ((decision == MATCH) | (decision == JUDGED)) & ~judged_diff & ~hard
    # absolute cannot-links; clear non-matches are weighed by the clustering instead
    cannot = hard | judged_diff
    return ScoredPairs(
        a=a,
        b=b,
        sims=sims,
        levels=levels,
        weights=weights,
        tf_used=tf_used,
        score=score.astype(np.float32),
        decision=decision,
        rule=rule,
        judgement=judgement,
        positive=positive,
        cannot=cannot,
        blocking_rule=blocking_rule,
        by_strong_key=same_strong & (decision == MATCH),
    )


# pairs scored at once: the per-pair, per-comparison weights and flags of a chunk are dropped for
# its hard no-matches before the next chunk is scored, so they never exist for all pairs at once
SCORING_CHUNK = 1 << 21


def score_in_chunks(
    prep: Prepared,
    spec: ResolutionSpec,
    model: FSModel,
    a: np.ndarray,
    b: np.ndarray,
    blocking_rule: np.ndarray,
    judged: tuple[np.ndarray, np.ndarray, np.ndarray],
    precomputed: tuple[np.ndarray, np.ndarray],
    chunk: int = SCORING_CHUNK,
) -> ScoredPairs:
    """``score_pairs`` chunk by chunk (every decision depends on its own pair only, so the result is
    the same), keeping the evidence only for pairs that are not hard no-matches."""
    sims, levels = precomputed
    n = len(a)
    if n <= chunk:
        whole = score_pairs(prep, spec, model, a, b, blocking_rule, judged, precomputed=precomputed)
        whole = whole.without_evidence(whole.decision == HARD_NO)
        as_labels: dict[str, Any] = {f: _categorical([getattr(whole, f)]) for f in LABEL_FIELDS}
        return replace(whole, **as_labels)
    one_d: dict[str, np.ndarray] = {}
    labels: dict[str, list[pd.Categorical]] = {f: [] for f in LABEL_FIELDS}
    evidence: dict[str, list[np.ndarray]] = {f: [] for f in ("sims", "levels", "weights", "tf_used")}
    rows = np.full(n, -1, np.int64)
    kept = 0
    for lo in range(0, n, chunk):
        sl = slice(lo, min(lo + chunk, n))
        part = score_pairs(
            prep, spec, model, a[sl], b[sl], blocking_rule[sl], judged, precomputed=(sims[sl], levels[sl])
        )
        part = part.without_evidence(part.decision == HARD_NO)
        for f in ScoredPairs.__dataclass_fields__:
            if f in evidence:
                evidence[f].append(getattr(part, f))
            elif f in labels:
                labels[f].append(pd.Categorical(getattr(part, f)))
            elif f != "evidence_row":
                value = getattr(part, f)
                if f not in one_d:
                    one_d[f] = np.empty(n, value.dtype)
                one_d[f][sl] = value
        part_rows = part.evidence_rows()
        rows[sl] = np.where(part_rows >= 0, part_rows + kept, -1)
        kept += len(part.sims)
        del part
    label_columns: dict[str, Any] = {f: _categorical(v) for f, v in labels.items()}
    return ScoredPairs(
        **one_d,
        **label_columns,
        **{f: np.concatenate(v) for f, v in evidence.items()},
        evidence_row=rows,
    )


def _within_source_conflicts(
    prep: Prepared,
    spec: ResolutionSpec,
    a: np.ndarray,
    b: np.ndarray,
    levels: np.ndarray,
    weights: np.ndarray,
) -> np.ndarray:
    """Same-source pairs that agree on a ``within_source: conflict`` field get its conflict weight
    (their similarity stays missing, so the agreement never counts as support); returns them."""
    conflict = np.zeros(len(a), bool)
    for j, comp in enumerate(spec.comparisons):
        if comp.within_source != "conflict":
            continue
        idx = np.flatnonzero(same_source(prep.source, a, b))
        if not len(idx):
            continue
        col = prep.values[comp.name]
        sim = similarity(comp, col[a[idx]], col[b[idx]])
        hit = idx[np.nan_to_num(sim, nan=-1.0) >= comp.support_threshold - 1e-6]
        weights[hit, j] = comp.conflict_weight
        levels[hit, j] = 0
        conflict[hit] = True
    return conflict


def concat(parts: list[ScoredPairs]) -> ScoredPairs:
    fields = [f for f in ScoredPairs.__dataclass_fields__ if f != "evidence_row"]
    out: dict[str, Any] = {
        f: _categorical([getattr(p, f) for p in parts])
        if f in LABEL_FIELDS
        else np.concatenate([getattr(p, f) for p in parts])
        for f in fields
    }
    if any(p.evidence_row is not None for p in parts):
        rows, offset = [], 0
        for p in parts:
            r = p.evidence_rows()
            rows.append(np.where(r >= 0, r + offset, -1))
            offset += len(p.sims)
        out["evidence_row"] = np.concatenate(rows)
    return ScoredPairs(**out)
