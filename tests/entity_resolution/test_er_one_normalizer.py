"""One owner of name normalization: what ingest stores as ``name_norm`` is what ER compares and
what the API searches with, so a query in another legal form or in traditional characters finds
the stored company."""

from __future__ import annotations

from api.repositories.entities import normalize_name
from entity_resolution.normalize import company_name, display_name
from ingest.normalize import address_key, company_name_norm


def test_ingest_stores_the_er_comparison_core() -> None:
    for name in ("杭州恒达机械制造有限公司", "杭州恆達機械製造股份有限公司", "中国银行股份有限公司北京分行"):
        assert company_name_norm(name) == company_name(name)
    assert company_name_norm("杭州恒达机械制造有限公司") == company_name_norm("杭州恆達機械製造股份有限公司")


def test_the_api_normalizes_a_query_with_the_same_functions() -> None:
    assert normalize_name("  杭州恆達  機械 ") == display_name("  杭州恆達  機械 ") == "杭州恒达 机械"
    assert company_name("杭州恆達機械製造股份有限公司") == company_name_norm("杭州恒达机械制造有限公司")


def test_address_keys_keep_their_form() -> None:
    assert address_key("杭州市 西湖區 文三路１號") == "杭州市西湖区文三路1号"
    assert address_key("") == ""
