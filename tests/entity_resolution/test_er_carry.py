"""The carried state (``entity_resolution.carry``): a run that reuses the last run's normalized
values and block keys gives exactly what normalizing and keying every record gives, re-keys the
records whose inputs changed, and survives the trip to disk; a state without it still loads."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from entity_resolution import PriorState, ResolutionSpec, resolve
from entity_resolution.blocking import rule_rows
from entity_resolution.carry import Carried, prepare_with
from entity_resolution.prepare import prepare

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.er import synth  # noqa: E402


def _records(kind: str, n: int) -> pd.DataFrame:
    make = synth.companies if kind == "company" else synth.persons
    rec, _ = synth.split_truth(make(n, seed=11))
    return rec.sample(frac=1, random_state=3).reset_index(drop=True)


def _same_prepared(a, b) -> None:
    assert list(a.record_ids) == list(b.record_ids)
    for name in ("values", "codes", "strong"):
        da, db = getattr(a, name), getattr(b, name)
        assert da.keys() == db.keys()
        for k in da:
            assert list(da[k]) == list(db[k]), (name, k)
    assert list(a.source if a.source is not None else []) == list(b.source if b.source is not None else [])
    assert (a.is_branch == b.is_branch).all()
    assert list(a.parent_core) == list(b.parent_core)


@pytest.mark.parametrize(("kind", "spec_name"), [("company", "company_cn"), ("person", "person_cn")])
def test_reused_values_and_keys_equal_a_fresh_computation(kind, spec_name, tmp_path) -> None:
    spec = ResolutionSpec.from_yaml(spec_name)
    rec = _records(kind, 600)
    for col in ResolutionSpec.from_yaml(spec_name).comparisons:
        if col.column not in rec.columns:
            rec[col.column] = None
    first = rec.iloc[: len(rec) // 2]
    _, _, carried, n = prepare_with(first.reset_index(drop=True), spec, None)
    assert n == len(first)
    carried.save(tmp_path / "c.parquet")
    carried = Carried.load(tmp_path / "c.parquet")
    assert carried is not None
    later = rec.copy()
    changed = later.index[:5]  # records the last run saw, whose values have changed since
    later.loc[changed, "name"] = later.loc[changed, "name"].astype(str) + "分公司"
    later = later.iloc[::-1].reset_index(drop=True)  # another order than the last run's
    prep, rows, _, n = prepare_with(later, spec, carried)
    assert n == len(rec) - len(first) + len(changed)
    fresh = prepare(later, spec)
    _same_prepared(prep, fresh)
    for got, want in zip(rows, rule_rows(fresh, spec), strict=True):
        assert np.array_equal(got.counts, want.counts)
        assert np.array_equal(got.hashes, want.hashes)


def test_an_incremental_run_with_the_carried_state_gives_the_same_result() -> None:
    spec = ResolutionSpec.from_yaml("company_cn")
    rec = _records("company", 1500)
    cut = 2 * len(rec) // 3
    first = resolve(rec.iloc[:cut], spec, carry=True)
    assert first.state.carried is not None and len(first.state.carried) == cut
    changed = rec.record_id.iloc[cut:]
    without = dataclasses.replace(first.state, carried=None)
    plain = resolve(rec, spec, prior=without, changed=changed, model=first.model)
    reused = resolve(rec, spec, prior=first.state, changed=changed, model=first.model)
    assert reused.stats["prepared_records"] == len(rec) - cut
    assert plain.stats["prepared_records"] == len(rec)
    pd.testing.assert_frame_equal(plain.entities, reused.entities)
    pd.testing.assert_frame_equal(plain.pairs, reused.pairs)
    pd.testing.assert_frame_equal(plain.review_queue, reused.review_queue)
    pd.testing.assert_frame_equal(plain.retired_ids, reused.retired_ids)
    assert reused.state.carried is not None and len(reused.state.carried) == len(rec)


def test_a_state_without_carried_values_loads_and_is_recomputed(tmp_path) -> None:
    spec = ResolutionSpec.from_yaml("company_cn")
    rec = _records("company", 300)
    res = resolve(rec, spec, carry=True)
    res.state.save(tmp_path / "with")
    assert (tmp_path / "with" / "carried.parquet").exists()
    loaded = PriorState.load(tmp_path / "with")
    assert loaded.carried is not None and len(loaded.carried) == len(rec)
    res.state.save(tmp_path / "old")
    (tmp_path / "old" / "carried.parquet").unlink()  # a state written before the carried values
    old = PriorState.load(tmp_path / "old")
    assert old.carried is None
    again = resolve(rec, spec, prior=old, changed=[], model=res.model, carry=True)
    assert again.stats["prepared_records"] == len(rec)
    (tmp_path / "bad.parquet").write_bytes(b"not parquet")
    assert Carried.load(tmp_path / "bad.parquet") is None
