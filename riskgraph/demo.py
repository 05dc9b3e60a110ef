"""`make demo`: every stage on sample data, each a CLI command run as a child process.

A stage runs exactly as a user would type it (``python -m riskgraph …``), so the demo exercises the
same entry points as the documentation. After a failure the remaining stages are listed as not run
rather than attempted on missing input; the summary table says which stage failed and how.
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
    blocking: bool = False  # a server that runs until Ctrl-C


def stages(scale: str) -> list[Stage]:
    from ingest.generator.sources import SOURCES  # the order the generator's manifest asks for

    data_dir = str(get_settings().var_dir / "demo-data" / scale)
    return [
        Stage("start Neo4j", ("db", "start")),
        Stage("create constraints and indexes", ("db", "init")),
        Stage(f"generate sample data ({scale})", ("generate", data_dir, "--scale", scale, "--seed", "7")),
        # each source system as its own source, in the order the generator's manifest gives
        *(
            Stage(f"ingest sample data: {source}", ("ingest", f"{data_dir}/{source}", "--source", source))
            for source in SOURCES
        ),
        Stage("run the rule jobs", ("rules", "run")),
        Stage("create demo users and keys", ("users", "demo")),
        Stage("serve the API and explorer", ("serve", "--with-explorer"), blocking=True),
    ]


def run_demo(console: Console, *, serve: bool = True, scale: str = "xs") -> int:
    summary = Table(title="riskgraph demo")
    summary.add_column("stage")
    summary.add_column("result")
    failed = False
    for stage in stages(scale):
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
        failed |= rc != 0
        summary.add_row(stage.title, "[green]done[/]" if rc == 0 else f"[red]failed (exit {rc})[/]")
    console.print(summary)
    return 1 if failed else 0
