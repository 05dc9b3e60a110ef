from entity_resolution.normalize import (
    company_name,
    date_iso,
    latin_text,
    parse_company_name,
    person_name_cn,
    phone_cn,
)


def test_suffix_variants_share_one_core():
    names = [
        "杭州海康科技有限公司",
        "杭州海康科技股份有限公司",
        "杭州海康科技有限责任公司",
        "杭州海康科技(集团)有限公司",
        "杭州海康科技集团",
    ]
    assert {company_name(n) for n in names} == {"杭州海康科技"}


def test_full_width_brackets_digits_and_spaces():
    assert company_name("阿里巴巴（中国）网络技术有限公司") == company_name("阿里巴巴(中国)网络技术有限公司")
    assert company_name("ＡＢＣ１２３ 科技 有限公司") == "abc123科技"


def test_traditional_to_simplified_character_by_character():
    assert company_name("臺灣積體電路製造股份有限公司") == company_name("台湾积体电路制造股份有限公司")
    # t2s, not a phrase config: 軟體 stays 软体 (a phrase config would rewrite it to 软件)
    assert company_name("軟體科技有限公司") == "软体科技"


def test_branch_is_split_off_with_its_parent():
    p = parse_company_name("杭州海康科技有限公司北京分公司")
    assert p.is_branch and p.unit == "北京分公司" and p.parent_core == "杭州海康科技"
    bank = parse_company_name("中國工商銀行股份有限公司北京分行海淀支行")
    assert bank.unit == "海淀支行" and bank.parent_core == parse_company_name("中国工商银行北京分行").core
    for word in ("分公司", "分行", "支行", "营业部", "办事处"):
        assert parse_company_name(f"宁波宏达贸易有限公司上海{word}").is_branch
    assert not parse_company_name("宁波宏达贸易有限公司").is_branch


def test_person_phone_date_latin():
    assert person_name_cn(" 王 偉 ") == "王伟"
    assert phone_cn("+86 138-0013-8000") == phone_cn("13800138000") == "13800138000"
    assert date_iso("1980年1月2日") == date_iso("1980/1/2") == date_iso("1980-01-02") == "19800102"
    assert latin_text("José  O'Brien") == "jose o brien"
