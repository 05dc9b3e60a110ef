"""`riskgraph explore` starts the Streamlit explorer and serves it until stopped."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request

from riskgraph.neo4j_server import free_port


def test_riskgraph_explore_serves_the_app():
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "riskgraph",
            "explore",
            "--port",
            str(port),
            "--api-url",
            "http://127.0.0.1:9",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 90
        body = b""
        while time.monotonic() < deadline:
            assert proc.poll() is None, proc.stdout.read().decode(errors="replace") if proc.stdout else ""
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                    body = r.read()
                    break
            except OSError:
                time.sleep(0.3)
        assert body == b"ok"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
            assert r.status == 200 and b"<html" in r.read().lower()
    finally:
        proc.terminate()
        proc.wait(20)
