"""The demo and the CLI's output: full-width tables when piped, and Ctrl-C leaving no server behind.

No Neo4j is needed: the width test runs a command that prints a wide table without the database,
and the interrupt tests replace the server's start, liveness check and stop by recorders.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from risk_rules.registry import all_rules
from riskgraph import demo
from riskgraph.cli import app
from riskgraph.console import PIPE_WIDTH, cli_console
from riskgraph.settings import PROJECT_ROOT, Settings


def test_piped_cli_prints_wide_tables_whole() -> None:
    """`riskgraph rules list | …` used to read `gua… com…`: every cell must arrive whole."""
    out = subprocess.run(
        [sys.executable, "-m", "riskgraph", "rules", "list"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "HOME": str(Path.home())},  # no COLUMNS, not a terminal
    )
    assert out.returncode == 0, out.stderr
    assert "…" not in out.stdout
    for rule in all_rules():
        assert rule.id in out.stdout
        assert rule.description_en in out.stdout  # the longest cell, on one line


def test_console_is_wide_when_not_a_terminal() -> None:
    console = cli_console()  # pytest captures stdout: not a terminal
    assert not console.is_terminal
    assert console.width == PIPE_WIDTH


class _Recorder:
    def __init__(self) -> None:
        self.stops = 0

    def stop(self) -> str:
        self.stops += 1
        return "stopped (pid 4242)"


def _console() -> Console:
    return Console(width=200, record=True)


def test_interrupt_stops_the_neo4j_the_demo_started() -> None:
    console = _console()
    rec = _Recorder()
    demo.stop_what_we_started(console, started_neo4j=True, running=lambda: True, stop=rec.stop)
    assert rec.stops == 1
    assert "stopped (pid 4242)" in console.export_text()


def test_interrupt_leaves_a_neo4j_started_before_and_says_how_to_stop_it() -> None:
    console = _console()
    rec = _Recorder()
    demo.stop_what_we_started(console, started_neo4j=False, running=lambda: True, stop=rec.stop)
    assert rec.stops == 0
    text = console.export_text()
    assert "riskgraph db stop" in text and len(text.strip().splitlines()) == 1


def test_nothing_said_when_neo4j_is_not_running() -> None:
    console = _console()
    rec = _Recorder()
    demo.stop_what_we_started(console, started_neo4j=True, running=lambda: False, stop=rec.stop)
    assert rec.stops == 0 and console.export_text() == ""


class _FakeNeo4jStart:
    """Stands in for the `riskgraph db start` child: it 'starts' Neo4j by flipping a flag."""

    def __init__(self, state: dict[str, bool]) -> None:
        state["running"] = True

    def poll(self) -> int:
        return 0

    def wait(self, timeout: float | None = None) -> int:
        return 0


def test_ctrl_c_during_a_stage_stops_neo4j_and_records_the_stages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = {"running": False}
    rec = _Recorder()
    settings = Settings(var_dir=tmp_path)
    monkeypatch.setattr(demo, "get_settings", lambda: settings)
    monkeypatch.setattr(
        demo,
        "stages",
        lambda scale, explorer_port: [
            demo.Stage("start Neo4j", ("db", "start"), starts_neo4j=True, needs_neo4j=False),
            demo.Stage("ingest sample data: registry", ("ingest", "x", "--source", "registry")),
            demo.Stage("run the rule jobs", ("rules", "run")),
        ],
    )
    monkeypatch.setattr(demo.subprocess, "Popen", lambda cmd: _FakeNeo4jStart(state))
    monkeypatch.setattr(demo, "neo4j_running", lambda s: state["running"])
    monkeypatch.setattr(demo.neo4j_server, "stop", lambda s: rec.stop())

    def interrupted(console: Console, cli: object, args: tuple[str, ...]) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(demo, "run_in_process", interrupted)
    console = Console(width=200, record=True)
    rc = demo.run_demo(console, app, serve=False, scale="xs")
    assert rc == 130
    assert rec.stops == 1  # the Neo4j this run started
    timings = json.loads((tmp_path / "demo-stages.json").read_text(encoding="utf-8"))
    assert [s["result"] for s in timings["stages"]] == ["done", "interrupted"]
    assert all(s["seconds"] is not None for s in timings["stages"])
    assert "Interrupted" in console.export_text()


def test_a_stage_runs_in_process_and_returns_its_exit_code() -> None:
    console = Console(width=200, record=True)
    assert demo.run_in_process(console, app, ("rules", "list", "--json")) == 0
    assert demo.run_in_process(console, app, ("rules", "run", "--rule", "no.such.rule")) != 0
