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


def _counts(driver: Driver) -> tuple[int, int]:
    nodes = driver.execute_query("MATCH (n) RETURN count(n) AS n").records[0]["n"]
    rels = driver.execute_query("MATCH ()-[r]->() RETURN count(r) AS n").records[0]["n"]
    return nodes, rels


def test_cli_dry_run_writes_nothing_and_reports_the_same_rejects(
    clean_graph: Driver, neo4j_env: dict[str, str], tmp_path: Path
) -> None:
    from ingest.rejects import read_rejects

    assert _run([str(FIXTURES / "clean"), "--source", "core"], neo4j_env, tmp_path).returncode == 0
    before = _counts(clean_graph)
    dry_rejects = tmp_path / "dry.csv"
    dry = _run(
        [str(FIXTURES / "defects"), "--source", "defects", "--rejects", str(dry_rejects), "--dry-run"],
        neo4j_env,
        tmp_path,
    )
    assert dry.returncode == 1, dry.stdout + dry.stderr
    assert "Dry run: nothing was written" in dry.stdout and "Dry-run summary" in dry.stdout
    assert "Issues by file and rule" in dry.stdout and "percent_range" in dry.stdout
    assert _counts(clean_graph) == before
    real_rejects = tmp_path / "real.csv"
    real = _run(
        [str(FIXTURES / "defects"), "--source", "defects", "--rejects", str(real_rejects)],
        neo4j_env,
        tmp_path,
    )
    assert real.returncode == 1
    assert read_rejects(dry_rejects) == read_rejects(real_rejects)
    assert _counts(clean_graph) != before


def test_cli_refuses_an_invalid_mapping_file_before_reading(
    clean_graph: Driver, neo4j_env: dict[str, str], tmp_path: Path
) -> None:
    mapping = tmp_path / "bank.yaml"
    mapping.write_text("kinds:\n  companies:\n    columns: {客户名称: nmae}\n", encoding="utf-8")
    bad = _run([str(FIXTURES / "clean"), "--source", "core", "--mapping", str(mapping)], neo4j_env, tmp_path)
    assert bad.returncode == 2 and "nmae" in bad.stdout and "mapping file" in bad.stdout
    assert _counts(clean_graph) == (0, 0)


def test_cli_format_options_reach_the_reader(tmp_path: Path) -> None:
    from rich.console import Console

    from ingest.cli import EXIT_FAILED, read_format, run_ingest_command

    console = Console(record=True, width=200)
    fmt = read_format(console, None, "big5", True)
    assert fmt is not None and fmt.encoding == "big5" and fmt.decimal_mark == ","

    def no_server():
        raise AssertionError("an unknown encoding must stop the run before connecting")

    code = run_ingest_command(
        console, no_server, [FIXTURES / "clean"], "core", None, "neo4j", 10, encoding="klingon"
    )
    assert code == EXIT_FAILED and "unknown encoding" in console.export_text()
