"""Re-resolving only what a batch can affect (``resolve(..., changed=...)``) gives the full run's
entities: bridging merges, splits and judgements hold, untouched entities keep their ids."""

from __future__ import annotations

import pandas as pd
import pytest
from er_helpers import make_uscc

from entity_resolution import Judgement, ResolutionSpec, Split, resolve


@pytest.fixture(scope="module")
def spec() -> ResolutionSpec:
    return ResolutionSpec.from_yaml("company_cn")


def co(rid, name, uscc=None, phone=None, address=None, rep=None):
    return dict(record_id=rid, name=name, uscc=uscc, phone=phone, address=address, legal_rep=rep)


def _partition(res) -> set[frozenset[str]]:
    e = res.entities.set_index("record_id")["entity_id"]
    return {frozenset(g.index) for _, g in e.groupby(e)}


def test_incremental_equals_full_on_synthetic_batches(spec) -> None:
    """With the same weights, re-resolving only the batch's neighbourhood changes nothing against
    re-resolving everything (ingest reuses its last full run's weights; ``--full`` retrains)."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from bench.er import synth

    rec, _ = synth.split_truth(synth.companies(1500, seed=4))
    rec = rec.sample(frac=1, random_state=2).reset_index(drop=True)
    cut1, cut2 = len(rec) // 3, 2 * len(rec) // 3
    first = resolve(rec.iloc[:cut1], spec)
    full2 = resolve(rec.iloc[:cut2], spec, prior=first.state)
    inc2 = resolve(
        rec.iloc[:cut2], spec, prior=first.state, changed=rec.record_id.iloc[cut1:cut2], model=full2.model
    )
    assert _partition(inc2) == _partition(full2)
    assert inc2.stats["re_resolved"] < cut2
    full3 = resolve(rec, spec, prior=full2.state)
    inc3 = resolve(rec, spec, prior=inc2.state, changed=rec.record_id.iloc[cut2:], model=full3.model)
    assert _partition(inc3) == _partition(full3)
    ids_full = full3.entities.set_index("record_id")["entity_id"]
    ids_inc = inc3.entities.set_index("record_id")["entity_id"].reindex(ids_full.index)
    assert (ids_full == ids_inc).all()


def test_a_new_record_that_agrees_with_two_entities_merges_them(spec, company_background) -> None:
    uscc = make_uscc(70001)
    base = company_background.to_dict("records")
    rows = [
        *base,
        co("a", "杭州恒达机械制造有限公司", uscc=uscc),
        co("b", "杭州恒达机诫制造厂", phone="13800000001", address="杭州市西湖区文三路1号", rep="周建国"),
    ]
    before = resolve(pd.DataFrame(rows), spec)
    assert not before.same_entity("a", "b")
    bridge = co(
        "n",
        "杭州恒达机械制造有限公司",
        uscc=uscc,
        phone="13800000001",
        address="杭州市西湖区文三路1号",
        rep="周建国",
    )
    after = resolve(
        pd.DataFrame([*rows, bridge]), spec, prior=before.state, changed=["n"], model=before.model
    )
    assert after.same_entity("a", "n") and after.same_entity("b", "n")
    assert after.why_same("a", "b")  # the merge comes with its evidence chain
    untouched = before.entities.set_index("record_id")["entity_id"]
    kept = after.entities.set_index("record_id")["entity_id"].reindex(untouched.index)
    outside = [r for r in untouched.index if r not in ("a", "b")]
    assert (kept[outside] == untouched[outside]).mean() > 0.95


def test_a_split_and_a_judgement_hold_in_an_incremental_run(spec, company_background) -> None:
    uscc = make_uscc(70002)
    rows = [
        *company_background.to_dict("records"),
        co("x1", "宁波丙实业有限公司", uscc=uscc),
        co("x2", "宁波丙实业有限公司", phone="13900000002"),
        co("x3", "宁波丙实业", phone="13900000002"),
    ]
    first = resolve(pd.DataFrame(rows), spec)
    assert first.same_entity("x1", "x2")
    eid = first.entity_of("x1")
    split = Split(entity_id=eid, parts=[["x1"], ["x2", "x3"]])
    judged = Judgement(record_id_a="x2", record_id_b="x3", verdict="different", reviewer="r")
    state = first.state
    state.splits = [split]
    state.judgements = [judged]
    new = co("x4", "宁波丙实业有限公司", uscc=uscc, phone="13900000002")
    inc = resolve(
        pd.DataFrame([*rows, new]),
        spec,
        prior=state,
        changed=["x4", "x1", "x2", "x3"],
        model=first.model,
    )
    assert not inc.same_entity("x1", "x2") and not inc.same_entity("x2", "x3")
    full = resolve(pd.DataFrame([*rows, new]), spec, prior=state)
    assert _partition(inc) == _partition(full)
