"""The masking rule and the secret redaction as pure functions (no server): one example per rule."""

from __future__ import annotations

import json

from api.audit.redact import REDACTED, redact, redact_params, redact_text
from api.masking import address_district, mask_csv, mask_pii, mask_response, mask_text
from tests.api import sample_graph as g

KEY = "rg_0123456789ab_Zk3vQ9xLm2Pq7Rt5Wy8Bc1Dn4Fh6Jk0Ls"


def test_landlines_are_masked_like_mobiles_in_fields_captions_and_text():
    node = {
        "id": "Phone:x",
        "label": "Phone",
        "caption": "02588885754",
        "properties": {"number": "02588885754"},
    }
    assert mask_pii(node)["caption"] == "025****5754"
    assert mask_pii(node)["properties"]["number"] == "025****5754"
    assert mask_pii({"landline": "0755-12345678"})["landline"] == "075******5678"
    assert mask_text("电话 02588885754、025-88885754 被共用") == "电话 025****5754、025*****5754 被共用"
    assert mask_pii("075512345678") == "075*****5678"


def test_numbers_that_are_not_phones_stay():
    text = "request 0571234567abcdef; amount 15000000000.0 元; loan L-0001; 2026-11-01"
    assert mask_text(text) == text
    assert mask_pii({"uscc": g.USCC_APPLICANT, "amount": 13912345678})["amount"] == 13912345678


def test_birth_dates_keep_only_the_year():
    out = mask_pii(
        {"birth_date": "1986-07-14", "versions": [{"attribute": "birth_date", "value": '"1986-07-15"'}]}
    )
    assert out["birth_date"] == "1986"
    assert out["versions"][0]["value"] == '"1986"'


def test_addresses_are_reduced_to_the_district():
    assert address_district("江苏省南京市鼓楼区中山北路18号3幢201室") == "江苏省南京市鼓楼区****"
    assert address_district("北京市朝阳区建国路88号") == "北京市朝阳区****"
    assert address_district("中山路1号") == "****"  # no district: hidden, not guessed
    node = {
        "label": "Address",
        "caption": "广东省深圳市南山区科技园路9号",
        "properties": {
            "text": "广东省深圳市南山区科技园路9号",
            "province": "广东省",
            "city": "深圳市",
            "district": "南山区",
        },
    }
    out = mask_pii(node)
    assert out["caption"] == "广东省深圳市南山区****" and out["properties"]["district"] == "南山区"
    assert "科技园路" not in json.dumps(out, ensure_ascii=False)
    assert mask_text("地址 北京市朝阳区建国路88号 被 7 家企业共用") == "地址 北京市朝阳区**** 被 7 家企业共用"
    shared = mask_pii({"attribute": "address", "value": "浙江省杭州市西湖区文三路12号"})
    assert shared["value"] == "浙江省杭州市西湖区****"


def test_csv_is_masked_by_column_and_headers_by_value():
    csv_text = "entity_id,birth_date,phone,note\nP:1,1986-07-14,02588885754,see 13912345678\n"
    assert mask_csv(csv_text) == "entity_id,birth_date,phone,note\nP:1,1986,025****5754,see 139****5678\n"
    body, headers = mask_response(
        "text/csv; charset=utf-8",
        csv_text.encode(),
        [(b"content-disposition", f'attachment; filename="P-{g.RIC_BOSS}.csv"'.encode())],
    )
    assert g.RIC_BOSS.encode() not in body and g.RIC_BOSS.encode() not in headers[0][1]


def test_error_bodies_are_masked_too():
    problem = {
        "status": 404,
        "detail": f"实体 P:{g.RIC_BOSS} 不存在 / not found",
        "instance": f"/v1/entities/P:{g.RIC_BOSS}",
    }
    body, _ = mask_response("application/problem+json", json.dumps(problem, ensure_ascii=False).encode(), [])
    assert g.RIC_BOSS not in body.decode()


def test_secrets_are_redacted_by_name_and_by_shape():
    assert redact_text(f"/v1/entities/{KEY}") == f"/v1/entities/rg_0123456789ab_{REDACTED}"
    assert "abc.def-123456" not in redact_text("Authorization: Bearer abc.def-123456")
    assert redact_text("sent Bearer abc.def-123456") == f"sent Bearer {REDACTED}"
    assert redact_params([("q", "王建国"), ("api_key", "anything"), ("password", "x"), ("token", KEY)]) == [
        ("q", "王建国"),
        ("api_key", REDACTED),
        ("password", REDACTED),
        ("token", REDACTED),
    ]
    rec = redact({"note": f"issued {KEY}", "password": "Hunter2!", "key_id": "0123456789ab"})
    assert (
        KEY not in json.dumps(rec) and "Hunter2!" not in json.dumps(rec) and rec["key_id"] == "0123456789ab"
    )
