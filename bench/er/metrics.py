"""Accuracy measures of a resolution against ground truth (pure pandas).

- pairwise precision/recall/F1 over record pairs placed in one entity;
- B-cubed precision/recall/F1 (per record: share of its predicted cluster that is truly its
  entity, and share of its true entity that it was clustered with), which weighs big and small
  entities per record rather than per pair;
- blocking recall: share of true same-entity pairs that blocking made candidates.
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


def score(res_entities: pd.DataFrame, pairs: pd.DataFrame, truth: pd.Series) -> dict[str, float]:
    pred = res_entities.set_index("record_id")["entity_id"]
    pred.index = pred.index.astype(str)
    out = {f"pair_{k}": v for k, v in pairwise(pred, truth).items()}
    out.update({f"b3_{k}": v for k, v in bcubed(pred, truth).items()})
    blocked = pairs[~pairs["blocking_rule"].isin(["cluster check", "judgement"])]
    out.update(blocking_recall(blocked, truth))
    return out
