"""The result of a run: entities, scored pairs with their evidence, review queue, branch links,
and the state for the next run.  ``explain`` / ``why_same`` turn the evidence into a
match-weight waterfall (prior + one bar per compared field = total), like Splink's."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from entity_resolution.branches import branch_links
from entity_resolution.fellegi_sunter import FSModel
from entity_resolution.prepare import Prepared
from entity_resolution.review import PriorState
from entity_resolution.scoring import MATCH, REVIEW, ScoredPairs, judgement_index, label_at, score_pairs
from entity_resolution.spec import ResolutionSpec


def probability(weight: np.ndarray | float) -> np.ndarray | float:
    """Match probability from a total log2 weight."""
    return 1.0 / (1.0 + np.power(2.0, -np.asarray(weight, float)))


@dataclass
class Resolution:
    spec: ResolutionSpec
    entities: pd.DataFrame
    pairs: pd.DataFrame
    review_queue: pd.DataFrame
    retired_ids: pd.DataFrame
    model: FSModel
    stats: dict
    state: PriorState
    _prep: Prepared = field(repr=False, default=None)  # type: ignore[assignment]
    _scored: ScoredPairs = field(repr=False, default=None)  # type: ignore[assignment]
    _branch_links: pd.DataFrame | None = field(repr=False, default=None)

    @property
    def branch_links(self) -> pd.DataFrame:
        """Branch → parent entity links, worked out on first read: ranking the entities of every
        name core costs seconds at millions of companies, and an ingest batch does not read them."""
        if self._branch_links is None:
            self._branch_links = branch_links(self._prep, self.spec.branch_field, self._entity_arr())
        return self._branch_links

    # ---- lookup helpers -------------------------------------------------------------------
    def entity_of(self, record_id: str) -> str:
        row = self.entities.loc[self.entities["record_id"] == str(record_id), "entity_id"]
        if row.empty:
            raise KeyError(f"未知记录 / unknown record {record_id!r}")
        return str(row.iloc[0])

    def same_entity(self, a: str, b: str) -> bool:
        return self.entity_of(a) == self.entity_of(b)

    def members(self, entity_id: str) -> list[str]:
        return sorted(self.entities.loc[self.entities["entity_id"] == entity_id, "record_id"].astype(str))

    def _pos(self, record_id: str) -> int:
        hits = np.flatnonzero(self._prep.record_ids == str(record_id))
        if not len(hits):
            raise KeyError(
                f"记录不在本次运行的工作集中 / record not in this run's working set: {record_id!r}"
            )
        return int(hits[0])

    # ---- evidence ---------------------------------------------------------------------------
    def explain(self, record_id_a: str, record_id_b: str) -> dict:
        """The match-weight waterfall of one pair: prior, one step per comparison, total,
        the decision and the rule that fired.  Pairs that were never candidates are scored on
        demand with the same model, so any two records can be explained."""
        ia, ib = self._pos(record_id_a), self._pos(record_id_b)
        a, b = np.array([min(ia, ib)]), np.array([max(ia, ib)])
        sel = np.flatnonzero((self._scored.a == a[0]) & (self._scored.b == b[0]))
        if len(sel) and self._scored.evidence_rows()[sel[0]] >= 0:
            sp, k = self._scored, int(sel[0])
            e = int(sp.evidence_rows()[k])
        else:
            # not a candidate, or a candidate whose evidence was not kept (a hard no-match):
            # scored again with the same model, which gives the run's figures and decision
            blocking_rule = (
                label_at(self._scored.blocking_rule, int(sel[0])) if len(sel) else "(not a candidate)"
            )
            sp = score_pairs(
                self._prep,
                self.spec,
                self.model,
                a,
                b,
                np.array([blocking_rule], object),
                judgement_index(self._prep, self.state.judgements),
            )
            k = e = 0
        steps = [{"step": "prior", "weight": round(self.model.prior_weight, 3), "lambda": self.model.lam}]
        for j, comp in enumerate(self.spec.comparisons):
            lv = int(sp.levels[e, j])
            vals = self._prep.values[comp.name]
            steps.append(
                {
                    "step": comp.name,
                    "value_a": vals[sp.a[k]],
                    "value_b": vals[sp.b[k]],
                    "similarity": None if np.isnan(sp.sims[e, j]) else round(float(sp.sims[e, j]), 4),
                    "level": comp.level_label(lv),
                    "m": None if lv < 0 else round(float(self.model.m[j][lv]), 6),
                    "u": None if lv < 0 else round(float(self.model.u[j][lv]), 6),
                    "tf_adjusted": bool(sp.tf_used[e, j]),
                    "weight": round(float(sp.weights[e, j]), 3),
                }
            )
        total = float(sp.score[k])
        return {
            "record_id_a": str(self._prep.record_ids[sp.a[k]]),
            "record_id_b": str(self._prep.record_ids[sp.b[k]]),
            "steps": steps,
            "total_weight": round(total, 3),
            "probability": round(float(probability(total)), 6),
            "decision": label_at(sp.decision, k),
            "rule": label_at(sp.rule, k),
            "judgement": label_at(sp.judgement, k),
            "blocking_rule": label_at(sp.blocking_rule, k),
            "same_entity": self.same_entity(record_id_a, record_id_b),
        }

    def waterfall_text(self, record_id_a: str, record_id_b: str) -> str:
        """The waterfall of :meth:`explain` as plain text (for terminals, logs, loan files)."""
        ev = self.explain(record_id_a, record_id_b)
        lines = [f"{ev['record_id_a']} ~ {ev['record_id_b']}"]
        for st in ev["steps"]:
            if st["step"] == "prior":
                lines.append(f"  {'prior':<12}{'':<36}{st['weight']:>+8.2f}   lambda={st['lambda']:.3f}")
                continue
            vals = f"{st['value_a']} | {st['value_b']}"
            tf = " tf" if st["tf_adjusted"] else ""
            lines.append(f"  {st['step']:<12}{vals[:34]:<36}{st['weight']:>+8.2f}   {st['level']}{tf}")
        lines.append(
            f"  {'total':<12}{'':<36}{ev['total_weight']:>+8.2f}   p={ev['probability']:.4f}  "
            f"decision={ev['decision']}  rule={ev['rule']}"
        )
        return "\n".join(lines)

    def why_same(self, record_id_a: str, record_id_b: str) -> list[dict]:
        """Why two records are one entity: the shortest chain of positive links inside the
        entity joining them, each link with its waterfall.  Empty if they are not one entity."""
        if not self.same_entity(record_id_a, record_id_b):
            return []
        ia, ib = self._pos(record_id_a), self._pos(record_id_b)
        eid = self.entity_of(record_id_a)
        in_entity = set(np.flatnonzero(self._entity_arr() == eid).tolist())
        sp = self._scored
        adj: dict[int, list[int]] = {}
        for x, y in zip(sp.a[sp.positive].tolist(), sp.b[sp.positive].tolist(), strict=True):
            if x in in_entity and y in in_entity:
                adj.setdefault(x, []).append(y)
                adj.setdefault(y, []).append(x)
        prev = {ia: ia}
        queue = deque([ia])
        while queue:
            x = queue.popleft()
            if x == ib:
                break
            for y in adj.get(x, []):
                if y not in prev:
                    prev[y] = x
                    queue.append(y)
        if ib not in prev:  # joined only through prior-entity membership (incremental run)
            return [
                {
                    "note": "same prior entity (已在先前运行中合并 / merged in an earlier run)",
                    "entity_id": eid,
                }
            ]
        path = [ib]
        while path[-1] != ia:
            path.append(prev[path[-1]])
        path.reverse()
        rid = self._prep.record_ids
        return [self.explain(rid[x], rid[y]) for x, y in zip(path, path[1:], strict=False)]

    def _entity_arr(self) -> np.ndarray:
        """Entity id per record of the run's working set."""
        m = dict(zip(self.entities["record_id"].astype(str), self.entities["entity_id"], strict=True))
        return np.array([m.get(r) for r in self._prep.record_ids], dtype=object)


