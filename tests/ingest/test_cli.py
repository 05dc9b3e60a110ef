"""`riskgraph ingest` as a user runs it: summary table, rejects file, exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from neo4j import Driver

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"
pytestmark = pytest.mark.neo4j


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "riskgraph", "ingest", *args],
        env={**env, "COLUMNS": "200"},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_cli_exit_codes_summary_and_rejects(
    clean_graph: Driver, neo4j_env: dict[str, str], tmp_path: Path
) -> None:
    ok = _run([str(FIXTURES / "clean"), "--source", "core"], neo4j_env, tmp_path)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "Ingest summary" in ok.stdout and "shareholdings" in ok.stdout
    assert not list(tmp_path.glob("rejects-*.csv")), "no rejects file when nothing was rejected"

    rejects = tmp_path / "out" / "rejects.csv"
    bad = _run(
        [str(FIXTURES / "defects"), "--source", "defects", "--rejects", str(rejects)], neo4j_env, tmp_path
    )
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "rows rejected" in bad.stdout and "行被拒绝" in bad.stdout
    assert "File refused" in bad.stdout and "family.csv" in bad.stdout
    assert rejects.exists() and rejects.read_bytes().startswith(b"\xef\xbb\xbf")

    missing = _run([str(tmp_path / "nope"), "--source", "x"], neo4j_env, tmp_path)
    assert missing.returncode == 2 and "no such path" in missing.stdout
