"""`riskgraph users demo` and `riskgraph serve` as a user runs them: keys printed and usable, the
server answers, and SIGTERM shuts it down cleanly with a verifiable audit log."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import httpx
import pytest

from api.audit.chains import read_trail, verify_trail
from riskgraph import neo4j_server
from riskgraph.settings import PROJECT_ROOT

pytestmark = pytest.mark.neo4j


@pytest.fixture
def cli_env(neo4j_env, tmp_path):
    return {**neo4j_env, "RISKGRAPH_VAR_DIR": str(tmp_path), "RISKGRAPH_API_KEY_PEPPER": "cli-test-pepper"}


def test_users_demo_then_serve_then_sigterm(cli_env, graph, tmp_path):
    r = subprocess.run(
        [sys.executable, "-m", "riskgraph", "users", "demo"],
        env=cli_env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    keys = json.loads((tmp_path / "api" / "demo-keys.json").read_text())
    assert set(keys) >= {"approver", "examiner", "supervisor", "auditor", "admin", "service"}
    assert keys["service"]["key"] in r.stdout  # printed once for the operator

    port = neo4j_server.free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "riskgraph", "serve", "--port", str(port)],
        env=cli_env,
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        me = httpx.get(base + "/v1/me", headers={"X-API-Key": keys["auditor"]["key"]}, timeout=10)
        assert me.status_code == 200 and me.json()["roles"] == ["auditor"]
        check = httpx.post(
            base + "/v1/checks/pre-loan",
            headers={"X-API-Key": keys["service"]["key"]},
            json={
                "application_ref": "LA-CLI-1",
                "applicant": {"entity_id": "C:APPLICANT"},
                "requested_amount": 1.0,
            },
            timeout=30,
        )
        assert check.status_code == 200 and check.json()["verdict"] in ("pass", "refer", "decline-suggested")
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
    err = proc.stderr.read().decode(errors="replace")
    # uvicorn shuts down gracefully, then re-raises the signal so the exit status reports it
    assert code in (0, -signal.SIGTERM), err
    assert "Application shutdown complete" in err and "Traceback" not in err
    log = tmp_path / "api" / "audit.jsonl"
    assert verify_trail(log).ok  # every worker's chain (serve runs one per CPU core by default)
    kinds = [(x.get("kind"), x.get("path")) for x in read_trail(log)]
    assert ("cli", None) in kinds and ("request", "/v1/checks/pre-loan") in kinds
