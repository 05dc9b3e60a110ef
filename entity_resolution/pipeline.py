"""``resolve``: normalize → block → compare → weigh (FS/EM/TF) → decide → cluster → ids.

Two ways to pass a prior state:
- *rerun*: ``records`` overlaps the prior's records (typically: all of them again, maybe with
  more).  Everything is re-resolved; the prior only supplies stable ids, judgements and splits.
- *incremental*: ``records`` holds only records the prior has never seen.  They are compared to
  each other and to the prior entities' representative records through the same blocking, and
  attach to the entity they match; prior entities are not re-resolved (nor merged with each
  other), and the prior's trained model is reused when the spec is unchanged.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

import numpy as np
import pandas as pd

from entity_resolution.blocking import RuleRows, block, pairs_from_codes, rule_rows
from entity_resolution.carry import Carried, prepare_with
from entity_resolution.clustering import components, constrained_clusters
from entity_resolution.comparators import compare
from entity_resolution.fellegi_sunter import FSModel, build_tf, estimate_u
from entity_resolution.ids import assign_ids
from entity_resolution.prepare import Prepared, prepare, spec_columns
from entity_resolution.resolution import Resolution, pairs_frame, review_queue
from entity_resolution.review import Judgement, PriorState, Split
from entity_resolution.scoring import (
    HARD_NO,
    ScoredPairs,
    concat,
    judgement_index,
    pair_codes,
    score_in_chunks,
    score_pairs,
)
from entity_resolution.spec import ResolutionSpec
from entity_resolution.training import train


def _peak_rss_mb() -> float:
    """Peak resident memory of the process so far (MB), to see which stage sets it."""
    import resource
    import sys

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (2**20 if sys.platform == "darwin" else 2**10), 1)


def _split_cannot(prep: Prepared, splits: list[Split]) -> tuple[np.ndarray, np.ndarray]:
    """Cannot-link pairs between the parts of every split (records present in this run only)."""
    if not splits:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    pos = {rid: i for i, rid in enumerate(prep.record_ids)}
    ca, cb = [], []
    for s in splits:
        parts = [[pos[r] for r in part if r in pos] for part in s.parts]
        for i, p in enumerate(parts):
            for q in parts[i + 1 :]:
                for x in p:
                    for y in q:
                        ca.append(min(x, y))
                        cb.append(max(x, y))
    return np.asarray(ca, np.int64), np.asarray(cb, np.int64)


def _representatives(
    work: pd.DataFrame, entity_ids: np.ndarray, spec: ResolutionSpec, rows: np.ndarray | None = None
) -> pd.DataFrame:
    """Up to k most complete records per entity (of the records at ``rows``, default all): what
    later batches are compared against.

    Ranks row positions first and copies only the chosen rows (a full copy of a 3M-row input
    just to sort it would be the largest allocation of the run)."""
    cols = spec_columns(spec)
    at = np.arange(len(work)) if rows is None else rows
    part = work.iloc[at] if rows is not None else work
    rank = pd.DataFrame(
        {
            "entity_id": entity_ids[at],
            "filled": part[cols].notna().sum(axis=1).to_numpy(),
            "rid": part[spec.record_id].astype(str).to_numpy(),
            "at": at,
        }
    )
    rank = rank.sort_values(["entity_id", "filled", "rid"], ascending=[True, False, True])
    chosen = rank.groupby("entity_id", sort=False).head(spec.representatives_per_entity)["at"].to_numpy()
    reps = work.iloc[chosen][cols].copy()
    reps["entity_id"] = entity_ids[chosen]
    return reps.reset_index(drop=True)


def resolve(
    records: pd.DataFrame,
    spec: ResolutionSpec,
    *,
    prior: PriorState | None = None,
    judgements: list[Judgement] | None = None,
    splits: list[Split] | None = None,
    changed: Iterable[str] | None = None,
    model: FSModel | None = None,
    carried: Carried | None = None,
    carry: bool = False,
) -> Resolution:
    """Resolve ``records`` into entities (dedupe one table or link several, per ``spec.mode``).

    ``changed`` (with a rerun ``prior``): the ids of the records that are new or changed since the
    prior run.  Only what they can affect is re-resolved — every record sharing a candidate pair
    or a judgement with one of them, widened to the whole prior entities of those records; every
    other entity keeps its records and id.  Candidate pairs are the full run's (blocks are formed
    over all records, so a block too large to pair stays unpaired), restricted to that part.
    ``model``: use these trained weights instead of training on this run's candidates (the
    incremental runs of ingest reuse the model of their last full run).
    ``carried`` (or ``prior.carried``): the last run's normalized values and block keys
    (``entity_resolution.carry``); records it holds with unchanged inputs are not normalized or
    keyed again.  With ``carry`` (or ``carried``), ``state.carried`` holds this run's, for the next."""
    timings: dict[str, float] = {}
    peaks: dict[str, float] = {}
    t = time.perf_counter()
    key_rows: list[RuleRows] | None = None
    carried_out: Carried | None = None
    n_prepared: int | None = None
    all_judgements = list(prior.judgements if prior else []) + list(judgements or [])
    all_splits = list(prior.splits if prior else []) + list(splits or [])
    records = records.reset_index(drop=True)
    missing = [c for c in spec_columns(spec) if c not in records.columns]
    if missing and spec.record_id not in missing:
        records = records.assign(**{c: None for c in missing})
    cols = spec_columns(spec)
    rids = (
        records[spec.record_id].astype(str).to_numpy(dtype=object)
        if spec.record_id in records.columns
        else None
    )
    # each record's prior entity (None: the prior run did not hold it); no record held at all
    # means an incremental run against the prior's representatives
    prior_of = _prior_entity_of(rids, prior) if prior is not None and rids is not None else None
    incremental = prior_of is not None and not pd.notna(prior_of).any()

    if incremental and prior is not None:
        reps = prior.representatives
        work = pd.concat([records[cols], reps[cols]], ignore_index=True)
        prior_entity = np.concatenate(
            [np.full(len(records), None, object), reps["entity_id"].to_numpy(object)]
        )
        is_new = np.r_[np.ones(len(records), bool), np.zeros(len(reps), bool)]
        prep = prepare(work, spec, prior_entity=prior_entity, is_new=is_new)
    else:
        work = records
        carried_in = carried if carried is not None else (prior.carried if prior else None)
        if carry or carried_in is not None:
            prep, key_rows, carried_out, n_prepared = prepare_with(work, spec, carried_in)
        else:
            prep = prepare(work, spec)
    timings["prepare_s"] = time.perf_counter() - t
    peaks["prepare"] = _peak_rss_mb()

    t = time.perf_counter()
    judged = judgement_index(prep, all_judgements)
    focus = None
    if changed is not None and prior is not None and not incremental:
        # pair only around the batch: the records it shares a block (or a judgement) with, widened
        # to their prior entities, then the pairs inside that focus; never the population's pairs
        keyed = key_rows if key_rows is not None else rule_rows(prep, spec)
        is_changed = _marked(prep.record_ids, changed)
        near = block(prep, spec, rows=keyed, around=is_changed)
        if prior_of is None or len(prior_of) != prep.n:
            prior_of = _prior_entity_of(prep.record_ids, prior)
        focus_prior: np.ndarray = prior_of
        focus = _focus(near.a, near.b, judged, focus_prior, is_changed)
        del near
        cands = block(prep, spec, rows=keyed, around=focus, both=True)
        del keyed
    else:
        cands = block(prep, spec, rows=key_rows)
    del key_rows
    a, b = cands.a, cands.b
    rules_mask = cands.rules_mask if cands.rules_mask is not None else np.zeros(len(a), np.int64)
    rule_names = np.array(cands.rule_names + ["judgement", "cluster check"], object)
    brule = rule_names[cands.rule]
    if len(judged[0]):
        unblocked = ~np.isin(pair_codes(prep.n, judged[0], judged[1]), pair_codes(prep.n, a, b))
        rules_mask = np.r_[rules_mask, np.zeros(int(unblocked.sum()), np.int64)]
        a = np.r_[a, judged[0][unblocked]]
        b = np.r_[b, judged[1][unblocked]]
        brule = np.r_[brule, np.full(int(unblocked.sum()), "judgement", object)]
    if focus is not None:  # a judged pair reaching out of the focus
        keep = focus[a] & focus[b]
        a, b, brule, rules_mask = a[keep], b[keep], brule[keep], rules_mask[keep]
    timings["blocking_s"] = time.perf_counter() - t
    peaks["blocking"] = _peak_rss_mb()
    n_candidates = len(a) if focus is not None else len(cands)

    # ---- model: u from random pairs, m and λ by EM on the candidates (or the prior's model) ----
    t = time.perf_counter()
    new_mask = prep.is_new
    prior_tf = (
        {k: pd.Series(v, dtype=float) for k, v in (prior.tf if prior else {}).items()}
        if incremental
        else None
    )
    tf_values = {k: v[new_mask] for k, v in prep.values.items()}
    tf, tf_total = build_tf(spec, tf_values, prior_tf)
    sims, levels = compare(spec.comparisons, prep.values, a, b, prep.source)
    if model is not None and model.names == [c.name for c in spec.comparisons]:
        model = FSModel.from_dict(model.to_dict())
    elif incremental and prior and prior.model and prior.spec_fingerprint == spec.fingerprint():
        model = FSModel.from_dict(prior.model)
    else:
        rng = np.random.default_rng(spec.em.seed)
        u = estimate_u(spec, prep.values, prep.n, rng)
        model = train(levels, _strong_anchors(prep, a, b), rules_mask, spec, u)
    del cands, rules_mask  # only training reads which rules produced a pair
    model.tf, model.tf_total = tf, tf_total
    timings["model_s"] = time.perf_counter() - t
    peaks["model"] = _peak_rss_mb()

    t = time.perf_counter()
    scored = score_in_chunks(prep, spec, model, a, b, brule, judged, precomputed=(sims, levels))
    del sims, levels, a, b, brule
    timings["scoring_s"] = time.perf_counter() - t
    peaks["scoring"] = _peak_rss_mb()

    # ---- clustering ---------------------------------------------------------------------------
    t = time.perf_counter()
    must_a, must_b = (
        _prior_must_links(prep) if incremental else (np.empty(0, np.int64), np.empty(0, np.int64))
    )
    comp = components(
        prep.n, np.r_[scored.a[scored.positive], must_a], np.r_[scored.b[scored.positive], must_b]
    )
    extra = _cluster_check_pairs(prep, spec, comp, scored)
    if len(extra[0]):
        more = score_pairs(
            prep, spec, model, extra[0], extra[1], np.full(len(extra[0]), "cluster check", object), judged
        )
        scored = concat([scored, more.without_evidence(more.decision == HARD_NO)])
    split_a, split_b = _split_cannot(prep, all_splits)
    pos = scored.positive
    edge_a = np.r_[scored.a[pos], must_a]
    edge_b = np.r_[scored.b[pos], must_b]
    prio = np.where(
        scored.decision[pos] == "reviewer-judged",
        np.inf,
        np.where(scored.by_strong_key[pos], 1e6, scored.score[pos]),
    )
    prio = np.r_[prio, np.full(len(must_a), np.inf)]
    labels = constrained_clusters(
        prep.n,
        edge_a,
        edge_b,
        prio.astype(float),
        np.r_[scored.a[scored.cannot], split_a],
        np.r_[scored.b[scored.cannot], split_b],
        prep.strong,
        weight_a=scored.a,
        weight_b=scored.b,
        weight=np.where(scored.judgement == "same", np.inf, scored.score).astype(float),
        cannot_link=spec.thresholds.cannot_link,
        group=prep.prior_entity if incremental else None,
        max_unchecked=spec.max_cluster_check,
    )
    if focus is not None:
        labels = _keep_outside(labels, focus, focus_prior)
    timings["clustering_s"] = time.perf_counter() - t
    peaks["clustering"] = _peak_rss_mb()

    # ---- ids, outputs, state --------------------------------------------------------------------
    t = time.perf_counter()
    issued: set[str] = prior.issued_ids if prior else set()  # read only: assign_ids copies it
    if focus is not None:
        entity_arr, retired = _ids_in_focus(
            prep.record_ids, labels, focus, focus_prior, spec.kind, issued or _prior_ids(prior)
        )
    else:
        prior_map = prior.record_entity() if prior else {}
        entity_arr, retired = assign_ids(prep.record_ids, labels, prior_map, spec.kind, issued)
    entities = pd.DataFrame(
        {
            "record_id": pd.Series(prep.record_ids, dtype=object),
            "entity_id": pd.Series(entity_arr, dtype=object),
        }
    )
    if spec.source_column:
        entities["source"] = prep.source
    entities["is_branch"] = prep.is_branch
    if incremental and prior is not None:
        entities = entities[prep.is_new]
        old = prior.entities[["record_id", "entity_id"]].copy()
        entities = pd.concat([old, entities], ignore_index=True)
    entities = entities.reset_index(drop=True)

    pairs = pairs_frame(prep, spec, scored, entity_arr)
    if focus is not None and prior is not None:
        reps = _representatives_in_focus(work, entity_arr, spec, focus, focus_prior, prior.representatives)
    else:
        reps = _representatives(work, entity_arr, spec)
    state = PriorState(
        spec_fingerprint=spec.fingerprint(),
        entities=entities[["record_id", "entity_id"]].copy(),
        representatives=reps,
        model=model.to_dict(),
        tf=dict(tf),
        judgements=all_judgements,
        splits=all_splits,
        # a state whose issued ids are empty (built by hand) does not count its entities' ids
        issued_ids=issued | set(_issued_here(entity_arr, focus if issued else None, prior_of)),
        carried=carried_out,
    )
    timings["output_s"] = time.perf_counter() - t
    peaks["output"] = _peak_rss_mb()
    stats = {
        "records": int(len(records)),
        "working_set": int(prep.n),
        "incremental": incremental,
        "re_resolved": int(focus.sum()) if focus is not None else int(prep.n),
        "prepared_records": int(n_prepared if n_prepared is not None else prep.n),
        "missing_columns": missing,
        "candidate_pairs": int(n_candidates),
        "cluster_check_pairs": int(len(extra[0])),
        "entities": int(entities["entity_id"].nunique()),
        "decisions": {str(k): int(v) for k, v in pd.Series(scored.decision).value_counts().items() if v > 0},
        "em_iterations": model.em_iterations,
        "em_converged": model.em_converged,
        "em_fallback": model.em_fallback,
        "lambda": model.lam,
        "training": model.training.get("method"),
        "model_rejected": list(model.rejected),
        **{k: round(v, 3) for k, v in timings.items()},
        "peak_rss_mb_after": peaks,
    }
    return Resolution(
        spec=spec,
        entities=entities,
        pairs=pairs,
        review_queue=review_queue(pairs),
        retired_ids=retired,
        model=model,
        stats=stats,
        state=state,
        _prep=prep,
        _scored=scored,
    )


