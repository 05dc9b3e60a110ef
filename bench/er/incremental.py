"""The incremental row of the entity-resolution benchmark: a batch of new records resolved against
the entities of a full run, through the function ingest uses (``ingest.er_resolver.resolve_population``).

The batch is held out of the generator's own records (``batch`` records drawn at random with a fixed
seed), so its truth is known: a held-out record whose true entity still has records among the rest
must join that entity, the others are new entities.  Two processes, so the measured one holds only
what an ingest would:

1. ``prior``: the full resolution of every record but the batch, untimed; it pickles the record →
   entity map and the trained weights (what the graph and ``<state_dir>/<kind>.model.json`` keep)
   and writes the carried normalized values and block keys beside it (what
   ``<state_dir>/<kind>.carried.parquet`` keeps, ``entity_resolution.carry``).
2. ``measure``: reads the input table (its truth only after the call: an ingest holds none), that
   pickle and the carried state (reading the state is timed on its own: an ingest reads it once per
   run, later batches of a run hold it in memory), then times ``resolve_population`` on the whole
   population (prior records + batch) with the batch as the changed records, the prior weights and
   the carried state, sampling RSS every 50 ms; accuracy is scored on the resulting entities of all
   records.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

SPEC = {"company": "company_cn", "person": "person_cn"}
SEED = 20261202


def held_out(records: pd.DataFrame, batch: int) -> np.ndarray:
    """Positions of the batch records (a fixed random draw)."""
    rng = np.random.default_rng(SEED)
    return np.sort(rng.choice(len(records), size=min(batch, len(records) // 2), replace=False))


def build_prior(kind: str, input_pickle: str, batch: int, out: Path) -> None:
    """Full run on everything but the batch; pickle (record → entity map, weights)."""
    from entity_resolution import ResolutionSpec, resolve

    records = pd.read_pickle(input_pickle)[0]
    rest = np.ones(len(records), bool)
    rest[held_out(records, batch)] = False
    spec = ResolutionSpec.from_yaml(SPEC[kind])
    res = resolve(records[rest].reset_index(drop=True), spec, carry=True)
    prior_map = dict(zip(res.entities["record_id"].astype(str), res.entities["entity_id"], strict=True))
    pd.to_pickle((prior_map, res.model.to_dict()), out)
    assert res.state.carried is not None
    res.state.carried.save(carried_path(out))


def carried_path(prior_pickle: str | Path) -> Path:
    return Path(prior_pickle).with_suffix(".carried.parquet")


def measure(kind: str, input_pickle: str, prior_pickle: str, batch: int, peak_rss_during) -> dict[str, Any]:
    """Time the incremental resolution of the batch against the prior entities."""
    from bench.er import metrics
    from entity_resolution import ResolutionSpec
    from entity_resolution.carry import Carried
    from entity_resolution.fellegi_sunter import FSModel
    from ingest.er_resolver import resolve_population

    records = pd.read_pickle(input_pickle)[0]
    prior_map, model_dict = pd.read_pickle(prior_pickle)
    spec = ResolutionSpec.from_yaml(SPEC[kind])
    batch_pos = held_out(records, batch)
    batch_keys = set(records["record_id"].iloc[batch_pos].astype(str))
    # as ingest builds its frame: the loaded records first, this batch's after them
    is_batch = np.zeros(len(records), bool)
    is_batch[batch_pos] = True
    frame = pd.concat([records[~is_batch], records[is_batch]], ignore_index=True)
    del records
    model = FSModel.from_dict(model_dict)
    state_file = carried_path(prior_pickle)
    t0 = time.perf_counter()
    carried = Carried.load(state_file)
    state_read_s = time.perf_counter() - t0
    res, elapsed, cpu, base, peak = peak_rss_during(
        lambda: resolve_population(frame, spec, prior_map, batch_keys, [], [], model, carried)
    )
    truth = pd.read_pickle(input_pickle)[1]
    t = truth.reindex(frame["record_id"].astype(str))
    rest_truth = set(t[~t.index.isin(batch_keys)].to_numpy())
    joins = int(sum(1 for r in batch_keys if t[r] in rest_truth))
    m = metrics.score(res.entities, res.pairs, truth)
    return {
        "mode": "incremental",
        "kind": kind,
        "records": len(frame),
        "batch": len(batch_keys),
        "batch_joining_existing": joins,
        "batch_new": len(batch_keys) - joins,
        "re_resolved": int(res.stats["re_resolved"]),
        "prepared_records": int(res.stats["prepared_records"]),
        "state_read_s": state_read_s,
        "state_mb": state_file.stat().st_size / 2**20,
        "candidate_pairs": int(res.stats["candidate_pairs"]),
        "seconds": elapsed,
        "cpu_seconds": cpu,
        "loadavg_1m": os.getloadavg()[0],
        "rss_before_mb": base / 2**20,
        "peak_rss_mb": peak / 2**20,
        "stages": {k: v for k, v in res.stats.items() if k.endswith("_s")},
        "stage_peak_rss_mb": res.stats.get("peak_rss_mb_after", {}),
        **{k: v for k, v in m.items() if k.startswith(("pair_", "b3_"))},
    }
