"""Training the Fellegi–Sunter model so that it learns "same person", not "same blocking key".

Candidate pairs are not a random sample: every one of them agrees on the key of the rule that
produced it.  EM on all candidates at once therefore sees, say, the given name agree on nearly
every pair of the "given name + surname" block, matches and non-matches alike, and can settle on
the model "a match is a pair with the same given name" — an exact birth date then counts for
almost nothing.  Splink's remedy, followed here: a comparison's m probabilities are estimated only
on pairs produced by blocking rules that do not involve that comparison (its agreement there is
not forced by the blocking).  One EM runs per comparison on that sample, with u held at the
random-pair estimate; the comparison keeps the m of its own session.  λ (the share of candidates
that match) and, where the spec asks for it, u among candidate non-matches come from EM on all
candidates as before.

A guard then checks the trained weights against what an identifying field must be worth:
exact agreement on a support field (birth date, identity number, phone …) must count for at least
``MIN_SUPPORT_BITS``, and an identifier (an ``id`` comparison) must not be worth clearly less than
agreement on a name.
A model that fails is refused — the reasons are kept in ``FSModel.rejected`` and reported — and
the run falls back to the model trained on all candidates if that one passes, else to the
default m with the random-pair u; with ``em.on_rejected: error`` it stops instead.
"""

from __future__ import annotations

import warnings

import numpy as np

from entity_resolution.fellegi_sunter import FSModel, _patterns, em_on_patterns, run_em
from entity_resolution.spec import ResolutionSpec

MIN_SUPPORT_BITS = 1.0
# an identifier may weigh a little less than a name (a registered company name is nearly an
# identifier itself) but not clearly less
ID_BELOW_NAME_BITS = 2.0
MIN_SESSION_PAIRS = 50
MIN_OBSERVED_PAIRS = 20


class ModelRejectedError(ValueError):
    """The trained weights contradict what identifying fields are worth (see ``check_model``)."""


def rules_involving(spec: ResolutionSpec) -> list[int]:
    """Per comparison: bit mask of the blocking rules whose keys use its column.

    A rule on a strong id involves every comparison on the same column, and a birth date filled
    from a resident ID is involved by rules on that ID."""
    column_of = {c.name: c.column for c in spec.comparisons} | {s.name: s.column for s in spec.strong_ids}
    out = []
    for comp in spec.comparisons:
        mask = 0
        for r, rule in enumerate(spec.blocking):
            fields = {part.partition(":")[0] for part in rule.keys}
            columns = {column_of[f] for f in fields}
            if comp.column in columns or (comp.fill_birth_date_from and comp.fill_birth_date_from in fields):
                mask |= 1 << r
        out.append(mask)
    return out


def train(
    levels: np.ndarray,
    anchors: np.ndarray,
    rules_mask: np.ndarray | None,
    spec: ResolutionSpec,
    u_random: list[np.ndarray],
) -> FSModel:
    """The model for one run: λ (and candidate u) on all candidates, each comparison's m on the
    pairs of the rules not involving it, then the guard (see the module docstring)."""
    overall = run_em(levels, spec, u_random, anchors=anchors)
    overall.training = {"method": "all candidates"}
    if not spec.em.enabled or overall.em_fallback or len(levels) < spec.em.min_pairs:
        # nothing was learned: the defaults are priors, not a model to check against the data
        overall.training = {"method": "defaults (too few candidate pairs, EM off or EM degenerate)"}
        return overall
    observed = {
        c.name for j, c in enumerate(spec.comparisons) if int((levels[:, j] >= 0).sum()) >= MIN_OBSERVED_PAIRS
    }
    if rules_mask is None or spec.em.training == "all_candidates":
        return _guarded(overall, None, spec, u_random, observed)

    pats, inverse, _ = _patterns(np.column_stack([levels, anchors.astype(np.int8)]))
    pinned, pats = pats[:, -1], pats[:, :-1]
    involved = rules_involving(spec)
    robust = FSModel(
        names=overall.names,
        m=[x.copy() for x in overall.m],
        u=[x.copy() for x in overall.u],
        lam=overall.lam,
        em_iterations=overall.em_iterations,
        em_converged=overall.em_converged,
        u_random=overall.u_random,
        em_log_likelihood=overall.em_log_likelihood,
        ordered_levels=overall.ordered_levels,
    )
    sessions: dict[str, dict] = {}
    fits: dict[int, object] = {}
    for j, comp in enumerate(spec.comparisons):
        sample = (rules_mask & ~np.int64(involved[j])) != 0
        n = int(sample.sum())
        if n < MIN_SESSION_PAIRS:
            sessions[comp.name] = {"pairs": n, "m_from": "all candidates (too few pairs off its rules)"}
            continue
        key = involved[j]
        if key not in fits:
            counts = np.bincount(inverse[sample], minlength=len(pats)).astype(float)
            keep = counts > 0
            fits[key] = em_on_patterns(
                pats[keep], pinned[keep], counts[keep], spec, u_random, overall.lam, estimate_u=False
            )
        fit = fits[key]
        if fit.degenerate:  # type: ignore[attr-defined]
            sessions[comp.name] = {"pairs": n, "m_from": "all candidates (its session was degenerate)"}
            continue
        robust.m[j] = fit.m[j]  # type: ignore[attr-defined]
        sessions[comp.name] = {"pairs": n, "m_from": "pairs not blocked on it"}
    robust.training = {"method": "per comparison on pairs not blocked on it", "sessions": sessions}
    return _guarded(robust, overall, spec, u_random, observed)