def _issued_here(entity_arr: np.ndarray, focus: np.ndarray | None, prior_of: np.ndarray | None) -> list[str]:
    """The ids this run gave out.  A record outside a focus keeps its prior entity's id, which the
    prior state already counts as issued, so only the focus and the records the prior did not hold
    are read (a set of every record's id was rebuilt for a 10k batch against millions)."""
    if focus is None or prior_of is None:
        return entity_arr.tolist()
    return entity_arr[focus | pd.isna(prior_of)].tolist()


def _marked(record_ids: np.ndarray, chosen: Iterable[str]) -> np.ndarray:
    """Per record: is its id among ``chosen`` (a hash lookup; ``np.isin`` on text compares every
    record with every chosen id, which made a 10k batch cost more than a full run)."""
    wanted = {str(r) for r in chosen}
    return np.fromiter((r in wanted for r in record_ids.tolist()), bool, count=len(record_ids))


def _prior_entity_of(record_ids: np.ndarray, prior: PriorState | None) -> np.ndarray:
    """Per record, its prior entity id (None for a record the prior run did not hold): one hash
    join of the population against the prior map, which the focus, the records outside it and
    their ids all read."""
    if prior is None or not len(prior.entities):
        return np.full(len(record_ids), None, dtype=object)
    # object indexes: pandas' default string index would convert both sides on every lookup
    known = pd.Index(prior.entities["record_id"].astype(str).to_numpy(dtype=object), dtype=object)
    at = known.get_indexer(pd.Index(record_ids, dtype=object))
    ids = prior.entities["entity_id"].astype(str).to_numpy(dtype=object)
    out = np.full(len(record_ids), None, dtype=object)
    out[at >= 0] = ids[at[at >= 0]]
    return out


