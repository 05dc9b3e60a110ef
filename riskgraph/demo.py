"""`make demo`: every stage on sample data, each a `riskgraph` CLI command.

A stage runs exactly the command a user would type (``riskgraph db init``, ``riskgraph ingest …``), so
the demo exercises the same entry points as the documentation. The commands run inside this one
process rather than as new interpreters: starting Python and importing pandas, the driver and the
rules again for each of the nine stages cost more than some stages' work. Two stages are children:
Neo4j's start (which fetches its jars from Maven the first time), running while the sample data is
generated and the later stages' modules are imported, and the blocking API and explorer server.

After a failure the remaining stages are listed as not run rather than attempted on missing input;
the summary table says which stage failed, how, and how long every stage took (also written to
``var/demo-stages.json`` for ``bench/demo/run.py``).

The demo never leaves a server behind without saying so: a Neo4j it started is stopped on Ctrl-C
(and when the API and explorer it served are stopped); a Neo4j that was already running, or the one
left for later with ``--no-serve``, is named in one line with the command that stops it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from riskgraph import neo4j_server
from riskgraph import settings as settings_module
from riskgraph.settings import Settings, get_settings

STOP_HINT = "riskgraph db stop"
RULES_CONFIG_ENV = "RISKGRAPH_RULES_CONFIG"

#: Who each demo key is for, in the words of the bank (role → 中文 / English persona).
PERSONAS: dict[str, str] = {
    "approver": "授信审批 credit approver",
    "examiner": "检查 examiner",
    "supervisor": "监管 supervisor",
    "auditor": "审计 auditor",
    "admin": "管理 administrator",
    "service": "系统接入 service client (pre-loan check only)",
    "examiner+pii": "检查（可见身份证号）examiner seeing resident IDs",
}


@dataclass(frozen=True)
class Stage:
    title: str
    command: tuple[str, ...]
    blocking: bool = False  # a server that runs until Ctrl-C (a child process)
    starts_neo4j: bool = False  # a child process running while the next stages that need no Neo4j run
    needs_neo4j: bool = True


@dataclass
class StageResult:
    title: str
    result: str  # done / failed (exit N) / skipped (--no-serve) / not run / interrupted
    seconds: float | None = None


def _backfill_window() -> tuple[str, str]:
    """The twelve month-ends of the sample data's year (the generator dates its world and its planted
    listings in that year), so the supervisor's spread has a month-by-month trend."""
    from ingest.generator.world import AS_OF
    from risk_rules.backfill import add_months

    return add_months(AS_OF, -11).isoformat(), AS_OF.isoformat()


def data_dir_of(scale: str) -> Path:
    return get_settings().var_dir / "demo-data" / scale


def bank_config(scale: str) -> Path:
    """The demo bank's rule configuration, written by the generator beside its sample data: the
    example bank's capital sized to that data and its insiders (docs/rules.md, "The demo bank")."""
    from ingest.generator.generate import BANK_CONFIG

    return data_dir_of(scale) / BANK_CONFIG


@contextmanager
def demo_bank(scale: str) -> Iterator[Path]:
    """While the demo runs, every stage (and the API it serves) uses the demo bank's configuration,
    as the rule stage does; the caller's environment is restored afterwards."""
    path = bank_config(scale)
    previous = os.environ.get(RULES_CONFIG_ENV)
    os.environ[RULES_CONFIG_ENV] = str(path)
    settings_module.get_settings.cache_clear()  # the cached settings, read again with the bank's file
    try:
        yield path
    finally:
        if previous is None:
            os.environ.pop(RULES_CONFIG_ENV, None)
        else:
            os.environ[RULES_CONFIG_ENV] = previous
        settings_module.get_settings.cache_clear()


def stages(scale: str, explorer_port: int = 8501) -> list[Stage]:
    from ingest.generator.sources import SOURCES  # the order the generator's manifest asks for

    data_dir = str(data_dir_of(scale))
    return [
        # fetches the jars first when `riskgraph db fetch` has not (from ~/.m2 after the first time)
        Stage("start Neo4j", ("db", "start"), starts_neo4j=True, needs_neo4j=False),
        Stage(
            f"generate sample data ({scale})",
            ("generate", data_dir, "--scale", scale, "--seed", "7"),
            needs_neo4j=False,
        ),
        Stage("create constraints and indexes", ("db", "init")),
        # each source system as its own source, in the order the generator's manifest gives
        *(
            Stage(f"ingest sample data: {source}", ("ingest", f"{data_dir}/{source}", "--source", source))
            for source in SOURCES
        ),
        Stage("run the rule jobs", ("rules", "run", "--config", str(bank_config(scale)))),
        # monthly contagion snapshots of the sample data's year: the supervisor's spread has a trend
        Stage(
            "backfill 12 months of contagion snapshots",
            (
                "rules",
                "backfill",
                "--from",
                _backfill_window()[0],
                "--to",
                _backfill_window()[1],
                "--every",
                "month",
                "--rule",
                "contagion.blacklist",
                "--config",
                str(bank_config(scale)),
            ),
        ),
        Stage("create demo users and keys", ("users", "demo")),
        Stage(
            "serve the API and explorer",
            ("serve", "--with-explorer", "--explorer-port", str(explorer_port)),
            blocking=True,
        ),
    ]


