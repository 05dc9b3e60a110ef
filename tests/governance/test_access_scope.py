"""Who may act on which keys and accounts: the one checked key path, branch scope on every key
endpoint, no self-revocation, a sign-in that does not tell whether a user exists, and CLI account
actions audited while the API holds the log."""

from __future__ import annotations

import time

import pytest
from rich.console import Console

from api.audit.log import read_records, verify_chain
from api.services import operator
from tests.governance.conftest import key_for, login, make_user, uid

pytestmark = pytest.mark.neo4j


def _key_ids(client, headers) -> set[str]:
    ids: set[str] = set()
    cursor = None
    while True:
        r = client.get(
            "/v1/keys", headers=headers, params={"limit": 500, **({"cursor": cursor} if cursor else {})}
        )
        assert r.status_code == 200, r.text
        ids |= {k["key_id"] for k in r.json()["keys"]}
        cursor = r.json()["page"]["next_cursor"]
        if not cursor:
            return ids


def test_head_office_admin_cannot_issue_keys_beyond_the_users_roles(gov_client, neo4j_driver, gov_settings):
    hq = {
        "X-API-Key": key_for(
            neo4j_driver, make_user(neo4j_driver, uid("hqadmin"), roles=("admin",)), ["admin"]
        )
    }
    examiner = make_user(neo4j_driver, uid("exam"), roles=("examiner",), pii=False)
    # pii for a user whose roles do not allow it: refused on both key endpoints
    for url, body in (
        ("/v1/keys", {"user_id": examiner, "scopes": ["examiner", "pii"], "ttl_days": 1}),
        (f"/v1/admin/users/{examiner}/keys", {"scopes": ["examiner", "pii"], "ttl_days": 1}),
        ("/v1/keys", {"user_id": examiner, "scopes": ["admin"], "ttl_days": 1}),
    ):
        r = gov_client.post(url, headers=hq, json=body)
        assert r.status_code == 422 and r.json()["type"].endswith("invalid-scopes"), (url, r.text)
    # no key at all for a user id that does not exist
    nobody = uid("nobody")
    assert (
        gov_client.post("/v1/keys", headers=hq, json={"user_id": nobody, "scopes": ["examiner"]}).status_code
        == 404
    )
    assert gov_client.post(f"/v1/admin/users/{nobody}/keys", headers=hq, json={}).status_code == 404
    assert (
        neo4j_driver.execute_query(
            "MATCH (n) WHERE (n:User OR n:ApiKey) AND n.user_id = $u RETURN count(n) AS c", {"u": nobody}
        ).records[0]["c"]
        == 0
    )
    # the lifetime is capped at api_key_ttl_days
    cap = gov_settings.api_key_ttl_days
    r = gov_client.post(
        "/v1/keys", headers=hq, json={"user_id": examiner, "scopes": ["examiner"], "ttl_days": cap + 1}
    )
    assert r.status_code == 422 and r.json()["type"].endswith("ttl-too-long")
    r = gov_client.post(
        "/v1/keys", headers=hq, json={"user_id": examiner, "scopes": ["examiner"], "ttl_days": cap}
    )
    assert r.status_code == 201 and r.json()["scopes"] == ["examiner"]


def test_branch_admin_lists_only_its_own_branchs_keys(gov_client, neo4j_driver):
    hz_admin = make_user(neo4j_driver, uid("hzadmin"), branch="杭州分行", roles=("admin",))
    hq_admin = make_user(neo4j_driver, uid("hqadmin"), roles=("admin",))
    hz_staff = make_user(neo4j_driver, uid("hz"), branch="杭州分行", roles=("approver",))
    nb_staff = make_user(neo4j_driver, uid("nb"), branch="宁波分行", roles=("approver",))
    key_for(neo4j_driver, hz_staff, ["approver"])
    key_for(neo4j_driver, nb_staff, ["approver"])

    def ids_of(user: str) -> set[str]:
        rows = neo4j_driver.execute_query("MATCH (k:ApiKey {user_id: $u}) RETURN k.key_id AS k", {"u": user})
        return {r["k"] for r in rows.records}

    hz_sees = _key_ids(gov_client, {"X-API-Key": key_for(neo4j_driver, hz_admin, ["admin"])})
    assert ids_of(hz_staff) <= hz_sees
    assert not ids_of(nb_staff) & hz_sees and not ids_of(hq_admin) & hz_sees
    hq_sees = _key_ids(gov_client, {"X-API-Key": key_for(neo4j_driver, hq_admin, ["admin"])})
    assert ids_of(hz_staff) | ids_of(nb_staff) <= hq_sees


def test_an_admin_cannot_revoke_the_key_it_is_using(gov_client, neo4j_driver):
    admin = make_user(neo4j_driver, uid("hqadmin"), roles=("admin",))
    key = key_for(neo4j_driver, admin, ["admin"])
    me = gov_client.get("/v1/me", headers={"X-API-Key": key}).json()
    for url in (f"/v1/keys/{me['key_id']}/revoke", f"/v1/admin/keys/{me['key_id']}/revoke"):
        r = gov_client.post(url, headers={"X-API-Key": key})
        assert r.status_code == 409 and r.json()["type"].endswith("own-key"), r.text
    assert gov_client.get("/v1/me", headers={"X-API-Key": key}).status_code == 200


def test_sign_in_answers_alike_for_unknown_users_wrong_passwords_and_service_accounts(
    gov_client, neo4j_driver
):
    user = make_user(neo4j_driver, uid("exam"))
    service = make_user(neo4j_driver, uid("svc"), roles=("service",), password=None)
    answers = [
        login(gov_client, user, "Wrong-password-1"),
        login(gov_client, uid("nobody"), "Wrong-password-1"),
        login(gov_client, service, "Wrong-password-1"),
    ]

    def shape(r) -> tuple:
        body = {k: v for k, v in r.json().items() if k != "instance"}
        headers = sorted(k for k in r.headers if k not in ("x-request-id", "content-length", "date"))
        return r.status_code, body, headers

    assert shape(answers[0]) == shape(answers[1]) == shape(answers[2])
    assert answers[0].status_code == 401 and "attempts_left" not in answers[0].json()


def test_cli_lock_is_audited_while_the_api_runs(gov_client, neo4j_driver, gov_settings):
    user = make_user(neo4j_driver, uid("appr"), roles=("approver",))
    assert gov_client.get("/livez").status_code == 200  # the API holds the audit log
    console = Console(record=True)
    assert operator.lock(gov_settings, console, user, "cli test") == 0
    assert "not audited" not in console.export_text()
    deadline = time.monotonic() + 10
    found: list[dict] = []
    while time.monotonic() < deadline and not found:
        found = [
            r
            for r in read_records(gov_settings.audit_log_path)
            if r.get("kind") == "cli" and r.get("action") == "users lock" and r.get("target") == user
        ]
        time.sleep(0.2)
    assert found, "the CLI lock never reached the audit log"
    assert found[0]["user_id"].startswith("cli:") and found[0]["reason"] == "cli test"
    assert verify_chain(gov_settings.audit_log_path).ok