def _prior_ids(prior: PriorState | None) -> set[str]:
    """Every entity id of the prior run (all stay taken for the ids a run issues)."""
    if prior is None or not len(prior.entities):
        return set()
    return set(pd.unique(prior.entities["entity_id"].astype(str).to_numpy(dtype=object)).tolist())


def _focus(
    a: np.ndarray,
    b: np.ndarray,
    judged: tuple[np.ndarray, np.ndarray, np.ndarray],
    prior_of: np.ndarray,
    is_changed: np.ndarray,
) -> np.ndarray:
    """The records a batch of changed records can affect: the changed ones, every record they
    share a candidate pair or a judgement with, and the rest of those records' prior entities.
    ``(a, b)``: at least the candidate pairs that hold a changed record."""
    touched = is_changed.copy()
    for x, y in ((a, b), (judged[0], judged[1])):
        touched[x[is_changed[y]]] = True
        touched[y[is_changed[x]]] = True
    hit = pd.unique(prior_of[touched & pd.notna(prior_of)])
    return touched | pd.Series(prior_of, dtype=object).isin(hit).to_numpy(bool)


def _keep_outside(labels: np.ndarray, focus: np.ndarray, prior_of: np.ndarray) -> np.ndarray:
    """Records outside the focus stay in their prior entities (fresh labels, one per entity;
    a record outside the focus is always one the prior run held)."""
    out = labels.copy()
    outside = np.flatnonzero(~focus)
    if len(outside):
        codes, _ = pd.factorize(prior_of[outside])
        out[outside] = int(labels.max()) + 1 + codes
    return out


