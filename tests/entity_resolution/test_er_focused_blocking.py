"""Blocking around a few records (``block(..., around=...)``) gives exactly the full run's pairs of
those records — the same pairs, order, first rule and rule mask — while pairing only the blocks
that hold them, so an incremental batch costs what its blocks cost, not what the population's do."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from er_helpers import make_uscc

from entity_resolution import ResolutionSpec
from entity_resolution.blocking import RuleKeys, block, rule_keys
from entity_resolution.pipeline import _focus, _marked
from entity_resolution.prepare import prepare


@pytest.fixture(scope="module")
def spec() -> ResolutionSpec:
    return ResolutionSpec.from_yaml("company_cn")


@pytest.fixture(scope="module")
def records(company_background: pd.DataFrame) -> pd.DataFrame:
    """The background plus one phone shared by more records than a block may hold (the full run
    leaves that block unpaired) and one USCC shared by as many (the full run links it as a star)."""
    shared_phone = [
        {"record_id": f"ph-{i:02d}", "name": f"绍兴第{i}号纺织有限公司", "phone": "057512345678"}
        for i in range(70)
    ]
    shared_uscc = [
        {"record_id": f"us-{i:02d}", "name": f"台州{i}号机电有限公司", "uscc": make_uscc(88001)}
        for i in range(70)
    ]
    return pd.concat(
        [company_background, pd.DataFrame(shared_phone), pd.DataFrame(shared_uscc)], ignore_index=True
    )


def _pair_table(c) -> pd.DataFrame:
    return pd.DataFrame({"a": c.a, "b": c.b, "rule": c.rule, "mask": c.rules_mask})


@pytest.mark.parametrize("both", [False, True])
def test_blocking_around_marked_records_is_the_full_union_restricted(spec, records, both) -> None:
    prep = prepare(records, spec)
    rng = np.random.default_rng(5)
    marked = np.zeros(prep.n, bool)
    marked[rng.choice(prep.n, size=prep.n // 4, replace=False)] = True
    marked[[prep.n - 1, prep.n - 75]] = True  # one record of each oversized block
    full = _pair_table(block(prep, spec))
    a, b = full["a"].to_numpy(), full["b"].to_numpy()
    keep = (marked[a] & marked[b]) if both else (marked[a] | marked[b])
    expected = full[keep].reset_index(drop=True)
    got = _pair_table(block(prep, spec, keyed=rule_keys(prep, spec), around=marked, both=both))
    assert len(expected) > 100
    pd.testing.assert_frame_equal(got, expected)


def test_an_oversized_block_stays_unpaired_and_a_strong_key_block_stays_a_star(spec, records) -> None:
    prep = prepare(records, spec)
    ids = prep.record_ids.tolist()
    marked = _marked(prep.record_ids, ["ph-03", "us-05"])
    got = block(prep, spec, around=marked)
    rule = {r.name: i for i, r in enumerate(spec.blocking)}

    def by_rule(name: str) -> set[tuple[str, str]]:
        bit = np.int64(1) << np.int64(rule[name])
        sel = (got.rules_mask & bit) != 0
        return {(ids[a], ids[b]) for a, b in zip(got.a[sel].tolist(), got.b[sel].tolist(), strict=True)}

    # 70 records of one phone exceed the phone rule's block cap: no phone pairs, as in a full run
    assert not by_rule("phone")
    # 70 records of one USCC: the star links us-05 to the block's first record only
    assert by_rule("uscc") == {("us-00", "us-05")}


def test_blocks_holding_keeps_whole_blocks_with_enough_marked_rows() -> None:
    codes = np.array([0, 0, 0, 1, 1, -1, 2, 2, 2], np.int64)
    marked = np.array([1, 0, 0, 1, 1, 1, 0, 0, 1], bool)
    rk = RuleKeys(codes, None, max_block=10, star_large=False)
    assert rk.blocks_holding(marked, 1).tolist() == [0, 0, 0, 1, 1, -1, 2, 2, 2]
    assert rk.blocks_holding(marked, 2).tolist() == [-1, -1, -1, 1, 1, -1, -1, -1, -1]
    # rows of a set-valued rule count through their owners
    owned = RuleKeys(np.array([0, 0, 1, 1], np.int64), np.array([0, 1, 1, 2]), 10, False)
    assert owned.blocks_holding(np.array([False, True, False]), 1).tolist() == [0, 0, 1, 1]
    assert owned.blocks_holding(np.array([True, False, False]), 1).tolist() == [0, 0, -1, -1]


def test_marked_looks_ids_up_as_text() -> None:
    ids = np.array(["a", "b", "12", "c"], object)
    assert _marked(ids, ["b", 12, "zz"]).tolist() == [False, True, True, False]
    assert not _marked(ids, []).any()


def test_focus_widens_touched_records_to_their_prior_entities() -> None:
    ids = np.array(["n", "p1", "p2", "p3", "q1", "q2", "r"], object)
    prep = type("P", (), {"record_ids": ids})()
    prior = {"p1": "E1", "p2": "E1", "p3": "E2", "q1": "E3", "q2": "E3"}
    changed = _marked(ids, ["n"])
    a, b = np.array([0, 3]), np.array([1, 4])  # n~p1 holds the batch record; p3~q1 does not
    empty = (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, object))
    focus = _focus(prep, a, b, empty, prior, changed)  # type: ignore[arg-type]
    assert ids[focus].tolist() == ["n", "p1", "p2"]
    judged = (np.array([0]), np.array([6]), np.array(["same"], object))
    focus = _focus(prep, a, b, judged, prior, changed)  # type: ignore[arg-type]
    assert ids[focus].tolist() == ["n", "p1", "p2", "r"]
