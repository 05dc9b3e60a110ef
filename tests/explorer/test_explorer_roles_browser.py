"""Every page, for every role that may see it, in headless Chromium against the real API and explorer
(one server pair for the module, one browser for the session): the menu holds exactly the role's
pages, each renders without a Streamlit exception, shows no Python structure or internal id text,
loads nothing from outside the machine, and is screenshotted. The group page runs no pre-loan
check; the ER review judges a pair that crosses two entities and splits an entity, in the browser.

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
def test_every_page_a_role_may_see_renders_cleanly(browser, live_api, explorer_url, shots, role):  # noqa: F811
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


def test_er_review_round_trip_in_the_browser(browser, live_api, explorer_url, shots, neo4j_driver):  # noqa: F811
    # a grey-zone pair across two entities: a record of P:WIFE that ER compared with one of P:BOSS
    neo4j_driver.execute_query(
        """
        MATCH (w:Person {entity_id: 'P:WIFE'})
        MERGE (s:SourceRecord {record_key: 'crm|persons|88'})
        SET s.source = 'crm', s.kind = 'persons', s.source_file = 'crm_persons.xlsx', s.source_row = 13,
            s.payload = '{"name": "王建國", "region": "杭州"}'
        MERGE (w)-[d:DERIVED_FROM]->(s)
        SET d.match_evidence = $ev
        """,
        ev=json.dumps(
            {
                "decision": "review",
                "pairs": [{"other": "test|persons|src-1", "decision": "review", "score": 0.7}],
            }
        ),
    )
    page = _signed_in(browser, explorer_url, live_api.keys["examiner"])
    try:
        click_text(page, NAV, TITLES["review"])
        _settle(page)
        # choose the cross-entity pair, judge it
        click_text(page, "[data-testid='stSelectbox'] div[data-baseweb='select']", "")
        click_text(page, "li[role='option']", "跨实体 two entities")
        _settle(page)
        text = page.evaluate("document.body.innerText")
        assert "P:WIFE" in text and "P:BOSS" in text  # both records, each with its own entity
        click_text(page, "button", "不同实体 Different")
        page.wait_for("document.body.innerText.includes('已记录判断 Judgement recorded')", timeout=60)
        _check_page(page, "examiner", "review-judged", shots)
        pairs = ApiClient(live_api.creds("examiner")).review_queue(limit=200)["pairs"]
        cross = next(p for p in pairs if "crm|persons|88" in (p["record_id_a"], p["record_id_b"]))
        assert [j["verdict"] for j in cross["judgements"]] == ["different"]
        # split P:BOSS: move one of its source records to a new entity
        click_text(page, "button[role='tab']", "拆分实体 Split an entity")
        _settle(page)
        type_into(page, "实体 Entity (C:… / P:…)", "P:BOSS")
        _settle(page)
        click_text(page, "[data-testid='stMultiSelect'] div[data-baseweb='select']", "")
        click_text(page, "li[role='option']", "crm_persons.xlsx")
        page.send("Input.dispatchKeyEvent", {"type": "keyDown", "key": "Escape", "code": "Escape"})
        _settle(page)
        click_text(page, "button", "拆分 Split")
        page.wait_for("document.body.innerText.includes('已记录拆分 Split recorded')", timeout=60)
        _check_page(page, "examiner", "review-split", shots)
    finally:
        page.close()
    splits = neo4j_driver.execute_query(
        "MATCH (j:ReviewJudgement {kind: 'split', entity_id: 'P:BOSS'}) RETURN j.parts AS p"
    ).records
    assert splits and "crm|persons|77" in splits[-1]["p"]