def _ids_in_focus(
    record_ids: np.ndarray,
    labels: np.ndarray,
    focus: np.ndarray,
    prior_of: np.ndarray,
    kind: str,
    issued: set[str],
) -> tuple[np.ndarray, pd.DataFrame]:
    """``assign_ids`` over the focus only: a record outside it keeps its prior entity's id.

    The same ids as ``assign_ids`` over every record: the focus holds whole prior entities, so an
    entity outside it is one cluster of exactly its records, which keeps its id and claims no other;
    and every prior id stays taken for the new ids the focus issues (``issued`` holds them all:
    a state's ``issued_ids`` covers its entities' ids)."""
    entity = prior_of.copy()
    sub = focus | pd.isna(entity)
    held = {
        r: e for r, e in zip(record_ids[sub].tolist(), entity[sub].tolist(), strict=True) if e is not None
    }
    ids, retired = assign_ids(record_ids[sub], labels[sub], held, kind, issued)
    entity[sub] = ids
    return entity, retired


def _representatives_in_focus(
    work: pd.DataFrame,
    entity_ids: np.ndarray,
    spec: ResolutionSpec,
    focus: np.ndarray,
    prior_of: np.ndarray,
    prior_reps: pd.DataFrame,
) -> pd.DataFrame:
    """The focus's entities' representatives chosen afresh; an entity outside the focus kept
    exactly its records, so its prior representatives stand (ranking the whole population again
    was the largest step of a small batch against millions of records)."""
    fresh = _representatives(work, entity_ids, spec, rows=np.flatnonzero(focus))
    if not len(prior_reps) or "entity_id" not in prior_reps.columns:
        return fresh
    touched = set(pd.unique(prior_of[focus & pd.notna(prior_of)]).tolist())
    kept = prior_reps[~prior_reps["entity_id"].isin(touched)]
    both = pd.concat([kept, fresh[kept.columns.intersection(fresh.columns)]], ignore_index=True)
    return both.sort_values("entity_id", kind="stable").reset_index(drop=True)


