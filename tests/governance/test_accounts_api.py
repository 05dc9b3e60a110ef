"""Sign-in, lockout, forced and periodic password change, two-level administration, keys — on the
real Neo4j through the API (and the CLI for `riskgraph users …`)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from api.audit.log import read_records
from tests.api.conftest import PEPPER
from tests.governance.conftest import GOOD_PASSWORD, bearer, key_for, login, make_user, uid

pytestmark = pytest.mark.neo4j


def test_login_issues_a_session_that_works_and_ends_at_logout(gov_client, neo4j_driver, gov_settings):
    user = make_user(neo4j_driver, uid("exam"), roles=("examiner",), pii=True)
    r = login(gov_client, user)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "bearer" and body["roles"] == ["examiner"] and body["pii"] is True
    assert body["expires_in"] == gov_settings.gov_session_ttl_min * 60
    token = body["access_token"]
    me = gov_client.get("/v1/me", headers=bearer(token))
    assert me.status_code == 200 and me.json()["user_id"] == user and me.json()["pii"] is True
    # stored only as hashes
    rec = neo4j_driver.execute_query(
        "MATCH (k:ApiKey {key_id: $k}) RETURN k.hash AS h, k.kind AS kind, k.expires_at AS e",
        {"k": body["session_id"]},
    ).records[0]
    assert rec["kind"] == "session" and rec["h"].startswith("$argon2id$") and token not in rec["h"]
    assert gov_client.post("/v1/auth/logout", headers=bearer(token)).status_code == 200
    assert gov_client.get("/v1/me", headers=bearer(token)).status_code == 401
    # the sign-in is in the audit log, without the password
    text = gov_settings.audit_log_path.read_text(encoding="utf-8")
    assert f"login ok user={user}" in text and GOOD_PASSWORD not in text


def test_wrong_password_and_unknown_user_get_the_same_answer(gov_client, neo4j_driver):
    user = make_user(neo4j_driver, uid("exam"))
    a = login(gov_client, user, "Wrong-password-1")
    b = login(gov_client, uid("nobody"), "Wrong-password-1")
    assert a.status_code == b.status_code == 401
    assert a.json()["detail"] == b.json()["detail"]
    assert a.headers["content-type"].startswith("application/problem+json")


def test_locked_out_user_stays_locked_even_with_the_right_password(gov_client, neo4j_driver, gov_settings):
    admin = make_user(neo4j_driver, uid("hqadmin"), roles=("admin",))
    admin_key = key_for(neo4j_driver, admin, ["admin"])
    user = make_user(neo4j_driver, uid("appr"), roles=("approver",))
    api_key = key_for(neo4j_driver, user, ["approver"])
    threshold = gov_settings.gov_lockout_threshold
    codes = [login(gov_client, user, f"Wrong-password-{i}").status_code for i in range(threshold)]
    assert codes == [401] * (threshold - 1) + [403]
    r = login(gov_client, user, GOOD_PASSWORD)
    assert r.status_code == 403 and r.json()["type"].endswith("account-locked")
    assert "锁定" in r.json()["detail"] and "locked" in r.json()["detail"]
    # the account's API key stops too
    assert gov_client.get("/v1/me", headers={"X-API-Key": api_key}).status_code == 401
    # still locked later, still with the right password
    assert login(gov_client, user, GOOD_PASSWORD).status_code == 403
    row = neo4j_driver.execute_query(
        "MATCH (u:User {user_id: $u}) RETURN u.locked AS l, u.locked_reason AS r", {"u": user}
    ).records[0]
    assert row["l"] is True and "failed" in row["r"]
    # until an administrator unlocks it
    r = gov_client.post(f"/v1/admin/users/{user}/unlock", headers={"X-API-Key": admin_key})
    assert r.status_code == 200, r.text
    assert login(gov_client, user, GOOD_PASSWORD).status_code == 200
    assert gov_client.get("/v1/me", headers={"X-API-Key": api_key}).status_code == 200


def test_successful_sign_in_resets_the_failure_count(gov_client, neo4j_driver, gov_settings):
    user = make_user(neo4j_driver, uid("exam"))
    for _ in range(gov_settings.gov_lockout_threshold - 1):
        assert login(gov_client, user, "Wrong-password-x").status_code == 401
    assert login(gov_client, user).status_code == 200
    for _ in range(gov_settings.gov_lockout_threshold - 1):
        assert login(gov_client, user, "Wrong-password-x").status_code == 401
    assert login(gov_client, user).status_code == 200


def test_first_sign_in_forces_a_password_change_that_follows_the_policy(gov_client, neo4j_driver):
    hz_admin = make_user(neo4j_driver, uid("hzadmin"), branch="杭州分行", roles=("admin",))
    headers = {"X-API-Key": key_for(neo4j_driver, hz_admin, ["admin"])}
    new = uid("hz.staff")
    r = gov_client.post(
        "/v1/admin/users",
        headers=headers,
        json={"user_id": new, "name": "张三", "branch": "杭州分行", "roles": ["approver"]},
    )
    assert r.status_code == 201, r.text
    temp = r.json()["temporary_password"]
    assert r.json()["must_change_password"] is True
    stored = neo4j_driver.execute_query(
        "MATCH (u:User {user_id: $u}) RETURN u.password_hash AS h", {"u": new}
    ).records[0]["h"]
    assert stored.startswith("$argon2id$") and temp not in stored
    r = login(gov_client, new, temp)
    assert r.status_code == 403 and r.json()["type"].endswith("password-change-required")
    weak = gov_client.post(
        "/v1/auth/password", json={"username": new, "current_password": temp, "new_password": "password"}
    )
    assert weak.status_code == 422 and weak.json()["violations"]
    same = gov_client.post(
        "/v1/auth/password", json={"username": new, "current_password": temp, "new_password": temp}
    )
    assert same.status_code == 422
    ok = gov_client.post(
        "/v1/auth/password", json={"username": new, "current_password": temp, "new_password": GOOD_PASSWORD}
    )
    assert ok.status_code == 200, ok.text
    assert login(gov_client, new, temp).status_code == 401
    assert login(gov_client, new).status_code == 200


def test_password_older_than_the_max_age_must_be_changed(gov_client, neo4j_driver, gov_settings):
    old = make_user(neo4j_driver, uid("old"), changed_days_ago=gov_settings.gov_password_max_age_days + 1)
    fresh = make_user(neo4j_driver, uid("fresh"), changed_days_ago=gov_settings.gov_password_max_age_days - 1)
    r = login(gov_client, old)
    assert r.status_code == 403 and r.json()["type"].endswith("password-change-required")
    assert login(gov_client, fresh).status_code == 200
    new_pw = "Another#Strong9Pw"
    assert (
        gov_client.post(
            "/v1/auth/password",
            json={"username": old, "current_password": GOOD_PASSWORD, "new_password": new_pw},
        ).status_code
        == 200
    )
    assert login(gov_client, old, new_pw).status_code == 200


def test_branch_administrator_cannot_touch_another_branch(gov_client, neo4j_driver):
    hz_admin = make_user(neo4j_driver, uid("hzadmin"), branch="杭州分行", roles=("admin",))
    h = {"X-API-Key": key_for(neo4j_driver, hz_admin, ["admin"])}
    nb_staff = make_user(neo4j_driver, uid("nb"), branch="宁波分行", roles=("approver",))
    hz_staff = make_user(neo4j_driver, uid("hz"), branch="杭州分行", roles=("approver",))
    nb_key = key_for(neo4j_driver, nb_staff, ["approver"])
    for path in (
        f"/v1/admin/users/{nb_staff}/lock",
        f"/v1/admin/users/{nb_staff}/reset-password",
        f"/v1/admin/users/{nb_staff}/unlock",
    ):
        r = gov_client.post(path, headers=h, json={} if path.endswith("lock") else None)
        assert r.status_code == 403, (path, r.text)
        assert r.json()["type"].endswith("not-your-branch")
    assert gov_client.post(f"/v1/admin/users/{nb_staff}/keys", headers=h, json={}).status_code == 403
    nb_key_id = nb_key.split("_")[1]
    assert gov_client.post(f"/v1/admin/keys/{nb_key_id}/revoke", headers=h).status_code == 403
    assert (
        gov_client.post(
            "/v1/admin/users",
            headers=h,
            json={"user_id": uid("x"), "name": "x", "branch": "宁波分行", "roles": ["approver"]},
        ).status_code
        == 403
    )
    assert (
        gov_client.post(
            "/v1/admin/users",
            headers=h,
            json={"user_id": uid("x"), "name": "x", "branch": "杭州分行", "roles": ["admin"]},
        ).status_code
        == 403
    )
    assert gov_client.get("/v1/admin/users", headers=h, params={"branch": "宁波分行"}).status_code == 403
    # nothing happened to the other branch's user
    row = neo4j_driver.execute_query(
        "MATCH (u:User {user_id: $u}) RETURN u.locked AS l", {"u": nb_staff}
    ).records[0]
    assert row["l"] is False
    assert gov_client.get("/v1/me", headers={"X-API-Key": nb_key}).status_code == 200
    # own branch: allowed, and the listing shows only the own branch
    assert (
        gov_client.post(f"/v1/admin/users/{hz_staff}/lock", headers=h, json={"reason": "test"}).status_code
        == 200
    )
    listed = gov_client.get("/v1/admin/users", headers=h).json()["users"]
    assert listed and {u["branch"] for u in listed} == {"杭州分行"}
    assert all("password_hash" not in u for u in listed)


def test_head_office_administrator_manages_branch_administrators(gov_client, neo4j_driver):
    hq_admin = make_user(neo4j_driver, uid("hqadmin"), branch="HQ", roles=("admin",))
    h = {"X-API-Key": key_for(neo4j_driver, hq_admin, ["admin"])}
    new_admin = uid("wz.admin")
    r = gov_client.post(
        "/v1/admin/users",
        headers=h,
        json={"user_id": new_admin, "name": "温州管理员", "branch": "温州分行", "roles": ["admin"]},
    )
    assert r.status_code == 201, r.text
    assert gov_client.post(f"/v1/admin/users/{new_admin}/lock", headers=h, json={}).status_code == 200
    wz_staff = make_user(neo4j_driver, uid("wz"), branch="温州分行", roles=("examiner",))
    assert gov_client.post(f"/v1/admin/users/{wz_staff}/lock", headers=h, json={}).status_code == 403
    assert gov_client.post(f"/v1/admin/users/{hq_admin}/lock", headers=h, json={}).status_code == 403  # self
    # non-admins get no administration at all
    exam = make_user(neo4j_driver, uid("exam"), roles=("examiner",))
    eh = {"X-API-Key": key_for(neo4j_driver, exam, ["examiner"])}
    assert gov_client.get("/v1/admin/users", headers=eh).status_code == 403


def test_key_rotation_revocation_and_expiry(gov_client, neo4j_driver):
    hq_admin = make_user(neo4j_driver, uid("hqadmin"), roles=("admin",))
    h = {"X-API-Key": key_for(neo4j_driver, hq_admin, ["admin"])}
    svc = make_user(neo4j_driver, uid("svc"), roles=("service",), password=None)
    r = gov_client.post(f"/v1/admin/users/{svc}/keys", headers=h, json={"label": "gate"})
    assert r.status_code == 201, r.text
    k1, k1_id = r.json()["key"], r.json()["key_id"]
    assert r.json()["scopes"] == ["service"]
    assert gov_client.get("/v1/me", headers={"X-API-Key": k1}).status_code == 200
    # scopes beyond the user's roles are refused, and so are lifetimes beyond the maximum
    assert (
        gov_client.post(f"/v1/admin/users/{svc}/keys", headers=h, json={"scopes": ["admin"]}).status_code
        == 422
    )
    assert (
        gov_client.post(f"/v1/admin/users/{svc}/keys", headers=h, json={"ttl_days": 3650}).status_code == 422
    )
    # rotation with a grace period: both work; the old one's expiry is the end of the grace
    r = gov_client.post(f"/v1/admin/keys/{k1_id}/rotate", headers=h, json={"grace_hours": 1})
    assert r.status_code == 200, r.text
    k2, k2_id = r.json()["key"], r.json()["key_id"]
    assert k2 != k1 and r.json()["replaces"] == k1_id
    assert gov_client.get("/v1/me", headers={"X-API-Key": k1}).status_code == 200
    assert gov_client.get("/v1/me", headers={"X-API-Key": k2}).status_code == 200
    row = neo4j_driver.execute_query(
        "MATCH (o:ApiKey {key_id: $o}), (n:ApiKey {key_id: $n}) "
        "RETURN o.replaced_by AS rb, n.rotated_from AS rf, duration.inSeconds(datetime(), o.expires_at).seconds AS s",
        {"o": k1_id, "n": k2_id},
    ).records[0]
    assert row["rb"] == k2_id and row["rf"] == k1_id and 3500 < row["s"] <= 3600
    # rotation without grace: the old key stops at once
    r = gov_client.post(f"/v1/admin/keys/{k2_id}/rotate", headers=h, json={"grace_hours": 0})
    k3 = r.json()["key"]
    assert gov_client.get("/v1/me", headers={"X-API-Key": k2}).status_code == 401
    assert gov_client.get("/v1/me", headers={"X-API-Key": k3}).status_code == 200
    # revocation
    k3_id = r.json()["key_id"]
    assert gov_client.post(f"/v1/admin/keys/{k3_id}/revoke", headers=h).status_code == 200
    assert gov_client.get("/v1/me", headers={"X-API-Key": k3}).status_code == 401
    # expiry
    expired = key_for(neo4j_driver, svc, ["service"], ttl_days=-1)
    assert gov_client.get("/v1/me", headers={"X-API-Key": expired}).status_code == 401
    # a service account cannot sign in with a password
    assert login(gov_client, svc, "Anything-at-all-1").status_code == 401


def test_users_cli(neo4j_env, tmp_path, neo4j_driver):
    env = {
        **neo4j_env,
        "RISKGRAPH_API_KEY_PEPPER": PEPPER,
        "RISKGRAPH_VAR_DIR": str(tmp_path),
        "COLUMNS": "300",
    }
    user = uid("cli.user")

    def rg(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "riskgraph", "users", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    r = rg(
        "create",
        user,
        "--name",
        "李四",
        "--branch",
        "杭州分行",
        "--role",
        "approver",
        "--role",
        "examiner",
        "--key",
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "temporary password" in r.stdout and "API key" in r.stdout
    assert rg("create", user, "--role", "approver").returncode == 1  # exists
    assert rg("create", uid("bad"), "--role", "superuser").returncode == 1
    listed = rg("list", "--branch", "杭州分行")
    assert listed.returncode == 0 and user[:10] in listed.stdout
    key_id = neo4j_driver.execute_query(
        "MATCH (k:ApiKey {user_id: $u}) RETURN k.key_id AS k", {"u": user}
    ).records[0]["k"]
    assert rg("lock", user, "--reason", "test").returncode == 0
    assert (
        neo4j_driver.execute_query("MATCH (u:User {user_id: $u}) RETURN u.locked AS l", {"u": user}).records[
            0
        ]["l"]
        is True
    )
    assert rg("unlock", user).returncode == 0
    assert rg("reset-password", user).returncode == 0
    rot = rg("rotate-key", key_id, "--grace-hours", "0")
    assert rot.returncode == 0 and "replaces" in rot.stdout
    new_id = neo4j_driver.execute_query(
        "MATCH (k:ApiKey {rotated_from: $k}) RETURN k.key_id AS k", {"k": key_id}
    ).records[0]["k"]
    assert rg("revoke-key", new_id).returncode == 0
    assert rg("revoke-key", "no-such-key").returncode == 1
    records = [r for r in read_records(tmp_path / "api" / "audit.jsonl") if r.get("kind") == "cli"]
    actions = [r["action"] for r in records]
    assert actions == [
        "users create",
        "users lock",
        "users unlock",
        "users reset-password",
        "users rotate-key",
        "users revoke-key",
    ]
    assert "temporary" not in json.dumps(records)


def test_flat_key_endpoints_are_for_the_head_office_only(gov_client, neo4j_driver):
    hz_admin = make_user(neo4j_driver, uid("hzadmin"), branch="杭州分行", roles=("admin",))
    hq_admin = make_user(neo4j_driver, uid("hqadmin"), roles=("admin",))
    anyone = make_user(neo4j_driver, uid("anyone"), roles=("admin",))  # keys go to existing users only
    body = {"user_id": anyone, "scopes": ["admin"], "ttl_days": 1}
    r = gov_client.post(
        "/v1/keys", headers={"X-API-Key": key_for(neo4j_driver, hz_admin, ["admin"])}, json=body
    )
    assert r.status_code == 403 and r.json()["type"].endswith("not-your-branch")
    r = gov_client.post(
        "/v1/keys", headers={"X-API-Key": key_for(neo4j_driver, hq_admin, ["admin"])}, json=body
    )
    assert r.status_code == 201, r.text


def test_viewing_accounts_follows_the_levels(gov_client, neo4j_driver):
    hq_admin = make_user(neo4j_driver, uid("hqadmin"), roles=("admin",))
    hz_admin = make_user(neo4j_driver, uid("hzadmin"), branch="杭州分行", roles=("admin",))
    nb_staff = make_user(neo4j_driver, uid("nb"), branch="宁波分行", roles=("approver",))
    hq = {"X-API-Key": key_for(neo4j_driver, hq_admin, ["admin"])}
    hz = {"X-API-Key": key_for(neo4j_driver, hz_admin, ["admin"])}
    r = gov_client.get(f"/v1/admin/users/{nb_staff}", headers=hq)
    assert r.status_code == 200 and r.json()["branch"] == "宁波分行" and "password_hash" not in r.json()
    assert gov_client.get(f"/v1/admin/users/{nb_staff}", headers=hz).status_code == 403