def pairs_frame(
    prep: Prepared, spec: ResolutionSpec, sp: ScoredPairs, entity_arr: np.ndarray
) -> pd.DataFrame:
    """The scored pairs as a table; per comparison: similarity, level label, partial weight.

    Pairs whose evidence was not kept (hard no-matches, see ``ScoredPairs.without_evidence``)
    have no per-comparison figures: their level is missing and similarity and weight are the
    fill value of a sparse column (NaN), so the table costs memory only for the pairs a reader
    looks at; ``Resolution.explain`` gives any pair's figures."""
    rid = prep.record_ids
    frame = pd.DataFrame(
        {
            # object columns holding the records' own id strings: pandas' default string dtype
            # would copy every id of every pair (0.85 GB for the 20M person pairs at scale l)
            "record_id_a": pd.Series(rid[sp.a], dtype=object, copy=False),
            "record_id_b": pd.Series(rid[sp.b], dtype=object, copy=False),
            "score": np.round(sp.score, 4),
            "probability": np.round(probability(sp.score), 6).astype(np.float32),
            "decision": pd.Categorical(sp.decision),
            "rule": pd.Categorical(sp.rule),
            "judgement": sp.judgement,
            "blocking_rule": pd.Categorical(sp.blocking_rule),
            "same_entity": _same_entity(entity_arr, sp.a, sp.b),
        },
        copy=False,
    )
    rows = sp.evidence_rows()
    has = np.flatnonzero(rows >= 0)
    complete = len(has) == len(rows)
    for j, comp in enumerate(spec.comparisons):
        labels = [comp.level_label(lv) for lv in range(-1, comp.n_levels)]
        codes = np.full(len(rows), -1, np.int8)
        codes[has] = sp.levels[rows[has], j] + 1
        sim = np.round(sp.sims[rows[has], j], 4)
        weight = np.round(sp.weights[rows[has], j], 3)
        frame[f"{comp.name}_sim"] = sim if complete else _sparse(len(rows), has, sim)
        frame[f"{comp.name}_level"] = pd.Categorical.from_codes(codes, categories=pd.Index(labels))
        frame[f"{comp.name}_weight"] = weight if complete else _sparse(len(rows), has, weight)
    return frame


