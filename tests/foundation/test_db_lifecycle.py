"""`riskgraph db start | status | stop` on a second isolated server, driven through the real CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from neo4j import GraphDatabase
from neo4j.exceptions import AuthError

from riskgraph import neo4j_server

pytestmark = pytest.mark.neo4j


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "riskgraph", *args], env=env, capture_output=True, text=True, timeout=300
    )


def _our_java_pids(home: Path) -> list[int]:
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmd = (proc / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if neo4j_server.ENTRY_POINT in cmd and f"--home-dir={home}" in cmd:
                pids.append(int(proc.name))
    return pids


def test_start_status_stop_cycle(tmp_path: Path) -> None:
    home = (tmp_path / "server").resolve()
    port = neo4j_server.free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    env |= {
        "RISKGRAPH_NEO4J_DATA_DIR": str(home),
        "RISKGRAPH_NEO4J_BOLT_PORT": str(port),
        "RISKGRAPH_NEO4J_HEAP": "512m",
        "RISKGRAPH_NEO4J_PAGECACHE": "128m",
        "COLUMNS": "200",
    }
    try:
        started = _cli(env, "db", "start")
        assert started.returncode == 0, started.stdout + started.stderr
        assert "5.26" in started.stdout

        status = _cli(env, "db", "status")
        assert status.returncode == 0, status.stdout + status.stderr
        assert "5.26." in status.stdout and "True" in status.stdout

        again = _cli(env, "db", "start")
        assert again.returncode == 0 and "already running" in again.stdout

        pw_file = home / "auth" / "neo4j-password"
        assert oct(pw_file.stat().st_mode & 0o777) == "0o600"
        password = pw_file.read_text().strip()
        uri = f"bolt://127.0.0.1:{port}"
        with GraphDatabase.driver(uri, auth=("neo4j", password)) as driver:
            assert driver.execute_query("RETURN 1 AS one").records[0]["one"] == 1
        with (
            GraphDatabase.driver(uri, auth=("neo4j", password + "-wrong")) as driver,
            pytest.raises(AuthError),
        ):
            driver.execute_query("RETURN 1")
    finally:
        stopped = _cli(env, "db", "stop")
    assert stopped.returncode == 0 and "stopped" in stopped.stdout, stopped.stdout + stopped.stderr
    assert _our_java_pids(home) == []
    after = _cli(env, "db", "status")
    assert after.returncode == 3 and "not running" in after.stdout


def test_external_server_is_not_managed(tmp_path: Path) -> None:
    env = {**os.environ, "NEO4J_URI": "bolt://127.0.0.1:1", "NEO4J_PASSWORD": "x", "COLUMNS": "200"}
    result = _cli(env, "db", "start")
    assert result.returncode == 1
    assert "NEO4J_URI" in result.stderr
