"""Start the Streamlit explorer as a child process (`riskgraph explore`, the demo and the browser tests).

Flags keep it local and quiet: headless, no usage statistics (Streamlit would otherwise send them to
its own host), no file watcher. The API URL reaches the app through RISKGRAPH_EXPLORER_API_URL.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

APP = Path(__file__).resolve().parent / "app.py"


def command(port: int, address: str = "127.0.0.1") -> list[str]:
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.headless=true",
        f"--server.port={port}",
        f"--server.address={address}",
        "--browser.gatherUsageStats=false",
        "--server.fileWatcherType=none",
        "--global.developmentMode=false",
        "--client.toolbarMode=minimal",
        "--theme.base=light",
    ]


def environment(api_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "RISKGRAPH_EXPLORER_API_URL": api_url,
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }


def start(
    port: int, api_url: str, address: str = "127.0.0.1", timeout: float = 60
) -> subprocess.Popen[bytes]:
    """Start the app and return once it answers its health check (the caller stops the process)."""
    proc = subprocess.Popen(
        command(port, address), env=environment(api_url), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace")[-2000:] if proc.stderr else ""
            raise RuntimeError(f"探索器启动失败 / The explorer exited with code {proc.returncode}: {err}")
        try:
            with urllib.request.urlopen(f"http://{address}:{port}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError(
        f"探索器未在 {timeout:.0f} 秒内就绪 / The explorer was not ready within {timeout:.0f} s"
    )


def run_foreground(port: int, api_url: str, address: str = "127.0.0.1") -> int:
    """`riskgraph explore`: serve until Ctrl-C or SIGTERM.

    The process becomes Streamlit (exec) rather than waiting on it as a child, so a SIGTERM sent to
    `riskgraph explore` reaches the server itself and never leaves an orphaned Streamlit behind."""
    cmd = command(port, address)
    os.execve(cmd[0], cmd, environment(api_url))
    return 0  # not reached