def _same_entity(entity_arr: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per pair: are its two records in one entity (compared as integer codes, not ids)."""
    codes, _ = pd.factorize(entity_arr)
    return codes[a] == codes[b]


def _sparse(n: int, at: np.ndarray, values: np.ndarray) -> pd.arrays.SparseArray:
    """A float column of ``n`` rows holding ``values`` at positions ``at`` and NaN elsewhere
    (built from the positions where pandas can, without a dense column of every pair first)."""
    from_indices = getattr(pd.arrays.SparseArray, "from_indices", None)
    if from_indices is not None:
        return from_indices(values, at, n, fill_value=np.nan)
    dense = np.full(n, np.nan, values.dtype)
    dense[at] = values
    return pd.arrays.SparseArray(dense, fill_value=np.nan)


def review_queue(pairs: pd.DataFrame) -> pd.DataFrame:
    """Grey-zone pairs not yet judged, most uncertain (closest to p=0.5) first."""
    q = pairs[(pairs["decision"] == REVIEW) & pairs["judgement"].isna()].copy()
    q["uncertainty"] = (q["probability"] - 0.5).abs()
    return (
        q.sort_values(["uncertainty", "record_id_a", "record_id_b"])
        .drop(columns="uncertainty")
        .reset_index(drop=True)
    )


__all__ = ["Resolution", "pairs_frame", "review_queue", "probability", "MATCH", "REVIEW"]