def neo4j_running(settings: Settings) -> bool:
    """Whether our local Neo4j process is alive (by its pid file; no connection needed)."""
    pid = neo4j_server.read_pid(settings)
    return pid is not None and neo4j_server._is_our_java(pid, settings)


def stop_what_we_started(
    console: Console,
    *,
    started_neo4j: bool,
    running: Callable[[], bool],
    stop: Callable[[], str],
) -> None:
    """After Ctrl-C or the end of serving: stop the Neo4j this demo started, else say how to stop it.

    A Neo4j that was running before the demo belongs to someone else's session and is left alone, in
    one line naming the command that stops it."""
    if not running():
        return
    if not started_neo4j:
        console.print(
            f"Neo4j 仍在运行（演示之前已启动）。/ Neo4j is still running (started before the demo): `{STOP_HINT}`"
        )
        return
    console.print("正在停止演示启动的 Neo4j… / Stopping the Neo4j the demo started…")
    try:
        console.print(f"Neo4j: {stop()}")
    except neo4j_server.ServerError as exc:
        console.print(f"[red]{exc}[/]\n停止失败，请运行 / could not stop it; run `{STOP_HINT}`")


def keys_guide(settings: Settings) -> Table | None:
    """The demo keys by persona (None before `users demo` has run)."""
    path = settings.api_dir / "demo-keys.json"
    try:
        issued = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    table = Table(title="演示密钥 / demo keys", title_justify="left")
    table.add_column("persona 角色")
    table.add_column("scopes 权限")
    table.add_column("key 密钥", no_wrap=True)
    for role, entry in issued.items():
        table.add_row(PERSONAS.get(role, role), ",".join(entry.get("scopes", [])), str(entry.get("key", "")))
    return table


def print_keys_guide(console: Console, settings: Settings, explorer_port: int) -> None:
    """The keys by persona and where each is used: the explorer's sign-in, the API's header."""
    table = keys_guide(settings)
    if table is None:
        return
    console.print(table)
    api = f"http://{settings.api_host}:{settings.api_port}"
    console.print(
        f"探索界面 explorer: http://127.0.0.1:{explorer_port} — 在侧栏登录处粘贴密钥 / paste a key into the "
        "sidebar sign-in.\n"
        f"接口 API: {api} (OpenAPI {api}/docs) — 请求头 header `X-API-Key: <key>` "
        "(or `Authorization: Bearer <key>`)."
    )


def summary_table(results: list[StageResult], wall_s: float) -> Table:
    summary = Table(title="riskgraph demo")
    summary.add_column("stage")
    summary.add_column("result")
    summary.add_column("seconds", justify="right")
    for r in results:
        colour = (
            "green" if r.result.startswith("done") else "default" if r.result.startswith("skip") else "red"
        )
        summary.add_row(r.title, f"[{colour}]{r.result}[/]", "" if r.seconds is None else f"{r.seconds:.1f}")
    # Neo4j starts while the data is generated, so the stages add up to more than the wall time
    summary.add_row("[bold]total (wall clock)[/]", "", f"[bold]{wall_s:.1f}[/]")
    return summary


def write_timings(path: Path, results: list[StageResult], wall_s: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"wall_seconds": wall_s, "stages": [r.__dict__ for r in results]}
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def run_child(command: list[str], grace_s: float = 30.0) -> int:
    """Run a blocking stage; on Ctrl-C let the child (which got the same SIGINT) finish, then re-raise."""
    proc = subprocess.Popen(command)
    return wait_child(proc, grace_s)


def wait_child(proc: subprocess.Popen[bytes], grace_s: float = 30.0) -> int:
    try:
        return proc.wait()
    except KeyboardInterrupt:
        try:
            proc.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            proc.terminate()
            proc.wait()
        raise


#: What the stages after Neo4j's start import; imported while the JVM starts, not after it.
PRELOAD = (
    "graph_model.constraints",
    "riskgraph.graph",
    "ingest.cli",
    "risk_rules.runner",
    "risk_rules.registry",
    "api.cli",
)


def preload() -> None:
    """Import the later stages' modules now (an import that fails is left to its stage to report)."""
    import importlib

    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001, S112 — the stage that needs the module reports the error
            continue


