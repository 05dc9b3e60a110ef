"""Audit records: secrets never stored wherever the client put them; UTF-8 kept exactly and searchable."""

from __future__ import annotations

import json

import pytest

from api.audit.log import read_records, verify_chain
from explorer.api_client import purpose_header
from tests.api import sample_graph as g
from tests.api.conftest import auth

pytestmark = pytest.mark.neo4j


def records_of(api_settings, response) -> list[dict]:
    rid = response.headers["x-request-id"]
    return [r for r in read_records(api_settings.audit_log_path) if r.get("request_id") == rid]


def test_a_key_in_the_query_string_never_reaches_the_audit_file(client, graph, keys, api_settings):
    key = keys["examiner"]
    secret = key.split("_", 2)[2]
    calls = [
        client.get(
            "/v1/entities/search", params={"q": "王建国", "api_key": key}, headers=auth(keys, "examiner")
        ),
        client.get("/v1/entities/search", params={"q": key}, headers=auth(keys, "examiner")),
        client.get(f"/v1/entities/C:{key}", headers=auth(keys, "examiner")),  # in the path
        client.get("/v1/me", params={"access_token": "tok-abc-123456", "password": "Hunter2!secret"}),
        client.get("/v1/me", headers={"Authorization": f"Bearer {key}"}),
    ]
    text = api_settings.audit_log_path.read_text(encoding="utf-8")
    assert secret not in text
    assert "tok-abc-123456" not in text and "Hunter2!secret" not in text
    first = records_of(api_settings, calls[0])[-1]
    assert "q=王建国" in first["query"] and "api_key=[REDACTED]" in first["query"]
    assert f"rg_{key.split('_')[1]}_[REDACTED]" in records_of(api_settings, calls[2])[-1]["path"]
    # and the auditor's view of the log shows none of it either
    page = client.get("/v1/audit", params={"limit": 50}, headers=auth(keys, "auditor", purpose=None))
    assert page.status_code == 200 and secret not in page.text
    assert verify_chain(api_settings.audit_log_path).ok


def test_a_chinese_purpose_reference_round_trips_and_is_found_by_the_auditor(
    client, graph, keys, api_settings
):
    ref = "贷款申请-2026-1"
    raw = client.get(
        "/v1/entities/C:APPLICANT",
        headers={"X-API-Key": keys["approver"], "X-Purpose-Ref": ref.encode("utf-8")},
    )
    encoded = client.get(
        "/v1/entities/C:APPLICANT",
        headers={"X-API-Key": keys["approver"], "X-Purpose-Ref": purpose_header(ref)},
    )
    assert raw.status_code == 200 and encoded.status_code == 200
    for r in (raw, encoded):
        assert records_of(api_settings, r)[-1]["purpose_ref"] == ref
    line = next(
        x
        for x in api_settings.audit_log_path.read_bytes().splitlines()
        if raw.headers["x-request-id"].encode() in x
    )
    assert ref.encode("utf-8") in line  # stored as UTF-8 text, not escaped or mojibake
    found = client.get("/v1/audit", params={"purpose_ref": ref}, headers=auth(keys, "auditor", purpose=None))
    assert found.status_code == 200
    ids = {r["request_id"] for r in found.json()["records"]}
    assert {raw.headers["x-request-id"], encoded.headers["x-request-id"]} <= ids


def test_a_purpose_reference_holding_personal_data_is_masked(client, graph, keys, api_settings):
    r = client.get(
        "/v1/entities/C:APPLICANT",
        headers={"X-API-Key": keys["approver"], "X-Purpose-Ref": f"核查-{g.MOBILE_BOSS}".encode()},
    )
    rec = records_of(api_settings, r)[-1]
    assert rec["purpose_ref"] == "核查-139****5678"
    assert g.MOBILE_BOSS not in json.dumps(rec, ensure_ascii=False)


def test_birth_dates_in_the_query_are_reduced_to_the_year(client, graph, keys, api_settings):
    r = client.get(
        "/v1/entities/search",
        params={"q": g.RIC_WANG1, "birth_date": "1980-03-03"},
        headers=auth(keys, "examiner"),
    )
    rec = records_of(api_settings, r)[-1]
    assert "1980-03-03" not in rec["query"] and g.RIC_WANG1 not in rec["query"]
