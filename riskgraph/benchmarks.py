"""What every `bench/` script shares: replacing its own marked section of docs/benchmarks.md, and
naming the processor in its machine facts.

Each script owns the text between its two marker comments and nothing else, so scripts run in any
order (or concurrently on different sections) never overwrite each other's figures.
"""

from __future__ import annotations

import platform
import threading
import time
from pathlib import Path

import psutil

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


class PeakRSS:
    """This process's resident-memory high-water mark, sampled every ``interval`` seconds in a
    daemon thread from creation (``mark()`` also samples now, e.g. at the end of a step)."""

    def __init__(self, interval: float = 0.1) -> None:
        self._proc = psutil.Process()
        self.peak = self._proc.memory_info().rss
        self._stop = threading.Event()
        self._interval = interval
        threading.Thread(target=self._sample, daemon=True).start()

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.mark()
            time.sleep(self._interval)

    def mark(self) -> int:
        """Sample now; the peak so far in bytes."""
        self.peak = max(self.peak, self._proc.memory_info().rss)
        return self.peak

    def stop(self) -> None:
        self._stop.set()
