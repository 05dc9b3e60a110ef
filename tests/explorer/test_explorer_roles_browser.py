"""Every page, for every role that may see it, in headless Chromium against the real API and explorer
(one server pair for the module, one browser for the session): the menu holds exactly the role's
pages, each renders without a Streamlit exception, shows no Python structure or internal id text,
loads nothing from outside the machine, and is screenshotted. The group page runs no pre-loan
check (the audit log holds no check request after every role's visits).

``RISKGRAPH_SAVE_SCREENSHOTS=1`` writes the screenshots to docs/img (the README's pictures)."""

from __future__ import annotations

import json

import pytest

from explorer import access
from explorer.api_client import ApiClient
from tests.explorer.streamlit_driver import click_text, type_into, wait_idle
from tests.explorer.test_explorer_app_browser import LOCAL, _signed_in
from tests.explorer.test_explorer_app_browser import explorer_url as explorer_url  # noqa: F401
from tests.explorer.test_explorer_app_browser import shots as shots  # noqa: F401

pytestmark = pytest.mark.neo4j

TITLES = {
    "search": "搜索 Search",
    "entity": "实体 Entity",
    "network": "关联网络 Network",
    "ownership": "股权控制 Ownership",
    "group": "集团 Group",
    "circles": "担保圈 Guarantee circles",
    "alerts": "预警 Alerts",
    "supervisor": "监管 Supervisor",
    "review": "实体复核 ER review",
}
ROLES = ("examiner", "approver", "supervisor", "admin", "auditor")
RAW = ("{'", "['", "P:P-")
NAV = "[data-testid='stSidebarNav'] a"


def _settle(page) -> None:
    wait_idle(page)
    page.pump(0.8)
    wait_idle(page)


def _check_page(page, role: str, name: str, shots) -> None:
    assert not page.evaluate("document.querySelectorAll('[data-testid=\"stException\"]').length"), (
        role,
        name,
    )
    text = page.evaluate("document.body.innerText")
    assert not [r for r in RAW if r in text], (
        role,
        name,
        [text[text.index(r) - 60 : text.index(r) + 60] for r in RAW if r in text],
    )
    page.screenshot(shots / f"explorer-{role}-{name}.png")


@pytest.mark.parametrize("role", ROLES)
def test_every_page_a_role_may_see_renders_cleanly(
    browser,
    live_api,
    explorer_url,  # noqa: F811
    shots,  # noqa: F811
    with_profiles,
    role,
):
    expected = access.visible_pages(ApiClient(live_api.creds(role)).whoami())
    checks_before = live_api.audit_log.read_text(encoding="utf-8").count("/v1/checks/pre-loan")
    page = _signed_in(browser, explorer_url, live_api.keys[role])
    try:
        _settle(page)
        menu = page.evaluate(
            f"[...document.querySelectorAll({json.dumps(NAV)})].map(a => a.textContent.trim())"
        )
        assert sorted(m for m in menu if m in TITLES.values()) == sorted(TITLES[p] for p in expected), menu
        if not expected:  # an auditor: one page saying so
            assert "没有可用的浏览页面" in page.evaluate("document.body.innerText")
            _check_page(page, role, "home", shots)
        if "entity" in expected:  # the entity in focus, which the other pages then show
            click_text(page, NAV, TITLES["entity"])
            _settle(page)
            type_into(page, "实体 Entity (C:… / P:…)", "C:APPLICANT")
            page.wait_for("document.body.innerText.includes('杭州甲科技有限公司')", timeout=60)
        for name in expected:
            click_text(page, NAV, TITLES[name])
            _settle(page)
            if name == "network":
                page.wait_for(
                    "((f) => f && f.contentWindow.rgTiming && f.contentWindow.rgTiming.stabilized !== null)"
                    "(document.querySelector('iframe.rg-net'))",
                    timeout=60,
                )
            _check_page(page, role, name, shots)
        page.pump(0.5)
        urls = page.requested_urls()
        assert urls and [u for u in urls if not u.startswith(LOCAL)] == []
    finally:
        page.close()
    # the group page (visited above by every investigating role) ran no pre-loan check
    assert live_api.audit_log.read_text(encoding="utf-8").count("/v1/checks/pre-loan") == checks_before
