"""Stable entity ids.

Rule (documented in docs/entity-resolution.md):
1. A cluster inherits the id of the prior entity that holds most of its records (ties: the
   smaller id).  A prior id goes to one cluster only: if several claim it, the cluster holding
   most of that entity's records keeps it (ties: the one with the smallest record id).
2. Every other cluster gets a new id ``<prefix>-<sha1(kind:smallest record id)[:12]>``; should
   that id have been issued before (e.g. the smallest record once headed an entity that was
   later split), a counter is appended to the hashed text until the id is fresh.
So re-running on the same input yields the same ids, and adding records never renames the
entities they join.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd


def new_entity_id(kind: str, smallest_record_id: str, taken: set[str]) -> str:
    prefix = (kind[:1] or "e").upper()
    salt = 0
    while True:
        text = f"{kind}:{smallest_record_id}" + (f"#{salt}" if salt else "")
        eid = f"{prefix}-{hashlib.sha1(text.encode('utf-8')).hexdigest()[:12]}"
        if eid not in taken:
            return eid
        salt += 1


def assign_ids(
    record_ids: np.ndarray,
    labels: np.ndarray,
    prior: dict[str, str] | None,
    kind: str,
    issued: set[str] | None = None,
) -> tuple[np.ndarray, pd.DataFrame]:
    """Entity id per record, plus a table of prior ids that were retired (merged or split away).

    ``labels`` are arbitrary cluster labels (same label = same entity)."""
    prior = prior or {}
    issued = set(issued or ()) | set(prior.values())
    # object columns: pandas' default string dtype converts on every map / isin below
    rid = pd.Series(record_ids, dtype=object).astype(str).astype(object)
    frame = pd.DataFrame({"rid": rid, "label": labels})
    frame["prior"] = frame["rid"].map(prior)
    # smallest record id per cluster (a sort, not groupby-min: that falls back to Python per group
    # on text)
    min_rid = frame.sort_values("rid", kind="stable").drop_duplicates("label").set_index("label")["rid"]

    claims = frame.dropna(subset=["prior"]).groupby(["label", "prior"]).size().rename("n").reset_index()
    label_to_id: dict[int, str] = {}
    if len(claims):
        # each cluster's preferred prior id: most records, then smaller id
        claims = claims.sort_values(["label", "n", "prior"], ascending=[True, False, True])
        best = claims.drop_duplicates("label", keep="first").copy()
        best["min_rid"] = best["label"].map(min_rid)
        # each prior id to one cluster: most records, then smallest record id
        best = best.sort_values(["prior", "n", "min_rid"], ascending=[True, False, True])
        winners = best.drop_duplicates("prior", keep="first")
        label_to_id = dict(zip(winners["label"], winners["prior"], strict=True))

    taken = issued  # this call's own set: the ids a new id must avoid
    taken.update(label_to_id.values())
    for label, rid in min_rid.sort_values().items():
        key = int(label)  # type: ignore[call-overload]  # cluster labels are integers
        if key in label_to_id:
            continue
        eid = new_entity_id(kind, rid, taken)
        label_to_id[key] = eid
        taken.add(eid)

    eids = frame["label"].map(label_to_id).to_numpy(dtype=object)
    kept = set(label_to_id.values())
    retired = (
        pd.DataFrame({"prior_entity_id": frame["prior"].astype(object), "entity_id": eids})
        .dropna()
        .loc[lambda f: ~f["prior_entity_id"].isin(kept)]
        .drop_duplicates()
        .reset_index(drop=True)
    )
    return eids, retired
