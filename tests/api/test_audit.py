"""The audit log: every request recorded before its answer, chained, tamper-evident, crash-safe."""

from __future__ import annotations

import asyncio
import json

import pytest

from api.audit.log import AuditLog, read_records, verify_chain
from tests.api.conftest import auth

pytestmark = pytest.mark.neo4j


def test_every_request_is_audited_with_who_purpose_entities_and_status(client, graph, keys, api_settings):
    path = api_settings.audit_log_path
    before = verify_chain(path).last_seq
    calls = [
        ("examiner", "/v1/entities/C:APPLICANT", 200),
        ("auditor", "/v1/entities/C:APPLICANT", 403),
        (None, "/v1/entities/C:APPLICANT", 401),
        ("examiner", "/v1/entities/C:NOPE", 404),
    ]
    ids = []
    for who, url, want in calls:
        r = client.get(url, headers=auth(keys, who, purpose="LA-2026-0042") if who else {})
        assert r.status_code == want
        ids.append(r.headers["x-request-id"])
    client.get("/livez")
    recs = [r for r in read_records(path) if r["seq"] > before and r["kind"] == "request"]
    by_id = {r["request_id"]: r for r in recs}
    assert set(ids) <= set(by_id)
    assert not [r for r in recs if r["path"] == "/livez"]
    ok = by_id[ids[0]]
    assert ok["user_id"] == "test-examiner" and ok["roles"] == ["examiner"]
    assert ok["purpose_ref"] == "LA-2026-0042" and ok["status"] == 200 and ok["outcome"] == "ok"
    assert {"C:APPLICANT", "C:LISTED"} <= set(ok["entity_ids"])  # the entity and its score path
    assert by_id[ids[1]]["outcome"] == "denied" and by_id[ids[1]]["user_id"] == "test-auditor"
    assert by_id[ids[2]]["user_id"] is None and by_id[ids[2]]["status"] == 401
    assert by_id[ids[3]]["status"] == 404
    assert verify_chain(path).ok


def test_audited_query_string_is_masked(client, graph, keys, api_settings):
    from tests.api import sample_graph as g

    r = client.get("/v1/entities/search", params={"q": g.RIC_BOSS}, headers=auth(keys, "examiner"))
    rec = [
        x
        for x in read_records(api_settings.audit_log_path)
        if x.get("request_id") == r.headers["x-request-id"]
    ][0]
    assert g.RIC_BOSS not in json.dumps(rec)


def test_tampering_is_detected(tmp_path):
    path = tmp_path / "a.jsonl"
    log = AuditLog(path)
    log.open()

    async def write():
        for i in range(5):
            await log.append({"kind": "request", "i": i})

    asyncio.run(write())
    log.close()
    assert verify_chain(path).ok and verify_chain(path).records == 5
    lines = path.read_text().splitlines()
    edited = json.loads(lines[2])
    edited["i"] = 99
    bad = [*lines[:2], json.dumps(edited), *lines[3:]]
    path.write_text("\n".join(bad) + "\n")
    v = verify_chain(path)
    assert not v.ok and v.first_bad_line == 3 and "hash" in v.reason
    path.write_text("\n".join([*lines[:2], *lines[3:]]) + "\n")  # a deleted record
    v = verify_chain(path)
    assert not v.ok and v.first_bad_line == 3


def test_torn_tail_after_crash_is_kept_as_recovery_record(tmp_path):
    path = tmp_path / "a.jsonl"
    log = AuditLog(path)
    log.open()
    log.append_sync({"kind": "request", "i": 1})
    log.close()
    with path.open("ab") as fh:
        fh.write(b'{"kind":"request","i":2,"se')  # the process died inside write()
    assert not verify_chain(path).ok
    log = AuditLog(path)
    log.open()
    log.append_sync({"kind": "request", "i": 3})
    log.close()
    v = verify_chain(path)
    assert v.ok and v.records == 3
    recs = list(read_records(path))
    assert recs[1]["kind"] == "recovery" and recs[1]["torn_bytes_b64"]


def test_second_writer_process_is_refused(tmp_path):
    from api.audit.log import AuditLogError

    a = AuditLog(tmp_path / "a.jsonl")
    a.open()
    try:
        with pytest.raises(AuditLogError):
            AuditLog(tmp_path / "a.jsonl").open()
    finally:
        a.close()


def test_audit_keeps_exact_ids_the_response_masked(client, graph, keys, api_settings):
    from tests.api import sample_graph as g

    r = client.get(f"/v1/entities/{g.STRONG_PERSON_ID}", headers=auth(keys, "examiner"))
    assert r.status_code == 200
    assert g.RIC_STRONG not in r.text and r.json()["entity_id"].startswith("P:1101****")
    rec = [
        x
        for x in read_records(api_settings.audit_log_path)
        if x.get("request_id") == r.headers["x-request-id"]
    ]
    assert g.STRONG_PERSON_ID in rec[0]["entity_ids"]
