"""A small Chrome DevTools Protocol driver for Debian's headless Chromium.

Used by the browser tests, the draw benchmark, the README screenshots and the PDF fallback. It starts
/usr/bin/chromium (never a downloaded browser; `bench/explorer/ensure_chromium.sh` installs it) with a
fresh profile and background networking off, opens pages over CDP with `websocket-client`, and records
every network request a page makes so tests can prove nothing leaves localhost.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import websocket

CHROMIUM = "/usr/bin/chromium"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
    "--disable-default-apps",
    "--metrics-recording-only",
    "--mute-audio",
    "--hide-scrollbars",
)


class BrowserError(RuntimeError):
    pass


class Page:
    """One tab, driven over its own CDP websocket."""

    def __init__(self, ws_url: str, target_id: str) -> None:
        self.target_id = target_id
        self._ws = websocket.create_connection(
            ws_url, timeout=60, suppress_origin=True, enable_multithread=False
        )
        self._ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []

    # --- protocol ---
    def send(self, method: str, params: dict[str, Any] | None = None, timeout: float = 60) -> dict[str, Any]:
        msg_id = next(self._ids)
        self._ws.send(json.dumps({"id": msg_id, "method": method, "params": params or {}}))
        deadline = time.monotonic() + timeout
        while True:
            msg = self._recv(deadline)
            if msg.get("id") == msg_id:
                if "error" in msg:
                    raise BrowserError(f"{method}: {msg['error']}")
                return msg.get("result", {})

    def _recv(self, deadline: float) -> dict[str, Any]:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise BrowserError("timed out waiting for the browser")
        self._ws.settimeout(remaining)
        try:
            msg = json.loads(self._ws.recv())
        except websocket.WebSocketTimeoutException as exc:
            raise BrowserError("timed out waiting for the browser") from exc
        if "method" in msg:
            self.events.append(msg)
        return msg

    def wait_event(self, method: str, timeout: float = 60) -> dict[str, Any]:
        """The first recorded event of that name, waiting for it if none came yet."""
        for ev in self.events:
            if ev["method"] == method:
                return ev
        deadline = time.monotonic() + timeout
        while True:
            msg = self._recv(deadline)
            if msg.get("method") == method:
                return msg

    def pump(self, seconds: float) -> None:
        """Keep reading events for a while (network requests fired after load)."""
        deadline = time.monotonic() + seconds
        with contextlib.suppress(BrowserError):
            while time.monotonic() < deadline:
                self._recv(deadline)

    # --- conveniences ---
    def enable_network_log(self) -> None:
        self.send("Network.enable")

    def requested_urls(self) -> list[str]:
        return [
            ev["params"]["request"]["url"]
            for ev in self.events
            if ev["method"] == "Network.requestWillBeSent"
        ]

    def navigate(self, url: str, timeout: float = 60) -> None:
        self.send("Page.enable")
        self.events = [e for e in self.events if e["method"] != "Page.loadEventFired"]
        self.send("Page.navigate", {"url": url})
        self.wait_event("Page.loadEventFired", timeout)

    def evaluate(self, expression: str, timeout: float = 60) -> Any:
        res = self.send(
            "Runtime.evaluate",
            {
                "expression": expression,
                "returnByValue": True,
                "awaitPromise": True,
                "timeout": int(timeout * 1000),
            },
            timeout=timeout + 5,
        )
        if "exceptionDetails" in res:
            raise BrowserError(
                f"page script failed: {res['exceptionDetails'].get('text')} {res.get('result')}"
            )
        return res.get("result", {}).get("value")

    def wait_for(self, expression: str, timeout: float = 30, interval: float = 0.1) -> Any:
        """Poll a JS expression until it is truthy; its value."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            self.pump(interval)
        raise BrowserError(f"timed out waiting for: {expression}")

    def set_viewport(self, width: int, height: int) -> None:
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )

    def screenshot(self, path: Path, *, full_page: bool = False) -> Path:
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            params["captureBeyondViewport"] = True
        data = self.send("Page.captureScreenshot", params)["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path

    def print_pdf(self, path: Path) -> Path:
        data = self.send("Page.printToPDF", {"printBackground": True, "preferCSSPageSize": True})["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._ws.close()


class Browser:
    """A headless Chromium process with a fresh profile; stop() ends exactly that process."""

    def __init__(self, executable: str = CHROMIUM, window: tuple[int, int] = (1400, 900)) -> None:
        if not Path(executable).exists():
            raise BrowserError(
                f"找不到 Chromium：请运行 bench/explorer/ensure_chromium.sh。 / Chromium not found at {executable}: "
                "run bench/explorer/ensure_chromium.sh"
            )
        self.executable = executable
        self.window = window
        self.profile = Path(tempfile.mkdtemp(prefix="riskgraph-chromium-"))
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0

    def start(self, timeout: float = 30) -> Browser:
        self.proc = subprocess.Popen(
            [
                self.executable,
                *FLAGS,
                f"--user-data-dir={self.profile}",
                "--remote-debugging-port=0",
                "--remote-debugging-address=127.0.0.1",
                f"--window-size={self.window[0]},{self.window[1]}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port_file = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if port_file.exists() and port_file.read_text().strip():
                self.port = int(port_file.read_text().split()[0])
                return self
            if self.proc.poll() is not None:
                raise BrowserError(f"Chromium exited early with code {self.proc.returncode}")
            time.sleep(0.05)
        self.stop()
        raise BrowserError("Chromium did not open its DevTools port in time")

    def new_page(self, url: str = "about:blank") -> Page:
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}/json/new?{url}", method="PUT")
        with urllib.request.urlopen(req, timeout=10) as resp:
            info = json.loads(resp.read())
        return Page(info["webSocketDebuggerUrl"], info["id"])

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def browser(window: tuple[int, int] = (1400, 900)) -> Iterator[Browser]:
    with Browser(window=window) as b:
        yield b