def run_in_process(console: Console, cli: Callable[..., object], args: tuple[str, ...]) -> int:
    """Run one `riskgraph` command of the `cli` app in this interpreter; its exit code (a crash: 1).

    Ctrl-C, which click turns into ``Abort``, is raised again as ``KeyboardInterrupt``. The app is
    passed in by the CLI that runs the demo, so this module never imports the CLI back."""
    import click

    try:
        rv = cli(args=list(args), prog_name="riskgraph", standalone_mode=False)
    except click.exceptions.Abort as exc:
        raise KeyboardInterrupt from exc
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    except Exception as exc:  # noqa: BLE001 — a stage's crash is reported as that stage's failure
        console.print(f"[red]{type(exc).__name__}: {exc}[/]")
        return 1
    return rv if isinstance(rv, int) else 0


def run_demo(
    console: Console,
    cli: Callable[..., object],
    *,
    serve: bool = True,
    scale: str = "xs",
    explorer_port: int = 8501,
) -> int:
    """Run every stage (commands of the `cli` app) with the demo bank, then stop or name what is left
    running."""
    with demo_bank(scale):
        return _run_stages(console, cli, serve=serve, scale=scale, explorer_port=explorer_port)


def _run_stages(
    console: Console,
    cli: Callable[..., object],
    *,
    serve: bool,
    scale: str,
    explorer_port: int,
) -> int:
    settings = get_settings()
    results: list[StageResult] = []
    started_neo4j = failed = interrupted = False
    neo4j_child: tuple[subprocess.Popen[bytes], StageResult, float] | None = None
    wall0 = t0 = time.monotonic()

    def join_neo4j() -> None:
        """Wait for the Neo4j start running in the background and record its result."""
        nonlocal neo4j_child, failed
        if neo4j_child is None:
            return
        proc, result, started = neo4j_child
        rc = wait_child(proc)
        neo4j_child = None
        result.seconds = time.monotonic() - started
        result.result = "done" if rc == 0 else f"failed (exit {rc})"
        failed |= rc != 0
        console.print(f"[dim]{result.title}: {result.seconds:.1f} s[/]")

    try:
        for stage in stages(scale, explorer_port):
            if stage.needs_neo4j:
                if neo4j_child is not None and neo4j_child[0].poll() is None:
                    preload()  # while the JVM is still starting
                join_neo4j()
            if stage.blocking and not serve:
                results.append(StageResult(stage.title, "skipped (--no-serve)"))
                continue
            if failed:
                results.append(StageResult(stage.title, "not run (an earlier stage failed)"))
                continue
            console.print(f"\n[bold]── {stage.title}[/]")
            command = [sys.executable, "-m", "riskgraph", *stage.command]
            if stage.starts_neo4j:
                started_neo4j = not neo4j_running(settings)
                results.append(StageResult(stage.title, "interrupted"))
                neo4j_child = (subprocess.Popen(command), results[-1], time.monotonic())
                continue
            if stage.blocking:
                console.print(summary_table(results, time.monotonic() - wall0))
                print_keys_guide(console, settings, explorer_port)
                console.print(
                    "按 Ctrl-C 停止 API、探索界面和 Neo4j。/ Ctrl-C stops the API, the explorer and Neo4j."
                )
            t0 = time.monotonic()
            results.append(StageResult(stage.title, "interrupted"))
            rc = run_child(command) if stage.blocking else run_in_process(console, cli, stage.command)
            results[-1].seconds = time.monotonic() - t0
            failed |= rc != 0
            results[-1].result = "done" if rc == 0 else f"failed (exit {rc})"
            console.print(f"[dim]{stage.title}: {results[-1].seconds:.1f} s[/]")
        join_neo4j()
    except KeyboardInterrupt:
        interrupted = True
        if neo4j_child is not None:
            neo4j_child[0].wait()
        for r in results:
            if r.seconds is None and r.result == "interrupted":
                r.seconds = time.monotonic() - t0
        if results and results[-1].title.startswith("serve"):
            results[-1].result = "done (stopped by Ctrl-C)"
        console.print("\n[yellow]已中断 / Interrupted (Ctrl-C).[/]")
    finally:
        write_timings(settings.var_dir / "demo-stages.json", results, time.monotonic() - wall0)
    console.print(summary_table(results, time.monotonic() - wall0))
    if interrupted or serve:
        # Ctrl-C, or serving is over: nothing of the demo is in use any more
        stop_what_we_started(
            console,
            started_neo4j=started_neo4j,
            running=lambda: neo4j_running(settings),
            stop=lambda: neo4j_server.stop(settings),
        )
    else:
        if not failed:
            print_keys_guide(console, settings, explorer_port)
        if neo4j_running(settings):
            console.print(
                "Neo4j 仍在运行（可用 `riskgraph serve --with-explorer`）。/ Neo4j is left running for "
                f"`riskgraph serve --with-explorer`; stop it with `{STOP_HINT}`."
            )
    if interrupted and not results[-1].result.startswith("done"):
        return 130  # the shell's code for "stopped by Ctrl-C"
    return 1 if failed else 0
