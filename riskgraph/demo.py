"""`make demo`: run every stage that exists on sample data, and say plainly which ones do not exist yet.

Each stage is a CLI command run as a child process, exactly as a user would type it; a stage whose
command is not registered yet is reported as skipped with the issue that will bring it.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table

from riskgraph.settings import get_settings


@dataclass(frozen=True)
class Stage:
    title: str
    command: tuple[str, ...]
    brought_by: str
    blocking: bool = False  # a server that runs until Ctrl-C
    needs: str | None = None  # the command of an earlier stage whose output this one consumes


def _registered_commands() -> set[str]:
    """Top-level command and group names the CLI knows right now."""
    from riskgraph.cli import app

    names = {c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands}
    names |= {g.name for g in app.registered_groups if g.name}
    return {n.replace("_", "-") for n in names}


def stages(scale: str) -> list[Stage]:
    from ingest.generator.sources import SOURCES  # the order the generator's manifest asks for

    data_dir = str(get_settings().var_dir / "demo-data" / scale)
    return [
        Stage("start Neo4j", ("db", "start"), "#2"),
        Stage("create constraints and indexes", ("db", "init"), "#2"),
        Stage(
            f"generate sample data ({scale})", ("generate", data_dir, "--scale", scale, "--seed", "7"), "#3"
        ),
        # each source system as its own source, in the order the generator's manifest gives
        *(
            Stage(
                f"ingest sample data: {source}",
                ("ingest", f"{data_dir}/{source}", "--source", source),
                "#3",
                needs="generate",
            )
            for source in SOURCES
        ),
        Stage("run the rule jobs", ("rules", "run"), "#5"),
        Stage("create demo users and keys", ("users", "demo"), "#6/#8"),
        Stage("serve the API and explorer", ("serve", "--with-explorer"), "#6/#7", blocking=True),
    ]


def run_demo(console: Console, *, serve: bool = True, scale: str = "xs") -> int:
    known = _registered_commands()
    summary = Table(title="riskgraph demo")
    summary.add_column("stage")
    summary.add_column("result")
    failed = False
    done: set[str] = set()
    for stage in stages(scale):
        if stage.needs and stage.needs not in done:
            summary.add_row(stage.title, f"[yellow]skipped — needs the '{stage.needs}' stage[/]")
            console.print(f"[yellow]• {stage.title}: skipped, it needs the '{stage.needs}' stage[/]")
            continue
        if stage.command[0] not in known:
            summary.add_row(stage.title, f"[yellow]skipped — not built yet (issue {stage.brought_by})[/]")
            console.print(f"[yellow]• {stage.title}: not built yet (issue {stage.brought_by}), skipped[/]")
            continue
        if stage.blocking and not serve:
            summary.add_row(stage.title, "skipped (--no-serve)")
            continue
        if failed:
            summary.add_row(stage.title, "[red]not run (an earlier stage failed)[/]")
            continue
        console.rule(stage.title)
        if stage.blocking:
            console.print(summary)
        rc = subprocess.call([sys.executable, "-m", "riskgraph", *stage.command])
        ok = rc == 0
        failed |= not ok
        if ok:
            done.add(stage.command[0])
        summary.add_row(stage.title, "[green]done[/]" if ok else f"[red]failed (exit {rc})[/]")
    console.print(summary)
    return 1 if failed else 0
