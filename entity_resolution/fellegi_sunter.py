"""Fellegi–Sunter match weights with m estimated by EM and u from random pairs.

Choice (as in Splink's default training):
- u (P(level | non-match)) is estimated from random record pairs: almost all random pairs are
  non-matches, so the level frequencies among them are u directly, with no circularity.
- m (P(level | match)) and the prior λ are then estimated by expectation–maximisation on the
  candidate pairs with u held fixed.  Holding u fixed removes the label-switching and
  "non-match cluster that agrees on the blocking key" failure modes of fitting both by EM.
  EM runs on the distinct comparison vectors with their counts, so its cost does not grow with
  the number of pairs.
- Term-frequency adjustment: at the exact level of a ``tf_adjust`` comparison the generic u is
  replaced by the frequency of the agreeing value, so two records both named 王伟 (thousands of
  people) gain far less than two records sharing a rare name.

Weights are log2 Bayes factors; the total of a pair is ``log2(λ/(1-λ)) + Σ partial weights``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from entity_resolution.comparators import compare
from entity_resolution.spec import Comparison, ResolutionSpec

PROB_FLOOR = 1e-6


@dataclass
class FSModel:
    """m/u per comparison level (index 0 = else … top = exact), the prior and EM diagnostics."""

    names: list[str]
    m: list[np.ndarray]
    u: list[np.ndarray]
    lam: float
    em_iterations: int = 0
    em_converged: bool = False
    em_fallback: bool = False
    u_random: list[np.ndarray] = field(default_factory=list)
    em_log_likelihood: list[float] = field(default_factory=list)
    tf: dict[str, pd.Series] = field(default_factory=dict)
    tf_total: dict[str, int] = field(default_factory=dict)
    # per comparison: how many of its levels are ordered by closeness (else … exact)
    ordered_levels: list[int] = field(default_factory=list)
    # how m was trained ("per comparison on pairs not blocked on it", "all candidates", "defaults")
    training: dict = field(default_factory=dict)
    # why the guard refused the trained model (empty when it was accepted)
    rejected: list[str] = field(default_factory=list)

    @property
    def prior_weight(self) -> float:
        """log2 prior odds of a candidate pair being a match, capped at 0: on small or
        duplicate-heavy inputs most candidates match, and the base rate alone must never argue
        for merging two particular records — the fields have to."""
        return min(0.0, float(np.log2(self.lam / (1.0 - self.lam))))

    def level_weights(self, j: int) -> np.ndarray:
        """log2(m/u) per level, made sane: disagreement ("else", index 0) never counts *for* a
        match, and a closer level never weighs less than a farther one. EM can break both on large
        blocked inputs (at 290k persons it gave disagreeing names +2.7 bits, because pairs that
        collide on a masked ID pulled it toward calling them matches)."""
        w = np.log2(self.m[j] / self.u[j])
        w[0] = min(w[0], 0.0)
        ordered = self.ordered_levels[j] if self.ordered_levels else len(w)
        # the "swapped" level (after the ordered ones) stands on its own
        w[:ordered] = np.maximum.accumulate(w[:ordered])
        return w

    def to_dict(self) -> dict:
        return {
            "names": self.names,
            "m": [x.tolist() for x in self.m],
            "u": [x.tolist() for x in self.u],
            "u_random": [x.tolist() for x in self.u_random],
            "lam": self.lam,
            "em_iterations": self.em_iterations,
            "em_converged": self.em_converged,
            "ordered_levels": self.ordered_levels,
            "training": self.training,
            "rejected": self.rejected,
        }

    @classmethod
    def from_dict(cls, d: dict) -> FSModel:
        return cls(
            names=list(d["names"]),
            m=[np.asarray(x, float) for x in d["m"]],
            u=[np.asarray(x, float) for x in d["u"]],
            u_random=[np.asarray(x, float) for x in d.get("u_random", d["u"])],
            lam=float(d["lam"]),
            em_iterations=int(d.get("em_iterations", 0)),
            em_converged=bool(d.get("em_converged", False)),
            ordered_levels=[int(x) for x in d.get("ordered_levels", [])],
            training=dict(d.get("training", {})),
            rejected=list(d.get("rejected", [])),
        )


def default_m(comp: Comparison) -> np.ndarray:
    """Starting/fallback m: most matches agree exactly, a few fuzzily, ~5% disagree (and 1% of
    matches have their names swapped, where the comparison has that level)."""
    if comp.m_prior is not None:
        m = np.asarray(list(reversed(comp.m_prior)), float)
    else:
        k = len(comp.levels)
        m = np.empty(k + 1)
        m[0] = 0.05
        m[k] = 0.75 if k > 1 else 0.95
        if k > 1:
            m[1:k] = 0.20 / (k - 1)
    if comp.swapped_with:
        m = np.r_[m, 0.01]
    return m / m.sum()


U_PSEUDO_PAIRS = 2_000.0
TF_PSEUDO_RECORDS = 20.0


def default_u(comp: Comparison) -> np.ndarray:
    """Prior u for small inputs: random pairs rarely agree (1% exactly, 2% per fuzzy level)."""
    k = len(comp.levels)
    u = np.empty(comp.n_levels)
    u[k] = 0.01
    u[1:k] = 0.02
    if comp.swapped_with:
        u[k + 1] = 0.0005
    u[0] = 1.0 - u[1:].sum()
    return u


def estimate_u(
    spec: ResolutionSpec, values: dict[str, np.ndarray], n: int, rng: np.random.Generator
) -> list[np.ndarray]:
    """Level frequencies among random pairs, smoothed toward :func:`default_u` with a weight of
    ``U_PSEUDO_PAIRS`` pairs: on millions of pairs the data decides, on a 10-record test the
    prior does (a handful of records cannot tell how often strangers share a name)."""
    n_pairs = int(min(spec.em.u_sample_pairs, max(n * (n - 1) // 2, 1)))
    a = rng.integers(0, n, n_pairs)
    b = rng.integers(0, n, n_pairs)
    keep = a != b
    a, b = a[keep], b[keep]
    _, levels = compare(spec.comparisons, values, a, b)
    out = []
    for j, comp in enumerate(spec.comparisons):
        lv = levels[:, j]
        counts = np.bincount(lv[lv >= 0], minlength=comp.n_levels).astype(float)
        u = (counts + U_PSEUDO_PAIRS * default_u(comp)) / (counts.sum() + U_PSEUDO_PAIRS)
        out.append(u)
    return out


def _patterns(levels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct comparison vectors, the row → pattern map and pattern counts.

    Rows are packed into one int64 (mixed radix over level+2 ≥ 1) so that np.unique runs on a
    flat array — np.unique(axis=0) on millions of rows is an order of magnitude slower."""
    if len(levels) == 0:
        return levels, np.empty(0, np.int64), np.empty(0, np.int64)
    shifted = levels.astype(np.int64) + 2
    base = int(shifted.max()) + 1
    code = np.zeros(len(levels), np.int64)
    for j in range(levels.shape[1]):
        code = code * base + shifted[:, j]
    uniq, first, inverse, counts = np.unique(code, return_index=True, return_inverse=True, return_counts=True)
    return levels[first], inverse.ravel(), counts