def _strong_anchors(prep: Prepared, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per pair: 1 if an equal valid strong key decides it, 0 if different ones do, else -1."""
    out = np.full(len(a), -1, np.int8)
    for keyarr in prep.strong.values():
        ka, kb = keyarr[a], keyarr[b]
        both = pd.notna(ka) & pd.notna(kb)
        out[both & (ka == kb)] = 1
        out[both & (ka != kb)] = 0
    return out


def _prior_must_links(prep: Prepared) -> tuple[np.ndarray, np.ndarray]:
    """Representatives of one prior entity stay together: link each to its entity's first."""
    idx = np.flatnonzero(~prep.is_new)
    if not len(idx):
        return np.empty(0, np.int64), np.empty(0, np.int64)
    codes, _ = pd.factorize(prep.prior_entity[idx])
    first = pd.Series(idx).groupby(codes).transform("min").to_numpy()
    keep = first != idx
    return first[keep].astype(np.int64), idx[keep].astype(np.int64)


def _cluster_check_pairs(prep: Prepared, spec: ResolutionSpec, comp: np.ndarray, scored: ScoredPairs):
    """All not-yet-scored pairs inside components of 3..max_cluster_check records."""
    sizes = np.bincount(comp)
    codes = np.where(sizes[comp] >= 3, comp, -1)
    a, b = pairs_from_codes(codes, spec.max_cluster_check)
    if not len(a):
        return a, b
    new = prep.is_new[a] | prep.is_new[b]
    a, b = a[new], b[new]
    # only scored pairs inside one such component can be among them: testing those alone keeps
    # the membership test off the population's candidates (at 20M pairs it was a tenth of a run)
    checked = (sizes[comp] >= 3) & (sizes[comp] <= spec.max_cluster_check)
    inside = checked[scored.a] & (comp[scored.a] == comp[scored.b])
    keep = ~np.isin(pair_codes(prep.n, a, b), pair_codes(prep.n, scored.a[inside], scored.b[inside]))
    return a[keep], b[keep]
