"""The running explorer (streamlit server) in headless Chromium against the real API: sign in, open the
network view, see vis-network draw it, click a node to expand it (the click reaches Python), check that
no request left the machine, and take the README screenshots."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from explorer import launcher
from explorer.headless import Browser
from riskgraph.neo4j_server import free_port
from tests.explorer.streamlit_driver import (
    NET_WIN,
    click_network_node,
    click_text,
    network_node_ids,
    type_into,
    wait_idle,
)

pytestmark = pytest.mark.neo4j
DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
LOCAL = (
    "http://127.0.0.1",
    "ws://127.0.0.1",
    "http://localhost",
    "ws://localhost",
    "data:",
    "blob:",
    "about:",
)


@pytest.fixture(scope="module")
def explorer_url(live_api):
    port = free_port()
    proc = launcher.start(port, live_api.url)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def shots(tmp_path) -> Path:
    """Where screenshots go: docs/img when RISKGRAPH_SAVE_SCREENSHOTS=1 (to refresh the README), else tmp."""
    return DOCS_IMG if os.environ.get("RISKGRAPH_SAVE_SCREENSHOTS") == "1" else tmp_path


def _signed_in(browser: Browser, url: str, key: str):
    page = browser.new_page()
    page.enable_network_log()
    page.set_viewport(1500, 1000)
    page.navigate(url)
    type_into(page, "用途编号 Purpose ref (loan / case no.)", "LOAN-2026-0042", enter=True)
    wait_idle(page)
    type_into(page, "API 密钥 API key", key, enter=False)
    click_text(page, "button", "登录 Sign in")
    page.wait_for("document.body.innerText.includes('已登录 Signed in')", timeout=60)
    return page


def test_network_view_draws_expands_on_click_and_stays_offline(browser, live_api, explorer_url, shots):
    page = _signed_in(browser, explorer_url, live_api.keys["examiner"])
    try:
        click_text(page, "[data-testid='stSidebarNav'] a", "关联网络 Network")
        type_into(page, "实体 Entity (C:… / P:…)", "C:APPLICANT")
        page.wait_for(f"((w) => w && w.rgTiming && w.rgTiming.stabilized !== null)({NET_WIN})", timeout=60)
        wait_idle(page)
        ids = set(network_node_ids(page))
        assert {"C:APPLICANT", "C:SISTER", "C:OUTSIDER", "P:BOSS"} <= ids and "C:LISTED" not in ids
        assert page.evaluate(f"{NET_WIN}.network.physics.physicsEnabled") is False
        page.evaluate("document.querySelector('iframe.rg-net').scrollIntoView({block: 'end'})")
        page.pump(0.3)
        page.screenshot(shots / "explorer-network.png")

        click_network_node(page, "C:OUTSIDER")  # default action on click: expand
        page.wait_for(
            f"((w) => w && w.network && w.network.body.data.nodes.get('C:LISTED') !== null)({NET_WIN})",
            timeout=60,
        )
        wait_idle(page)
        assert "C:LISTED" in network_node_ids(page)
        assert "已展开 Expanded: C:OUTSIDER" in page.evaluate("document.body.innerText")
        page.evaluate("document.querySelector('iframe.rg-net').scrollIntoView({block: 'end'})")
        page.pump(0.3)
        page.screenshot(shots / "explorer-network-expanded.png")

        page.pump(1.0)
        urls = page.requested_urls()
        assert urls, "no request recorded: the offline check would prove nothing"
        leaving = [u for u in urls if not u.startswith(LOCAL)]
        assert leaving == [], leaving
    finally:
        page.close()


def test_entity_card_in_the_browser(browser, live_api, explorer_url, shots):
    page = _signed_in(browser, explorer_url, live_api.keys["examiner"])
    try:
        click_text(page, "[data-testid='stSidebarNav'] a", "实体 Entity")
        type_into(page, "实体 Entity (C:… / P:…)", "C:APPLICANT")
        page.wait_for("document.body.innerText.includes('杭州甲科技有限公司')", timeout=60)
        # the card's body (tabs, provenance) renders after its heading: wait for it, not the skeleton
        page.wait_for("document.body.innerText.includes('条来源记录 source records')", timeout=60)
        wait_idle(page)
        text = page.evaluate("document.body.innerText")
        assert "杭州甲科技有限公司" in text and "{'" not in text
        # every placeholder gives way to its content (on a loaded machine a tab can take a moment)
        page.wait_for("document.querySelectorAll('[data-testid=\"stSkeleton\"]').length === 0", timeout=60)
        page.screenshot(shots / "explorer-entity.png")
        leaving = [u for u in page.requested_urls() if not u.startswith(LOCAL)]
        assert leaving == [], leaving
    finally:
        page.close()