def _pattern_loglik(pats: np.ndarray, probs: list[np.ndarray]) -> np.ndarray:
    out = np.zeros(len(pats))
    for j, p in enumerate(probs):
        lv = pats[:, j]
        ok = lv >= 0
        out[ok] += np.log(p[lv[ok]])
    return out


LAMBDA_MAX = 0.95


def run_em(
    levels: np.ndarray,
    spec: ResolutionSpec,
    u: list[np.ndarray],
    lam0: float = 0.1,
    anchors: np.ndarray | None = None,
) -> FSModel:
    """EM for m, u and λ on candidate pairs.  Returns the model with its iteration log.

    ``anchors`` (per pair: 1 known match, 0 known non-match, -1 unknown) pins the posterior of
    pairs whose strong keys already decide them (equal / different valid USCC or resident ID).
    Those labels keep EM from the degenerate "every candidate is a match" optimum on small or
    duplicate-heavy inputs; λ is also capped at ``LAMBDA_MAX``.  If EM still ends degenerate
    (λ at the cap) the model falls back to the default m and the random-pair u."""
    comps = spec.comparisons
    u_random = [x.copy() for x in u]
    m = [default_m(c) for c in comps]
    model = FSModel(
        names=[c.name for c in comps],
        m=m,
        u=[x.copy() for x in u],
        lam=lam0,
        u_random=u_random,
        ordered_levels=[len(c.levels) + 1 for c in comps],
    )
    if not spec.em.enabled or len(levels) < spec.em.min_pairs:
        return model
    if anchors is None:
        anchors = np.full(len(levels), -1, np.int8)
    pats, _, counts = _patterns(np.column_stack([levels, anchors.astype(np.int8)]))
    fit = em_on_patterns(pats[:, :-1], pats[:, -1], counts.astype(float), spec, u_random, lam0)
    model.em_log_likelihood = fit.log_likelihood
    model.em_iterations = fit.iterations
    model.em_converged = fit.converged
    if fit.degenerate:
        model.em_converged = False
        model.em_fallback = True
        return model
    model.m, model.u, model.lam = fit.m, fit.u, fit.lam
    return model


@dataclass
class EMFit:
    m: list[np.ndarray]
    u: list[np.ndarray]
    lam: float
    iterations: int
    converged: bool
    log_likelihood: list[float]

    @property
    def degenerate(self) -> bool:
        """λ ran to its cap: EM called (nearly) every candidate a match."""
        return self.lam >= LAMBDA_MAX - 1e-9


