"""Fellegi–Sunter model: EM behaves, TF adjustment weakens common names."""

from __future__ import annotations

import numpy as np
import pytest
from er_helpers import make_ric, with_background

from entity_resolution import ResolutionSpec, resolve
from entity_resolution.fellegi_sunter import FSModel


@pytest.fixture(scope="module")
def company_run():
    from bench.er import synth

    df = synth.companies(1500, seed=5)
    rec, truth = synth.split_truth(df)
    return resolve(rec, ResolutionSpec.from_yaml("company_cn")), truth


def test_em_converges_to_sensible_parameters(company_run):
    res, truth = company_run
    model = res.model
    assert model.em_converged and not model.em_fallback
    ll = np.array(model.em_log_likelihood)
    assert np.all(np.diff(ll) >= -1e-6 * np.abs(ll[1:]))  # EM never decreases the likelihood
    for j, comp in enumerate(res.spec.comparisons):
        top = len(comp.levels)
        assert model.m[j][top] > model.u[j][top], comp.name  # agreeing is evidence for a match
        assert model.m[j][0] < model.u[j][0], comp.name  # disagreeing is evidence against
        assert np.isclose(model.m[j].sum(), 1) and np.isclose(model.u[j].sum(), 1)
    # λ close to the true share of matches among the candidate pairs
    cand = res.pairs[res.pairs.blocking_rule != "cluster check"]
    true_share = (
        truth.reindex(cand.record_id_a).to_numpy() == truth.reindex(cand.record_id_b).to_numpy()
    ).mean()
    assert abs(model.lam - true_share) < 0.05


def test_tf_adjustment_makes_wang_wei_weaker_than_a_rare_name(person_background):
    rows = [
        {
            "record_id": f"ww{i}",
            "name": "王伟",
            "id_number": make_ric("19600101", i),
            "birth_date": None,
            "phone": None,
            "address": None,
        }
        for i in range(30)
    ]
    rows += [
        {
            "record_id": "r1",
            "name": "欧阳震华",
            "id_number": None,
            "birth_date": "1961-02-02",
            "phone": None,
            "address": None,
        },
        {
            "record_id": "r2",
            "name": "欧阳震华",
            "id_number": None,
            "birth_date": "1961-02-02",
            "phone": None,
            "address": None,
        },
        {
            "record_id": "w1",
            "name": "王伟",
            "id_number": None,
            "birth_date": "1961-02-02",
            "phone": None,
            "address": None,
        },
        {
            "record_id": "w2",
            "name": "王伟",
            "id_number": None,
            "birth_date": "1961-02-02",
            "phone": None,
            "address": None,
        },
    ]
    res = resolve(with_background(rows, person_background), ResolutionSpec.from_yaml("person_cn"))
    common = {s["step"]: s for s in res.explain("w1", "w2")["steps"]}["name"]
    rare = {s["step"]: s for s in res.explain("r1", "r2")["steps"]}["name"]
    assert common["tf_adjusted"] and rare["tf_adjusted"]
    assert common["level"] == rare["level"] == "exact"
    assert common["weight"] < rare["weight"] - 3  # 32 × 王伟 vs 2 × 欧阳震华: ~4 bits apart
    assert res.explain("w1", "w2")["total_weight"] < res.explain("r1", "r2")["total_weight"]


def test_waterfall_adds_up(company_run):
    res, _ = company_run
    row = res.pairs.iloc[0]
    ev = res.explain(row.record_id_a, row.record_id_b)
    assert ev["total_weight"] == pytest.approx(sum(s["weight"] for s in ev["steps"]), abs=0.01)
    assert ev["decision"] == row.decision and ev["rule"] == row.rule


def test_why_same_returns_a_chain_of_positive_links(company_run):
    res, _ = company_run
    big = res.entities.groupby("entity_id").size()
    eid = big[big >= 3].index[0]
    members = res.members(eid)
    chain = res.why_same(members[0], members[-1])
    assert chain and all(step["decision"] in ("match", "reviewer-judged") for step in chain)
    assert (
        chain[0]["record_id_a"] in (members[0], chain[0]["record_id_b"])
        or chain[0]["record_id_b"] == members[0]
    )
    other = res.entities[res.entities.entity_id != eid].record_id.iloc[0]
    assert res.why_same(members[0], other) == []


def test_level_weights_never_reward_disagreement_nor_rank_closer_levels_lower() -> None:
    # what EM produced for names on 290k persons: "else" above 0, a middle level under "else"
    model = FSModel(names=["name"], m=[np.array([0.2, 0.05, 0.75])], u=[np.array([0.05, 0.2, 0.01])], lam=0.1)
    w = model.level_weights(0)
    assert w[0] == 0.0
    assert list(w) == sorted(w)
    assert w[2] == pytest.approx(np.log2(0.75 / 0.01))
