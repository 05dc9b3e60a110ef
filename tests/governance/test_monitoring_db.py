"""Abnormal-use monitoring end to end: `riskgraph audit check` on a generated, hash-chained audit log
writes AuditFlags for the auditor and freezes flagged accounts; the API runs it on a schedule too."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.audit.log import AuditLog
from tests.api.conftest import PEPPER, make_settings
from tests.governance.audit_log_gen import DAY, LogBuilder, window
from tests.governance.conftest import gov_overrides, key_for, make_user, uid

# gov_settings registers the settings test keys are issued with (tests.support.keys): this module
# must not rely on another module having done so first (under pytest-xdist it may run first)
pytestmark = [pytest.mark.neo4j, pytest.mark.usefixtures("gov_settings")]


def write_log(path, records):
    log = AuditLog(path)
    log.open()
    try:
        for r in records:
            log.append_sync({k: v for k, v in r.items() if k != "seq"})
    finally:
        log.close()


def test_audit_check_cli_flags_planted_use_and_freezes(neo4j_env, neo4j_driver, tmp_path):
    normal, bulk, prober = uid("normal"), uid("bulk"), uid("prober")
    for u in (normal, bulk, prober):
        make_user(neo4j_driver, u, roles=("approver",))
    prober_key = key_for(neo4j_driver, prober, ["approver"])
    b = LogBuilder(seed=11)
    b.normal_user(normal)
    b.normal_user(bulk)
    for i in range(300):  # at night, with a reference of an application it did check
        b.add(DAY.replace(hour=3, minute=i % 60), bulk, purpose=f"LA-{bulk}-0-0", entities=(f"C:{i}",))
    b.normal_user(prober)
    for i in range(6):
        b.add(DAY.replace(hour=4, minute=i), prober, path="/v1/audit", status=403)
    log_path = tmp_path / "audit.jsonl"
    write_log(log_path, b.sorted())
    env = {
        **neo4j_env,
        "RISKGRAPH_API_AUDIT_LOG": str(log_path),
        "RISKGRAPH_VAR_DIR": str(tmp_path),
        "RISKGRAPH_API_KEY_PEPPER": PEPPER,
        "COLUMNS": "250",
    }
    until = window()[1].strftime("%Y-%m-%dT%H:%M:%S")

    def check(*extra):
        return subprocess.run(
            [sys.executable, "-m", "riskgraph", "audit", "check", "--until", until, "--hours", "24", *extra],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )

    dry = check("--dry-run")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "hash chain ok" in dry.stdout
    assert (
        neo4j_driver.execute_query(
            "MATCH (f:AuditFlag) WHERE f.user_id IN $u RETURN count(f) AS n", {"u": [bulk, prober]}
        ).records[0]["n"]
        == 0
    )
    r = check("--freeze")
    assert r.returncode == 0, r.stdout + r.stderr
    rows = neo4j_driver.execute_query(
        "MATCH (f:AuditFlag)-[:FLAGS]->(u:User) WHERE u.user_id IN $u "
        "RETURN u.user_id AS user, collect(f.check) AS checks, collect(f.status) AS st",
        {"u": [normal, bulk, prober]},
    ).records
    got = {r["user"]: set(r["checks"]) for r in rows}
    assert got == {bulk: {"audit.volume_spike", "audit.off_hours"}, prober: {"audit.repeated_denials"}}
    assert all(set(r["st"]) == {"open"} for r in rows)
    locked = {
        r["u"]: r["l"]
        for r in neo4j_driver.execute_query(
            "MATCH (u:User) WHERE u.user_id IN $u RETURN u.user_id AS u, u.locked AS l, u.locked_reason AS why",
            {"u": [normal, bulk, prober]},
        ).records
    }
    assert locked == {normal: False, bulk: True, prober: True}
    # idempotent: the same window again finds the same flags, no new ones
    again = check()
    assert "(0 new)" in again.stdout
    assert (
        neo4j_driver.execute_query(
            "MATCH (f:AuditFlag) WHERE f.user_id = $u RETURN count(f) AS n", {"u": bulk}
        ).records[0]["n"]
        == 2
    )
    # a tampered log is reported (exit 4)
    lines = log_path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[3] = lines[3].replace('"status":200', '"status":201')
    log_path.write_text("".join(lines), encoding="utf-8")
    broken = check("--dry-run")
    assert broken.returncode == 4 and "BROKEN" in broken.stdout
    # the frozen account's key is refused by the API
    s = make_settings(neo4j_env_settings(neo4j_env), tmp_path / "api2", **gov_overrides(tmp_path))
    with TestClient(create_app(s)) as c:
        assert c.get("/v1/me", headers={"X-API-Key": prober_key}).status_code == 401


def neo4j_env_settings(env):
    from riskgraph.settings import Settings

    return Settings(
        neo4j_uri=env["NEO4J_URI"], neo4j_user=env["NEO4J_USER"], neo4j_password=env["NEO4J_PASSWORD"]
    )


def test_api_runs_the_check_on_schedule_and_auditors_review_flags(neo4j_settings, neo4j_driver, tmp_path):
    s = make_settings(
        neo4j_settings,
        tmp_path,
        **gov_overrides(
            tmp_path, gov_monitor_interval_min=0.02, gov_auto_freeze=True, gov_denied_threshold=4
        ),
    )
    probe = make_user(neo4j_driver, uid("probe"), roles=("examiner",))
    probe_key = key_for(neo4j_driver, probe, ["examiner"])
    auditor = make_user(neo4j_driver, uid("aud"), roles=("auditor",))
    ah = {"X-API-Key": key_for(neo4j_driver, auditor, ["auditor"])}
    with TestClient(create_app(s)) as c:
        for _ in range(4):  # examiners may not read the audit log
            assert c.get("/v1/audit", headers={"X-API-Key": probe_key}).status_code == 403
        deadline = time.monotonic() + 60
        flags = []
        while time.monotonic() < deadline:
            flags = c.get("/v1/audit/flags", headers=ah, params={"user_id": probe}).json()["flags"]
            if flags and flags[0]["froze_account"]:
                break
            time.sleep(0.5)
        assert [f["check"] for f in flags] == ["audit.repeated_denials"]
        assert flags[0]["froze_account"] is True and flags[0]["evidence"]["denied"] == 4
        assert c.get("/v1/me", headers={"X-API-Key": probe_key}).status_code == 401  # frozen at once
        # only auditors see flags; they record a review
        assert c.get("/v1/audit/flags", headers={"X-API-Key": probe_key}).status_code == 401
        fid = flags[0]["flag_id"]
        r = c.post(
            f"/v1/audit/flags/{fid}/review", headers=ah, json={"status": "confirmed", "comment": "probing"}
        )
        assert (
            r.status_code == 200 and r.json()["status"] == "confirmed" and r.json()["reviewed_by"] == auditor
        )
        now = c.post("/v1/audit/flags/check", headers=ah)
        assert now.status_code == 200 and now.json()["chain_ok"] is True
        # a re-check keeps the review
        assert (
            c.get("/v1/audit/flags", headers=ah, params={"user_id": probe}).json()["flags"][0]["status"]
            == "confirmed"
        )
