"""Accuracy on labelled synthetic data (bench/er/synth.py), and the link mode.

Thresholds sit below what the benchmark measures (docs/benchmarks.md) so that the tests catch
regressions without being flaky; they are not the targets themselves."""

from __future__ import annotations

import pandas as pd
import pytest

from entity_resolution import ResolutionSpec, resolve
from entity_resolution.keys import valid_ric, valid_uscc


@pytest.fixture(scope="module", params=["company", "person"])
def run(request):
    from bench.er import metrics, synth

    kind = request.param
    df = synth.companies(1500, seed=21) if kind == "company" else synth.persons(1500, seed=21)
    rec, truth = synth.split_truth(df)
    res = resolve(rec, ResolutionSpec.from_yaml(f"{kind}_cn"))
    spec = res.spec
    evidence = [c.column for c in spec.comparisons if c.name != "name"] + [s.column for s in spec.strong_ids]
    return kind, rec, res, metrics.score(res.entities, res.pairs, truth, rec, evidence)


def test_precision_recall_and_blocking_recall(run):
    kind, _, _, m = run
    assert m["pair_precision"] >= 0.99, m
    assert m["blocking_recall_linkable"] >= 0.995, m
    assert m["pair_recall_linkable"] >= (0.98 if kind == "company" else 0.95), m


def test_no_entity_holds_two_different_valid_strong_keys(run):
    kind, rec, res, _ = run
    col, validator = ("uscc", valid_uscc) if kind == "company" else ("id_number", valid_ric)
    keys = rec.set_index("record_id")[col].map(lambda v: validator(v) if isinstance(v, str) else None)
    ents = res.entities.assign(key=res.entities["record_id"].map(keys)).dropna(subset=["key"])
    assert (ents.groupby("entity_id")["key"].nunique() <= 1).all()
    # and records with one valid key are all in one entity
    assert (ents.groupby("key")["entity_id"].nunique() == 1).all()


def test_link_only_mode_pairs_only_across_sources():
    from er_helpers import make_uscc

    spec = ResolutionSpec.from_yaml("company_cn").model_copy(
        update={"mode": "link_only", "source_column": "source"}
    )
    u = make_uscc(777)
    rows = [
        {
            "record_id": "a1",
            "source": "crm",
            "name": "厦门象屿物流有限公司",
            "uscc": u,
            "legal_rep": None,
            "address": None,
            "phone": None,
            "established": None,
        },
        {
            "record_id": "a2",
            "source": "crm",
            "name": "厦门象屿物流股份有限公司",
            "uscc": None,
            "legal_rep": None,
            "address": None,
            "phone": None,
            "established": None,
        },
        {
            "record_id": "b1",
            "source": "loans",
            "name": "廈門象嶼物流有限公司",
            "uscc": u,
            "legal_rep": None,
            "address": None,
            "phone": None,
            "established": None,
        },
    ]
    res = resolve(pd.DataFrame(rows), spec)
    src = dict(zip(res.entities.record_id, res.entities.source, strict=True))
    blocked = res.pairs[res.pairs.blocking_rule != "cluster check"]
    assert len(blocked) and (blocked.record_id_a.map(src) != blocked.record_id_b.map(src)).all()
    assert res.same_entity("a1", "b1")
    text = res.waterfall_text("a1", "b1")
    assert "same valid uscc" in text and "total" in text


def test_ingest_contract_columns_are_enough(company_background):
    """The ingest contract has no legal_rep/address/phone: absent columns read as no evidence."""
    from er_helpers import make_uscc

    u = make_uscc(31337)
    rows = company_background[["record_id", "name", "uscc", "established"]].copy()
    extra = pd.DataFrame(
        [
            {
                "record_id": "q1",
                "name": "合肥科大讯飞信息科技股份有限公司",
                "uscc": u,
                "established": "1999-12-30",
            },
            {
                "record_id": "q2",
                "name": "合肥科大讯飞信息科技有限公司",
                "uscc": None,
                "established": "1999/12/30",
            },
            {
                "record_id": "q3",
                "name": "合肥科大讯飞信息科技有限公司上海分公司",
                "uscc": None,
                "established": None,
            },
        ]
    )
    res = resolve(pd.concat([rows, extra], ignore_index=True), ResolutionSpec.from_yaml("company_cn"))
    assert set(res.stats["missing_columns"]) == {"legal_rep", "address", "phone", "net_assets", "bank_branch"}
    assert res.same_entity("q1", "q2") and not res.same_entity("q1", "q3")
    assert res.branch_links.set_index("record_id").loc["q3", "parent_entity_id"] == res.entity_of("q1")
