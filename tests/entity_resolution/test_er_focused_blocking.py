"""A focused (incremental) run does the full run's work on the batch's part only: blocking around a
few records (``block(..., around=...)``) gives exactly the full run's pairs of those records — same
pairs, order, first rule and rule mask — pairing only the blocks that hold them; ids assigned over
the focus are those of all records; a company name is parsed once for its value and its branch."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from er_helpers import make_uscc

from entity_resolution import ResolutionSpec
from entity_resolution.blocking import RuleRows, block, focused_keys, rule_rows
from entity_resolution.ids import assign_ids
from entity_resolution.pipeline import _focus, _ids_in_focus, _marked, _prior_entity_of
from entity_resolution.prepare import prepare
from entity_resolution.review import PriorState


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
    got = _pair_table(block(prep, spec, rows=rule_rows(prep, spec), around=marked, both=both))
    assert len(expected) > 100
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


def test_focused_keys_keep_whole_blocks_with_enough_marked_rows(spec) -> None:
    plain = next(r for r in spec.blocking if not any(":each" in k or ":del1" in k for k in r.keys))
    # records 0-2 share key 7, 3-4 key 9, record 5 has none, 6-8 share key 11
    rows = RuleRows(
        np.array([1, 1, 1, 1, 1, 0, 1, 1, 1], np.int32), np.array([7, 7, 7, 9, 9, 11, 11, 11], np.uint64)
    )
    marked = np.array([1, 0, 0, 1, 1, 1, 0, 0, 1], bool)
    assert focused_keys(rows, plain, spec, marked, 1).code.tolist() == [0, 0, 0, 1, 1, -1, 2, 2, 2]
    assert focused_keys(rows, plain, spec, marked, 2).code.tolist() == [-1, -1, -1, 0, 0, -1, -1, -1, -1]
    # rows of a set-valued rule count through their owners
    each = next(r for r in spec.blocking if any(":each" in k or ":del1" in k for k in r.keys))
    owned = RuleRows(np.array([1, 2, 1], np.int32), np.array([5, 5, 6, 6], np.uint64))
    got = focused_keys(owned, each, spec, np.array([False, True, False]), 1)
    assert got.code.tolist() == [0, 0, 1, 1] and got.owner is not None and got.owner.tolist() == [0, 1, 1, 2]
    assert focused_keys(owned, each, spec, np.array([True, False, False]), 1).code.tolist() == [0, 0, -1, -1]


def test_marked_looks_ids_up_as_text() -> None:
    ids = np.array(["a", "b", "12", "c"], object)
    assert _marked(ids, ["b", 12, "zz"]).tolist() == [False, True, True, False]
    assert not _marked(ids, []).any()


def _state(prior: dict[str, str]) -> PriorState:
    return PriorState(
        spec_fingerprint="",
        entities=pd.DataFrame({"record_id": list(prior), "entity_id": list(prior.values())}),
        representatives=pd.DataFrame(),
    )


def test_focus_widens_touched_records_to_their_prior_entities() -> None:
    ids = np.array(["n", "p1", "p2", "p3", "q1", "q2", "r"], object)
    prior = {"p1": "E1", "p2": "E1", "p3": "E2", "q1": "E3", "q2": "E3"}
    prior_of = _prior_entity_of(ids, _state(prior))
    assert prior_of.tolist() == [None, "E1", "E1", "E2", "E3", "E3", None]
    changed = _marked(ids, ["n"])
    a, b = np.array([0, 3]), np.array([1, 4])  # n~p1 holds the batch record; p3~q1 does not
    empty = (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, object))
    focus = _focus(a, b, empty, prior_of, changed)
    assert ids[focus].tolist() == ["n", "p1", "p2"]
    judged = (np.array([0]), np.array([6]), np.array(["same"], object))
    focus = _focus(a, b, judged, prior_of, changed)
    assert ids[focus].tolist() == ["n", "p1", "p2", "r"]


def test_ids_in_focus_are_the_ids_of_all_records() -> None:
    """Outside the focus every prior entity is one cluster of its own records: assigning ids over
    the focus alone must give what assigning them over every record gives."""
    ids = np.array(["a1", "a2", "b1", "c1", "c2", "d1", "n1", "n2", "n3"], object)
    prior = {"a1": "C-a", "a2": "C-a", "b1": "C-b", "c1": "C-c", "c2": "C-c", "d1": "C-d"}
    # focus: entities a and b (merged with n1), and the new n2, n3 (one new entity)
    focus = np.array([1, 1, 1, 0, 0, 0, 1, 1, 1], bool)
    labels = np.array([0, 0, 0, 7, 7, 8, 0, 5, 5])
    prior_of = _prior_entity_of(ids, _state(prior))
    got, retired = _ids_in_focus(ids, labels, focus, prior_of, "company", {"C-old"} | set(prior.values()))
    want, want_retired = assign_ids(ids, labels, prior, "company", {"C-old"})
    assert got.tolist() == want.tolist()
    pd.testing.assert_frame_equal(retired, want_retired)
    assert got[:3].tolist() == ["C-a"] * 3 and retired["prior_entity_id"].tolist() == ["C-b"]
    assert got[3:6].tolist() == ["C-c", "C-c", "C-d"]
    assert got[7] == got[8] and got[7] not in {"C-a", "C-b", "C-c", "C-d", "C-old"}


def test_prepare_parses_a_company_name_once_for_its_value_and_its_branch(spec, records) -> None:
    from entity_resolution.normalize import company_name, parse_company_name

    names = pd.concat([records["name"], pd.Series(["杭州银行股份有限公司西湖支行", None])], ignore_index=True)
    prep = prepare(pd.DataFrame({"record_id": [f"r{i}" for i in range(len(names))], "name": names}), spec)
    assert prep.values["name"].tolist() == [company_name(v) for v in names]
    parsed = [parse_company_name(v) for v in names]
    assert prep.is_branch.tolist() == [bool(p and p.is_branch) for p in parsed]
    assert prep.is_branch[-2] and prep.parent_core[-2] == parsed[-2].parent_core


def test_representatives_in_focus_are_those_of_all_records(spec: ResolutionSpec) -> None:
    """Entities outside the focus keep their records, so keeping their prior representatives and
    ranking the focus afresh must give what ranking every record gives."""
    from entity_resolution.pipeline import _representatives, _representatives_in_focus
    from entity_resolution.prepare import spec_columns

    cols = spec_columns(spec)
    rng = np.random.default_rng(3)
    n = 40
    work = pd.DataFrame({c: [f"{c}{i}" if rng.random() < 0.6 else None for i in range(n)] for c in cols})
    work[spec.record_id] = [f"r{i:02d}" for i in range(n)]
    prior_ids = np.array([f"E{i // 5}" for i in range(n)], object)  # eight entities of five records
    final = prior_ids.copy()
    final[10:15] = "E0"  # E2 merged into E0: both in the focus
    final[20:22] = "E9"  # two records of E4 split off into a new entity
    focus = np.isin(prior_ids, ["E0", "E2", "E4"])
    prior_reps = _representatives(work, prior_ids, spec)
    got = _representatives_in_focus(work, final, spec, focus, prior_ids, prior_reps)
    pd.testing.assert_frame_equal(got, _representatives(work, final, spec))
    assert set(got["entity_id"]) == set(final)
