"""Reviewer judgements, splits, stable ids, incremental attach."""

from __future__ import annotations

import pandas as pd
import pytest
from er_helpers import make_uscc, with_background

from entity_resolution import Judgement, PriorState, ResolutionSpec, Split, resolve


@pytest.fixture(scope="module")
def spec() -> ResolutionSpec:
    return ResolutionSpec.from_yaml("company_cn")


def co(rid, name, uscc=None, rep=None, addr=None, phone=None, reg=None):
    return dict(
        record_id=rid, name=name, uscc=uscc, legal_rep=rep, address=addr, phone=phone, established=reg
    )


ROWS = [
    co("k1", "苏州恒瑞医药有限公司", None, "周明", "苏州市工业园区星湖街1号", "13911110001", "2001-01-01"),
    co(
        "k2", "苏州恒瑞医药股份有限公司", None, "周明", "苏州市工业园区星湖街1号", "13911110001", "2001-01-01"
    ),
    co("k3", "蘇州恒瑞醫藥有限公司", None, "周明", None, "13911110001", None),
    co("g1", "无锡华远电子有限公司", None, "吴刚", None, None, None),
    co("g2", "无锡华远电子科技有限公司", None, None, "无锡市新区1号", None, None),
]


def test_reviewer_different_is_never_merged_and_same_is_merged(spec, company_background):
    data = with_background(ROWS, company_background)
    base = resolve(data, spec)
    assert base.same_entity("k1", "k2") and base.same_entity("k1", "k3")
    assert not base.same_entity("g1", "g2")
    judged = resolve(
        data,
        spec,
        judgements=[
            Judgement(record_id_a="k2", record_id_b="k1", verdict="different"),
            Judgement(record_id_a="g1", record_id_b="g2", verdict="same"),
        ],
    )
    assert not judged.same_entity("k1", "k2")
    assert judged.same_entity("g1", "g2")
    assert judged.explain("g1", "g2")["decision"] == "reviewer-judged"
    # judgements live on in the state: a rerun without passing them again still respects them
    rerun = resolve(data, spec, prior=judged.state)
    assert not rerun.same_entity("k1", "k2") and rerun.same_entity("g1", "g2")
    assert ("k1", "k2") not in set(
        zip(rerun.review_queue.record_id_a, rerun.review_queue.record_id_b, strict=True)
    )


def test_split_is_respected_and_keeps_the_id_for_the_larger_part(spec, company_background):
    data = with_background(ROWS, company_background)
    first = resolve(data, spec)
    eid = first.entity_of("k1")
    split = Split(entity_id=eid, parts=[["k1", "k2"], ["k3"]])
    second = resolve(data, spec, prior=first.state, splits=[split])
    assert second.same_entity("k1", "k2") and not second.same_entity("k1", "k3")
    assert second.entity_of("k1") == eid
    assert second.entity_of("k3") != eid
    third = resolve(data, spec, prior=second.state)  # the split persists in the state
    assert not third.same_entity("k1", "k3") and third.entity_of("k3") == second.entity_of("k3")


def test_ids_are_stable_across_reruns_and_row_order(spec, company_background):
    data = with_background(ROWS, company_background)
    a = resolve(data, spec)
    b = resolve(data.sample(frac=1.0, random_state=3), spec)
    ea = a.entities.set_index("record_id")["entity_id"]
    eb = b.entities.set_index("record_id")["entity_id"].reindex(ea.index)
    assert (ea == eb).all()  # deterministic ids without any prior state
    # adding records keeps the existing entities' ids
    more = pd.concat(
        [
            data,
            pd.DataFrame([co("k4", "苏州恒瑞医药有限公司", None, "周明", None, "13911110001", "2001-01-01")]),
        ]
    )
    c = resolve(more, spec, prior=a.state)
    assert c.entity_of("k4") == a.entity_of("k1")
    ec = c.entities.set_index("record_id")["entity_id"].reindex(ea.index)
    assert (ea == ec).all()


def test_merge_keeps_the_id_of_the_larger_prior_entity(spec, company_background):
    data = with_background(ROWS, company_background)
    a = resolve(
        data,
        spec,
        judgements=[
            Judgement(record_id_a="k1", record_id_b="k3", verdict="different"),
            Judgement(record_id_a="k2", record_id_b="k3", verdict="different"),
        ],
    )
    assert a.entity_of("k1") != a.entity_of("k3")
    state = a.state
    state.judgements = []  # the reviewer withdraws the judgements
    b = resolve(data, spec, prior=state)
    assert b.entity_of("k3") == b.entity_of("k1") == a.entity_of("k1")
    assert a.entity_of("k3") in set(b.retired_ids["prior_entity_id"])


def test_incremental_attach_uses_representatives_only(spec, company_background, tmp_path):
    first = resolve(with_background(ROWS, company_background), spec)
    first.state.save(tmp_path / "state")
    state = PriorState.load(tmp_path / "state")
    new = pd.DataFrame(
        [
            co("n1", "苏州恒瑞医药(集团)有限公司", None, "周明", None, "13911110001", None),
            co("n2", "宁夏全新独立实业有限公司", make_uscc(99, "640100"), "马良", "银川市1号", None, None),
            co("n3", "宁夏全新独立实业股份有限公司", make_uscc(99, "640100"), None, None, None, None),
        ]
    )
    inc = resolve(new, spec, prior=state)
    assert inc.stats["incremental"]
    assert inc.stats["working_set"] < len(first.entities) + len(new)  # only representatives were loaded
    assert inc.entity_of("n1") == first.entity_of("k1")
    assert inc.same_entity("n2", "n3") and inc.entity_of("n2") not in set(first.entities.entity_id)
    # prior records keep their ids, and the state now knows the new records
    before = first.entities.set_index("record_id")["entity_id"]
    after = inc.entities.set_index("record_id")["entity_id"].reindex(before.index)
    assert (before == after).all()
    assert {"n1", "n2", "n3"} <= set(inc.state.entities.record_id)
