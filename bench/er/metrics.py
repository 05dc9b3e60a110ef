"""Accuracy measures of a resolution against ground truth (pure pandas).

- pairwise precision/recall/F1 over record pairs placed in one entity;
- B-cubed precision/recall/F1 (per record: share of its predicted cluster that is truly its
  entity, and share of its true entity that it was clustered with), which weighs big and small
  entities per record rather than per pair;
- blocking recall: share of true same-entity pairs that blocking made candidates;
- the same two recalls restricted to *linkable* true pairs: pairs whose records have at least one
  field besides the name filled in on both sides.  A pair with nothing but a name in common can
  never be merged (persons are never merged on name alone), and a name shared by thousands is not
  a usable block, so these figures show what the method does with the evidence there is.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _c2(x: pd.Series | np.ndarray) -> float:
    x = np.asarray(x, float)
    return float((x * (x - 1) / 2).sum())


def pairwise(pred: pd.Series, truth: pd.Series) -> dict[str, float]:
    """``pred`` and ``truth``: entity label per record id (same index)."""
    frame = pd.DataFrame({"p": pred, "t": truth.reindex(pred.index)})
    tp = _c2(frame.groupby(["p", "t"]).size())
    pp = _c2(frame.groupby("p").size())
    tt = _c2(frame.groupby("t").size())
    precision = tp / pp if pp else 1.0
    recall = tp / tt if tt else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "true_pairs": tt, "predicted_pairs": pp}


def bcubed(pred: pd.Series, truth: pd.Series) -> dict[str, float]:
    frame = pd.DataFrame({"p": pred, "t": truth.reindex(pred.index)})
    cell = frame.groupby(["p", "t"])["p"].transform("size")
    psize = frame.groupby("p")["p"].transform("size")
    tsize = frame.groupby("t")["t"].transform("size")
    precision = float((cell / psize).mean())
    recall = float((cell / tsize).mean())
    return {"precision": precision, "recall": recall, "f1": 2 * precision * recall / (precision + recall)}


def blocking_recall(candidates: pd.DataFrame, truth: pd.Series) -> dict[str, float]:
    """``candidates``: record_id_a, record_id_b of the pairs blocking produced."""
    ta = truth.reindex(candidates["record_id_a"]).to_numpy()
    tb = truth.reindex(candidates["record_id_b"]).to_numpy()
    found = float((ta == tb).sum())
    total = _c2(truth.value_counts())
    return {
        "blocking_recall": found / total if total else 1.0,
        "true_pairs": total,
        "candidate_pairs": float(len(candidates)),
    }


def true_pairs(truth: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """All same-entity record pairs as positions into ``truth.index``."""
    codes, _ = pd.factorize(truth.to_numpy())
    order = np.argsort(codes, kind="stable")
    sc = codes[order]
    starts = np.flatnonzero(np.r_[True, sc[1:] != sc[:-1]])
    sizes = np.diff(np.r_[starts, len(sc)])
    out_a, out_b = [], []
    for size in np.unique(sizes[sizes >= 2]):
        bs = starts[sizes == size]
        i, j = np.triu_indices(int(size), k=1)
        out_a.append(order[bs[:, None] + i[None, :]].ravel())
        out_b.append(order[bs[:, None] + j[None, :]].ravel())
    if not out_a:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(out_a), np.concatenate(out_b)


def linkable_recalls(
    records: pd.DataFrame, truth: pd.Series, candidates: pd.DataFrame, pred: pd.Series, fields: list[str]
) -> dict[str, float]:
    """Blocking and pairwise recall over true pairs whose records both fill one of ``fields``."""
    truth = truth.reindex(records["record_id"].astype(str))
    a, b = true_pairs(truth)
    fields = [c for c in fields if c in records.columns]
    filled = records[fields].notna().to_numpy()
    linkable = (filled[a] & filled[b]).any(axis=1)
    rid = truth.index.to_numpy()
    n = len(rid)
    pos = pd.Series(np.arange(n), index=rid)
    ca = pos.reindex(candidates["record_id_a"].astype(str)).to_numpy()
    cb = pos.reindex(candidates["record_id_b"].astype(str)).to_numpy()
    cand = np.minimum(ca, cb).astype(np.int64) * n + np.maximum(ca, cb)
    tcode = np.minimum(a, b).astype(np.int64) * n + np.maximum(a, b)
    blocked = np.isin(tcode, cand)
    p = pred.reindex(rid).to_numpy()
    together = p[a] == p[b]
    la = linkable.sum()
    return {
        "linkable_share": float(la / max(len(a), 1)),
        "blocking_recall_linkable": float((blocked & linkable).sum() / max(la, 1)),
        "pair_recall_linkable": float((together & linkable).sum() / max(la, 1)),
    }


def score(
    res_entities: pd.DataFrame,
    pairs: pd.DataFrame,
    truth: pd.Series,
    records: pd.DataFrame | None = None,
    evidence_columns: list[str] | None = None,
) -> dict[str, float]:
    pred = res_entities.set_index("record_id")["entity_id"]
    pred.index = pred.index.astype(str)
    out = {f"pair_{k}": v for k, v in pairwise(pred, truth).items()}
    out.update({f"b3_{k}": v for k, v in bcubed(pred, truth).items()})
    blocked = pairs[~pairs["blocking_rule"].isin(["cluster check", "judgement"])]
    out.update(blocking_recall(blocked, truth))
    if records is not None:
        out.update(linkable_recalls(records, truth, blocked, pred, evidence_columns or []))
    return out