def em_on_patterns(
    pats: np.ndarray,
    pinned: np.ndarray,
    counts: np.ndarray,
    spec: ResolutionSpec,
    u_random: list[np.ndarray],
    lam0: float = 0.1,
    *,
    estimate_u: bool | None = None,
) -> EMFit:
    """EM on distinct comparison vectors ``pats`` with their ``counts``; ``pinned`` per pattern:
    1 known match, 0 known non-match, -1 unknown.  u starts at (and, unless re-estimated among
    the candidates' non-matches, stays at) the random-pair ``u_random``."""
    comps = spec.comparisons
    reestimate_u = spec.em.estimate_u if estimate_u is None else estimate_u
    u = [x.copy() for x in u_random]
    m = [default_m(c) for c in comps]
    lam = lam0
    prev = -np.inf
    log: list[float] = []
    converged = False
    for _ in range(spec.em.max_iter):
        lm = np.log(lam) + _pattern_loglik(pats, m)
        lu = np.log(1 - lam) + _pattern_loglik(pats, u)
        mx = np.maximum(lm, lu)
        ll = float(np.sum(counts * (mx + np.log(np.exp(lm - mx) + np.exp(lu - mx)))))
        post = 1.0 / (1.0 + np.exp(np.clip(lu - lm, -700, 700)))
        post = np.where(pinned >= 0, pinned.astype(float), post)
        wc = counts * post
        lam = float(np.clip(wc.sum() / counts.sum(), 1e-6, LAMBDA_MAX))
        new_m = []
        for j, comp in enumerate(comps):
            lv = pats[:, j]
            ok = lv >= 0
            num = np.bincount(lv[ok], weights=wc[ok], minlength=comp.n_levels)
            mj = (num + 1e-3) / (num.sum() + 1e-3 * comp.n_levels)
            new_m.append(np.clip(mj, PROB_FLOOR, 1.0))
            if reestimate_u:
                # u among *candidate* non-matches, smoothed toward the random-pair u: blocking
                # selects pairs that agree on names far more often than random pairs do
                den = np.bincount(lv[ok], weights=counts[ok] - wc[ok], minlength=comp.n_levels)
                u[j] = (den + U_PSEUDO_PAIRS * u_random[j]) / (den.sum() + U_PSEUDO_PAIRS)
        m = new_m
        log.append(ll)
        if abs(ll - prev) <= spec.em.tol * max(1.0, abs(ll)):
            converged = True
            break
        prev = ll
    return EMFit(m=m, u=u, lam=lam, iterations=len(log), converged=converged, log_likelihood=log)


def build_tf(
    spec: ResolutionSpec, values: dict[str, np.ndarray], prior_tf: dict[str, pd.Series] | None = None
):
    """Value counts for every tf_adjust comparison (prior counts added in incremental runs)."""
    tf, totals = {}, {}
    for comp in spec.comparisons:
        if not comp.tf_adjust:
            continue
        # object values: pandas' default string dtype would copy every value first
        counts = pd.Series(values[comp.name], dtype=object).dropna().value_counts()
        if prior_tf and comp.name in prior_tf:
            counts = counts.add(prior_tf[comp.name], fill_value=0)
        tf[comp.name] = counts
        totals[comp.name] = int(counts.sum())
    return tf, totals


def partial_weights(
    model: FSModel, spec: ResolutionSpec, levels: np.ndarray, values: dict[str, np.ndarray], a: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Partial weight per pair and comparison (0 for null), and a flag where TF replaced u."""
    w = np.zeros(levels.shape, np.float32)
    tf_used = np.zeros(levels.shape, bool)
    for j, comp in enumerate(spec.comparisons):
        lw = model.level_weights(j)
        lv = levels[:, j]
        ok = lv >= 0
        w[ok, j] = lw[lv[ok]]
        if comp.tf_adjust and comp.name in model.tf:
            top = len(comp.levels)
            exact = np.flatnonzero(lv == top)
            if len(exact):
                count = model.tf[comp.name].reindex(values[comp.name][a[exact]]).to_numpy(float)
                count = np.nan_to_num(count, nan=1.0)
                # Splink's adjustment log2(u_exact / tf(value)) added to the exact-level weight,
                # with u_exact the random-pair (population) agreement rate: an average-frequency
                # name is unchanged, 王伟 loses weight, a rare name gains.  tf is smoothed toward
                # u_exact with a few pseudo-records so a tiny batch does not overreact.
                u_exact = model.u_random[j][top] if model.u_random else model.u[j][top]
                total = model.tf_total[comp.name] + TF_PSEUDO_RECORDS
                tf_value = np.maximum((count + TF_PSEUDO_RECORDS * u_exact) / total, PROB_FLOOR)
                # Floored at 0: agreeing on a name is never evidence *against* a pair.  u is
                # estimated among candidates (mostly blocked on the name), so the exact level is
                # worth ≈ 0 bits and the TF term took a common name below it — 刘建平 = 刘建平
                # counted −2.4 bits and held a full ID and its consistent masked form in review.
                w[exact, j] = np.maximum(lw[top] + np.log2(u_exact / tf_value), 0.0)
                tf_used[exact, j] = True
    return w, tf_used
