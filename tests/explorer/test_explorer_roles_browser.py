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
from tests.explorer.streamlit_driver import choose_option, click_text, type_into, wait_idle
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
            if name == "search":  # a query, so the hits and their paged total are on the page too
                type_into(
                    page, "名称、统一社会信用代码、身份证号或编号 Name, USCC, resident ID or id", "杭州"
                )
                page.wait_for("document.body.innerText.includes('结果 results 1–')", timeout=60)
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


# --- the ER review round trip: a pair across two entities judged, an entity split -------------------

CROSS_KEY = "crm|persons|91"


@pytest.fixture
def cross_entity_pair(live_api, neo4j_driver):
    """A grey-zone pair whose records belong to two entities: a CRM row under P:WIFE that entity
    resolution found close to P:BOSS's own row; removed again, with the judgements made on it."""
    evidence = {
        "decision": "review",
        "pairs": [{"other": "test|persons|src-1", "decision": "review", "score": 0.77, "rule": None}],
        "steps": [{"comparison": "phone", "level": "exact", "weight": 8.1}],
    }
    neo4j_driver.execute_query(
        "MATCH (w:Person {entity_id: 'P:WIFE'}) "
        "CREATE (w)-[:DERIVED_FROM {match_evidence: $ev}]->(:SourceRecord {record_key: $key, source: 'crm', "
        "kind: 'persons', source_record_id: '91', batch_id: 'B3', source_file: 'crm_persons.xlsx', "
        "source_row: 31, payload: $payload})",
        ev=json.dumps(evidence),
        key=CROSS_KEY,
        payload=json.dumps({"name": "李秀兰", "phone": "139****5678"}, ensure_ascii=False),
    )
    yield (CROSS_KEY, "test|persons|src-1")  # in the queue's (a, b) order
    neo4j_driver.execute_query(
        "MATCH (s:SourceRecord {record_key: $key}) OPTIONAL MATCH (j:ReviewJudgement)-[:JUDGES]->(s) "
        "DETACH DELETE j, s",
        key=CROSS_KEY,
    )
    neo4j_driver.execute_query(
        "MATCH (j:ReviewJudgement {kind: 'split', entity_id: 'P:BOSS', reviewer: 'explorer-examiner'}) "
        "DETACH DELETE j"
    )


def test_er_review_round_trip_in_the_browser(browser, live_api, explorer_url, shots, cross_entity_pair):  # noqa: F811
    """An examiner links to a pair across two entities, judges it 'different', then splits P:BOSS:
    the API holds both judgements afterwards and the page says so, without an exception."""
    api = ApiClient(live_api.creds("examiner"))
    a, b = cross_entity_pair
    pair = next(p for p in api.review_queue()["pairs"] if (p["record_id_a"], p["record_id_b"]) == (a, b))
    assert pair["record_a"]["entity_id"] != pair["record_b"]["entity_id"]  # two entities
    page = _signed_in(browser, explorer_url, live_api.keys["examiner"])
    try:
        click_text(page, NAV, TITLES["review"])
        _settle(page)
        choose_option(page, "待复核记录对 Record pair", "跨实体")
        page.wait_for("document.body.innerText.includes('crm_persons.xlsx row 31')", timeout=60)
        type_into(page, "意见 Note", "different people: wife's CRM row", enter=True)
        _settle(page)
        click_text(page, "button", "不同实体 Different")
        page.wait_for("document.body.innerText.includes('已记录判断 Judgement recorded')", timeout=60)
        _settle(page)
        _check_page(page, "examiner", "review-judged", shots)
        judged = api.get("/v1/review/judgements", kind="pair")["judgements"]
        assert [
            j
            for j in judged
            if (j["record_id_a"], j["record_id_b"]) == (a, b)
            and j["verdict"] == "different"
            and j["reviewer"] == "explorer-examiner"
        ]

        splits_before = len(api.get("/v1/review/judgements", kind="split")["judgements"])
        click_text(page, "[role='tab']", "拆分实体 Split an entity")
        type_into(page, "实体 Entity (C:… / P:…)", "P:BOSS")
        _settle(page)
        choose_option(page, "移入新实体的记录 Records for the new entity", "crm_persons.xlsx")
        _settle(page)
        type_into(page, "理由 Reason", "two people under one name", enter=True)
        _settle(page)
        click_text(page, "button", "拆分 Split")
        page.wait_for("document.body.innerText.includes('已记录拆分 Split recorded')", timeout=60)
        _settle(page)
        _check_page(page, "examiner", "review-split", shots)
        splits = api.get("/v1/review/judgements", kind="split")["judgements"]
        assert len(splits) == splits_before + 1
        done = next(
            j for j in splits if j["entity_id"] == "P:BOSS" and j["note"] == "two people under one name"
        )
        assert sorted(map(sorted, done["parts"])) == [["crm|persons|77"], ["test|persons|src-1"]]

        total = api.judgements()["page"]["total"]
        assert total >= 2
        click_text(page, "[role='tab']", "已有判断 Judgements made")
        page.wait_for(
            f"document.body.innerText.includes('判断 judgements 1–{min(total, 20)} / {total}')", timeout=60
        )
        _settle(page)
        _check_page(page, "examiner", "review-judgements", shots)
    finally:
        page.close()
