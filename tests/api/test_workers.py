"""The real server with two worker processes: one audit trail of two chains, every request in it,
tampering with either chain found, and a revoked key refused by both workers within the cache window."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from api.audit.chains import chain_paths, read_trail, verify_trail
from riskgraph import neo4j_server
from riskgraph.settings import PROJECT_ROOT
from tests.support.keys import PEPPER, issue_key

AUTH_CACHE_S = 1.0


@pytest.fixture
def two_workers(neo4j_env: dict[str, str], keys: dict[str, str], tmp_path: Path):
    port = neo4j_server.free_port()
    env = {
        **neo4j_env,
        "RISKGRAPH_VAR_DIR": str(tmp_path),
        "RISKGRAPH_API_KEY_PEPPER": PEPPER,
        "RISKGRAPH_API_AUDIT_LOG": str(tmp_path / "audit.jsonl"),
        "RISKGRAPH_API_AUTH_CACHE_S": str(AUTH_CACHE_S),
        "RISKGRAPH_GOV_MONITOR_INTERVAL_MIN": "0",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "riskgraph", "serve", "--workers", "2", "--port", str(port)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200 and _writers(tmp_path) >= 2:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("the two-worker server did not start: " + proc.communicate()[0].decode()[-2000:])
    if proc.poll() is not None:
        pytest.fail("the server exited: " + proc.communicate()[0].decode()[-2000:])

    def stop() -> None:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    try:
        yield base, tmp_path / "audit.jsonl", env, stop
    finally:
        stop()


def _writers(var: Path) -> int:
    """How many chain files a worker has opened (each worker opens its own at start-up)."""
    return len(chain_paths(var / "audit.jsonl"))


def _get(base: str, key: str, purpose: str) -> int:
    # a fresh connection per request, so the kernel hands requests to either worker
    with httpx.Client(timeout=30) as c:
        return c.get(f"{base}/v1/me", headers={"X-API-Key": key, "X-Purpose-Ref": purpose}).status_code


def _by_writer(audit: Path, prefix: str) -> Counter[str]:
    return Counter(
        str(r.get("chain"))
        for r in read_trail(audit)
        if r.get("kind") == "request" and str(r.get("purpose_ref") or "").startswith(prefix)
    )


def test_two_workers_write_one_verifiable_trail_with_every_request(two_workers, keys) -> None:
    base, audit, env, stop = two_workers
    sent = 0
    with ThreadPoolExecutor(8) as pool:
        for _round in range(10):  # until both workers answered some (the kernel decides who accepts)
            statuses = list(
                pool.map(lambda i: _get(base, keys["examiner"], f"WRK-{i:05d}"), range(sent, sent + 40))
            )
            assert statuses == [200] * 40
            sent += 40
            if len(_by_writer(audit, "WRK-")) >= 2:
                break
    stop()

    per_chain = _by_writer(audit, "WRK-")
    assert len(per_chain) == 2, per_chain  # requests landed on both workers, each in its own chain
    assert sum(per_chain.values()) == sent  # every request is in the trail, once
    purposes = [
        r["purpose_ref"] for r in read_trail(audit) if str(r.get("purpose_ref", "")).startswith("WRK-")
    ]
    assert sorted(purposes) == [f"WRK-{i:05d}" for i in range(sent)]
    writers = {r["chain"]: r["writer"] for r in read_trail(audit) if r.get("kind") == "request"}
    assert len(set(writers.values())) == 2  # host:pid:start of two processes

    trail = verify_trail(audit)
    assert trail.ok, trail.reason
    assert len(trail.chains) == 2 and all(c.result.ok for c in trail.chains)

    cli = subprocess.run(
        [sys.executable, "-m", "riskgraph", "audit", "check", "--dry-run"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert "2 chain(s), hash chain ok" in cli.stdout, cli.stdout

    # one edited record in the second chain: that chain fails, the other still verifies
    second = next(p for p in chain_paths(audit) if p != audit)
    lines = second.read_bytes().splitlines(keepends=True)
    idx = next(i for i, raw in enumerate(lines) if b'"WRK-' in raw)
    rec = json.loads(lines[idx])
    rec["status"] = 404
    lines[idx] = json.dumps(rec, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
    second.write_bytes(b"".join(lines))
    trail = verify_trail(audit)
    assert not trail.ok
    codes = {c.name: c.result.code for c in trail.chains}
    assert codes == {audit.name: None, second.name: "mac-mismatch"}, codes
    cli = subprocess.run(
        [sys.executable, "-m", "riskgraph", "audit", "check", "--dry-run"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert cli.returncode != 0 and "mac-mismatch" in cli.stdout, cli.stdout

    # the whole second chain deleted: the keyring and its checkpoint still name it
    second.unlink()
    trail = verify_trail(audit)
    assert not trail.ok
    assert {c.name: c.result.code for c in trail.chains} == {audit.name: None, second.name: "chain-missing"}


def test_a_key_revoked_on_one_worker_is_refused_by_both_within_the_cache_window(two_workers, keys) -> None:
    base, audit, _env, _stop = two_workers
    key_id, key = issue_key("test-workers-revoke", ["examiner"], name="revoke-me")
    with ThreadPoolExecutor(8) as pool:
        for _round in range(10):  # until both workers have verified (and cached) the key
            assert set(pool.map(lambda i: _get(base, key, f"REV-{i}"), range(40))) == {200}
            if len(_by_writer(audit, "REV-")) >= 2:
                break
    assert len(_by_writer(audit, "REV-")) == 2
    with httpx.Client(timeout=30) as c:
        r = c.post(f"{base}/v1/keys/{key_id}/revoke", headers={"X-API-Key": keys["admin"]})
    assert r.status_code == 200, r.text
    time.sleep(AUTH_CACHE_S + 0.5)
    with ThreadPoolExecutor(8) as pool:
        for rnd in range(10):
            marks = [f"GONE-{rnd}-{i}" for i in range(40)]
            statuses = list(pool.map(lambda m: _get(base, key, m), marks))
            assert statuses == [401] * 40
            if len(_by_writer(audit, "GONE-")) >= 2:
                break
    refused = _by_writer(audit, "GONE-")
    assert len(refused) == 2, refused  # both workers refused it, not only the one that revoked it
