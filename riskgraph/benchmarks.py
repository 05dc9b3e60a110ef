"""What every `bench/` script shares: replacing its own marked section of docs/benchmarks.md, and
naming the processor in its machine facts.

Each script owns the text between its two marker comments and nothing else, so scripts run in any
order (or concurrently on different sections) never overwrite each other's figures.
"""

from __future__ import annotations

import platform
from pathlib import Path

from riskgraph.settings import PROJECT_ROOT

BENCHMARKS_MD = PROJECT_ROOT / "docs" / "benchmarks.md"


def replace_section(begin: str, end: str, text: str, path: Path = BENCHMARKS_MD) -> None:
    """Put `text` between the `begin` / `end` markers, appending the block when the markers are absent."""
    block = f"{begin}\n{text.rstrip()}\n{end}\n"
    current = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n\n"
    if begin in current and end in current:
        head, rest = current.split(begin, 1)
        tail = rest.split(end, 1)[1].lstrip("\n")
        current = head + block + ("\n" + tail if tail else "")
    else:
        current = current.rstrip("\n") + "\n\n" + block
    path.write_text(current, encoding="utf-8")


def cpu_model() -> str:
    """The processor's model name (Linux /proc/cpuinfo), else what the platform reports."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"
