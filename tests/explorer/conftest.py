"""Fixtures of the explorer tests: Debian's Chromium (installed on first use by the project's own script)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from explorer.headless import CHROMIUM, Browser

ENSURE = Path(__file__).resolve().parents[2] / "bench" / "explorer" / "ensure_chromium.sh"


@pytest.fixture(scope="session")
def chromium_installed() -> str:
    """/usr/bin/chromium and a CJK font, installed by bench/explorer/ensure_chromium.sh when missing."""
    if not Path(CHROMIUM).exists() or not shutil.which("fc-list"):
        subprocess.run(["bash", str(ENSURE)], check=True)
    else:
        subprocess.run(["bash", str(ENSURE)], check=True, capture_output=True)
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium_installed: str) -> Iterator[Browser]:
    with Browser(chromium_installed) as b:
        yield b
