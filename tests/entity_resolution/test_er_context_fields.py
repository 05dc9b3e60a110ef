"""Set-valued context fields (the companies a record is linked to) and the rules around them:
overlap comparison, one blocking key per token, one source's two records at one company, and
identity numbers whose visible digits disagree."""

from __future__ import annotations

import numpy as np
import pytest
from er_helpers import make_ric, mask, with_background

from entity_resolution import ResolutionSpec, resolve
from entity_resolution.comparators import similarity
from entity_resolution.normalize import token_set
from entity_resolution.spec import Comparison


@pytest.fixture(scope="module")
def person_spec() -> ResolutionSpec:
    return ResolutionSpec.from_yaml("person_cn")


def pe(rid, source, name, idn=None, companies=None, gender=None):
    return dict(record_id=rid, source=source, name=name, id_number=idn, companies=companies, gender=gender)


def test_token_set_normalizes_order_duplicates_and_blanks() -> None:
    assert token_set(" C:2 |C:1||C:2") == "C:1|C:2"
    assert token_set("") is None and token_set(None) is None


def test_overlap_is_shared_tokens_over_the_smaller_set() -> None:
    comp = Comparison(name="companies", column="companies", normalizer="token_set", comparator="overlap")
    x = np.array(["C:1|C:2", "C:1", "C:1|C:2|C:3|C:4", None], dtype=object)
    y = np.array(["C:2|C:3", "C:1|C:9", "C:5", "C:1"], dtype=object)
    sim = similarity(comp, x, y)
    assert sim[:3].tolist() == [0.5, 1.0, 0.0]
    assert np.isnan(sim[3])


def test_name_only_registry_record_meets_its_core_record_on_a_shared_company(person_spec, person_background):
    full = make_ric("19800302", 41)
    rows = [
        pe("reg1", "registry", "李娜", None, "C:1|C:2", "F"),
        pe("core1", "core", "李娜", full, "C:2", "F"),
        pe("reg2", "registry", "李娜", None, "C:9", "F"),  # same name, another company: nobody
    ]
    res = resolve(with_background(rows, person_background), person_spec)
    assert res.same_entity("reg1", "core1")
    why = res.explain("reg1", "core1")
    assert why["decision"] == "match"
    assert not res.same_entity("reg2", "core1") and not res.same_entity("reg2", "reg1")
    # the shared company came through the per-token blocking rule, not only the name block
    pairs = res.pairs
    found = pairs[pairs.record_id_a.isin(["reg1", "core1"]) & pairs.record_id_b.isin(["reg1", "core1"])]
    assert len(found) == 1


def test_one_source_two_records_at_one_company_are_two_people(person_spec, person_background):
    full = make_ric("19751010", 52)
    rows = [
        pe("reg3", "registry", "张伟", None, "C:5", "M"),
        pe("reg4", "registry", "张伟", mask(full), "C:5", "M"),
        pe("core5", "core", "张伟", full, "C:5", "M"),
    ]
    res = resolve(with_background(rows, person_background), person_spec)
    assert res.explain("reg3", "reg4")["decision"] == "hard-no-match"
    assert not res.same_entity("reg3", "reg4")
    assert res.same_entity("reg4", "core5")  # masked-compatible ID: that one is the core customer


def test_one_source_duplicates_with_agreeing_ids_still_merge(person_spec, person_background):
    full = make_ric("19690909", 63)
    rows = [
        pe("reg6", "registry", "周强", mask(full), "C:7", "M"),
        pe("reg7", "registry", "周强", mask(full), "C:7", "M"),
    ]
    res = resolve(with_background(rows, person_background), person_spec)
    assert res.explain("reg6", "reg7")["decision"] != "hard-no-match"
    assert res.same_entity("reg6", "reg7")


def test_visible_id_digits_that_disagree_never_merge(person_spec, person_background):
    full = make_ric("19880808", 74)
    other = make_ric("19880808", 75)
    rows = [
        pe("core8", "core", "陈洋", full, "C:8", "M"),
        pe("list8", "lists", "陈洋", mask(other), "C:8", "M"),  # same name, same company, other ID
    ]
    res = resolve(with_background(rows, person_background), person_spec)
    assert not res.same_entity("core8", "list8")
    assert res.explain("core8", "list8")["decision"] == "hard-no-match"


def test_a_masked_id_shared_by_chance_does_not_merge_different_names(person_spec, person_background):
    """Eight visible digits are shared by many people in a large population: with names that
    differ and nothing else agreeing, a masked-compatible ID is no reason to merge."""
    full = make_ric("19800101", 123, region="110105")
    # another person whose ID shows the same first four and last four characters
    other = next(
        r
        for day in range(2, 29)
        if (r := make_ric(f"198102{day:02d}", 123, region="110108"))[-4:] == full[-4:]
    )
    rows = [
        pe("core9", "core", "王伟平", full, None, "M"),
        pe("reg9", "registry", "王伟明", mask(other), None, "M"),
    ]
    res = resolve(with_background(rows, person_background), person_spec)
    assert mask(full) == mask(other)
    assert not res.same_entity("core9", "reg9")
    ev = res.explain("core9", "reg9")
    assert ev["decision"] == "non-match" and ev["rule"].startswith("name disagrees")


def test_a_mistyped_name_beside_a_masked_id_joins_through_a_record_agreeing_with_both(
    person_spec, person_background
):
    """The name rule vetoes only the pair's own edge: the registry's 张三峰 (masked ID) and the
    core's 张三丰 (full ID) are not merged on each other, but the credit system's 张三峰 carries the
    full ID, so all three are one person (the same rule as a cannot-link split them apart)."""
    full = make_ric("19750312", 41, region="110105")
    rows = [
        pe("core10", "core", "张三丰", full, None, "M"),
        pe("reg10", "registry", "张三峰", mask(full), None, "M"),
        pe("credit10", "credit", "张三峰", full, None, "M"),
    ]
    res = resolve(with_background(rows, person_background), person_spec)
    ev = res.explain("core10", "reg10")
    assert ev["decision"] == "non-match" and ev["rule"].startswith("name disagrees")
    assert res.explain("reg10", "credit10")["decision"] == "match"
    assert res.same_entity("core10", "credit10") and res.same_entity("core10", "reg10")