def _guarded(
    model: FSModel,
    alternative: FSModel | None,
    spec: ResolutionSpec,
    u_random: list[np.ndarray],
    observed: set[str] | None = None,
) -> FSModel:
    reasons = check_model(model, spec, observed)
    if not reasons:
        return model
    message = (
        "训练得到的模型与证据矛盾，已拒绝 / the trained model contradicts the evidence and was refused: "
        + "; ".join(reasons)
    )
    if spec.em.on_rejected == "error":
        raise ModelRejectedError(message)
    fallback = (
        alternative if alternative is not None and not check_model(alternative, spec, observed) else None
    )
    if fallback is None:
        fallback = run_em(np.empty((0, len(spec.comparisons)), np.int8), spec, u_random)
        fallback.lam = model.lam
        fallback.training = {"method": "defaults (the trained model was refused)"}
    else:
        fallback.training = {**fallback.training, "note": "the per-comparison model was refused"}
    fallback.rejected = reasons
    warnings.warn(message, stacklevel=3)
    return fallback


def check_model(model: FSModel, spec: ResolutionSpec, observed: set[str] | None = None) -> list[str]:
    """Reasons the weights contradict the evidence (empty = the model is sane).  Only comparisons
    in ``observed`` (default: all) are checked: a field no candidate pair has on both sides
    taught the model nothing and keeps its prior.

    - exact agreement on a support field must be worth at least ``MIN_SUPPORT_BITS``;
    - exact agreement on an identifier (``id`` comparison) must not be worth clearly less
      (``ID_BELOW_NAME_BITS``) than exact agreement on a name part (before term-frequency
      adjustment)."""
    reasons: list[str] = []
    exact = {c.name: float(model.level_weights(j)[len(c.levels)]) for j, c in enumerate(spec.comparisons)}
    names = [c.name for c in spec.comparisons if c.name_part]
    for comp in spec.comparisons:
        if observed is not None and comp.name not in observed:
            continue
        w = exact[comp.name]
        if comp.support and w < MIN_SUPPORT_BITS:
            reasons.append(
                f"{comp.name} 完全一致仅值 {w:+.2f} 比特 / exact agreement on {comp.name} is worth only "
                f"{w:+.2f} bits (at least {MIN_SUPPORT_BITS:g} expected)"
            )
        if comp.comparator == "id":
            for name in names:
                if w < exact[name] - ID_BELOW_NAME_BITS:
                    reasons.append(
                        f"{comp.name} 完全一致 ({w:+.2f}) 低于姓名 {name} ({exact[name]:+.2f}) / an exact "
                        f"{comp.name} ({w:+.2f} bits) is worth less than an exact {name} ({exact[name]:+.2f} bits)"
                    )
    return reasons
