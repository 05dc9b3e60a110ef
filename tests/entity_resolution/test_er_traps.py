"""The traps of Chinese entity resolution, each as a resolve() run on a realistic background."""

from __future__ import annotations

import pytest
from er_helpers import make_ric, make_uscc, mask, with_background

from entity_resolution import ResolutionSpec, resolve


@pytest.fixture(scope="module")
def company_spec() -> ResolutionSpec:
    return ResolutionSpec.from_yaml("company_cn")


@pytest.fixture(scope="module")
def person_spec() -> ResolutionSpec:
    return ResolutionSpec.from_yaml("person_cn")


def co(rid, name, uscc=None, rep=None, addr=None, phone=None, reg=None):
    return dict(
        record_id=rid, name=name, uscc=uscc, legal_rep=rep, address=addr, phone=phone, established=reg
    )


def pe(rid, name, idn=None, birth=None, phone=None, addr=None):
    return dict(record_id=rid, name=name, id_number=idn, birth_date=birth, phone=phone, address=addr)


def test_branch_never_merged_into_parent_and_linked(company_spec, company_background):
    rows = [
        co(
            "p1",
            "宁波宏远贸易有限公司",
            make_uscc(1, "330200"),
            "陈立",
            "宁波市江北区人民路8号",
            "13900000001",
            "2008-05-01",
        ),
        co("p2", "寧波宏遠貿易有限公司", None, "陈立", "宁波市江北区人民路8号", "13900000001", "2008-05-01"),
        co(
            "b1",
            "宁波宏远贸易有限公司上海分公司",
            None,
            "陈立",
            "宁波市江北区人民路8号",
            "13900000001",
            "2008-05-01",
        ),
        co("b2", "宁波宏远贸易有限公司 上海分公司", None, "陈立", "上海市浦东新区", None, None),
        co(
            "b3", "宁波宏远贸易有限公司北京分公司", None, "陈立", "宁波市江北区人民路8号", "13900000001", None
        ),
    ]
    res = resolve(with_background(rows, company_background), company_spec)
    assert res.same_entity("p1", "p2")
    assert res.same_entity("b1", "b2")  # the same branch, spelled twice
    assert not res.same_entity("p1", "b1")  # a branch is never its parent, whatever else agrees
    assert not res.same_entity("b1", "b3")  # two branches of one parent are different entities
    links = res.branch_links.set_index("record_id")
    parent = res.entity_of("p1")
    assert links.loc["b1", "parent_entity_id"] == parent
    assert links.loc["b3", "parent_entity_id"] == parent
    assert res.explain("p1", "b1")["decision"] == "hard-no-match"


def test_traditional_full_width_and_suffix_variants_merge(company_spec, company_background):
    u = make_uscc(2)
    rows = [
        co("a", "杭州海康科技(集团)有限公司", u, "张三", "杭州市西湖区文三路1号", None, "2010-01-01"),
        co("b", "杭州海康科技（集團）股份有限公司", None, "张三", "杭州市西湖區文三路1號", None, "2010/1/1"),
        co("c", "杭州海康科技有限责任公司", None, "張三", None, "0571-88880001", "2010年1月1日"),
        co("d", "杭州海康 科技有限公司", u, None, None, "057188880001", None),
    ]
    res = resolve(with_background(rows, company_background), company_spec)
    assert len({res.entity_of(r) for r in "abcd"}) == 1


def test_two_valid_usccs_with_near_identical_names_never_merge(company_spec, company_background):
    rows = [
        co(
            "x1",
            "深圳华盛科技有限公司",
            make_uscc(3, "440300"),
            "李四",
            "深圳市南山区科技园路1号",
            "13800000003",
            "2015-03-03",
        ),
        co(
            "x2",
            "深圳华盛科技股份有限公司",
            make_uscc(4, "440300"),
            "李四",
            "深圳市南山区科技园路1号",
            "13800000003",
            "2015-03-03",
        ),
    ]
    res = resolve(with_background(rows, company_background), company_spec)
    assert not res.same_entity("x1", "x2")
    ev = res.explain("x1", "x2")
    assert ev["decision"] == "hard-no-match" and ev["rule"] == "different valid uscc"
    # and a reviewer saying "same" cannot override it
    from entity_resolution import Judgement

    res2 = resolve(
        with_background(rows, company_background),
        company_spec,
        judgements=[Judgement(record_id_a="x1", record_id_b="x2", verdict="same")],
    )
    assert not res2.same_entity("x1", "x2")


def test_chain_through_a_record_without_key_does_not_join_two_usccs(company_spec, company_background):
    """A~B~C: A and C carry different valid USCCs, B (no USCC) looks like both."""
    rows = [
        co(
            "A",
            "温州正泰电气有限公司",
            make_uscc(5, "330300"),
            "南存辉",
            "温州市柳市镇1号",
            "13700000005",
            "1997-08-01",
        ),
        co("B", "温州正泰电气有限公司", None, "南存辉", "温州市柳市镇1号", "13700000005", "1997-08-01"),
        co("C", "温州正泰电气股份有限公司", make_uscc(6, "330300"), "南存辉", "温州市柳市镇1号", None, None),
    ]
    res = resolve(with_background(rows, company_background), company_spec)
    assert not res.same_entity("A", "C")
    assert res.same_entity("A", "B")  # B is closer to A (phone and date agree too)
    # no entity anywhere holds two different valid USCCs
    uscc_of = with_background(rows, company_background).set_index("record_id")["uscc"]
    from entity_resolution.keys import valid_uscc

    ents = res.entities.assign(key=res.entities["record_id"].map(uscc_of).map(valid_uscc)).dropna(
        subset=["key"]
    )
    assert (ents.groupby("entity_id")["key"].nunique() <= 1).all()


def test_soft_chain_of_persons_is_cut(person_spec, person_background):
    """B shares a phone with A and a birth date + address with C; A and C clearly differ."""
    a_id = make_ric("19800101", 11)
    c_id = make_ric("19851212", 22)
    rows = [
        pe("A", "刘洋", a_id, None, "13600000001", "北京市朝阳区1号"),
        pe("B", "刘洋", None, None, "13600000001", "上海市徐汇区2号"),
        pe("C", "刘洋", c_id, None, "13600000001", "上海市徐汇区2号"),
    ]
    res = resolve(with_background(rows, person_background), person_spec)
    assert not res.same_entity("A", "C")
    assert res.explain("A", "C")["decision"] == "hard-no-match"


def test_same_name_different_people(person_spec, person_background):
    rows = [
        pe("w1", "王伟", make_ric("19700101", 1), None, "13500000001", "杭州市上城区1号"),
        pe("w2", "王伟", make_ric("19900505", 2), None, "13500000002", "广州市天河区2号"),
        pe("w3", "王伟", None, None, None, None),  # name only: may not join anyone
        pe("w4", "王伟", None, "1970-01-01", "13500000001", None),  # dob + phone support w1
    ]
    res = resolve(with_background(rows, person_background), person_spec)
    assert not res.same_entity("w1", "w2")
    assert not res.same_entity("w3", "w1") and not res.same_entity("w3", "w2")
    assert res.same_entity("w1", "w4")


def test_person_never_merged_on_name_alone_even_rare(person_spec, person_background):
    rows = [pe("r1", "欧阳娜娜", None, None, None, None), pe("r2", "欧阳娜娜", None, None, None, None)]
    res = resolve(with_background(rows, person_background), person_spec)
    assert not res.same_entity("r1", "r2")
    ev = res.explain("r1", "r2")
    assert ev["decision"] in ("review", "non-match")


def test_masked_ids_are_blocking_evidence_not_a_merge_key(person_spec, person_background):
    full = make_ric("19750606", 77)
    rows = [
        pe("m1", "赵敏", mask(full), None, None, None),
        pe("m2", "钱芳", mask(full), None, None, None),  # same mask, different name: not one person
        pe("m3", "赵敏", full, None, "13300000077", None),
        pe("m4", "赵敏", mask(full), "1975-06-06", "13300000077", None),
    ]
    res = resolve(with_background(rows, person_background), person_spec)
    assert not res.same_entity("m1", "m2")
    assert res.same_entity("m3", "m4")  # masked-compatible id + phone + birth date from the full id
    # the masked id is not a strong key: no "same valid" rule fires between masked records
    assert "valid" not in res.explain("m1", "m2")["rule"]
    pair = res.pairs[(res.pairs.record_id_a.isin(["m3", "m4"])) & (res.pairs.record_id_b.isin(["m3", "m4"]))]
    assert pair["blocking_rule"].iloc[0] in {"masked id + birth year", "masked id", "phone", "name"}


def test_same_valid_resident_id_merges_despite_name_typo(person_spec, person_background):
    full = make_ric("19881111", 5)
    rows = [pe("t1", "孙悦", full), pe("t2", "孫越", full)]
    res = resolve(with_background(rows, person_background), person_spec)
    assert res.same_entity("t1", "t2")
    assert res.explain("t1", "t2")["rule"] == "same valid ric"
