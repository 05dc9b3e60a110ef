"""AppTest of the working pages against the real API: ownership, group limits, circles, alert triage,
supervisor dashboard, ER review, the pre-loan check and the loan-file report. Each test compares what
the page shows with what the API answers to the same user, plus the facts the fixture graph fixes."""

from __future__ import annotations

import pypdf
import pytest

from explorer.api_client import ApiClient
from tests.explorer.test_explorer_pages_investigate import texts

pytestmark = pytest.mark.neo4j


def _api(live_api, who):
    return ApiClient(live_api.creds(who))


def test_ownership_shows_beneficial_owners_controller_and_tree(app_as, live_api):
    at = app_as("examiner", "ownership", rg_entity="C:APPLICANT")
    assert not at.exception
    answer = _api(live_api, "examiner").ownership("C:APPLICANT")
    owners = at.dataframe[0].value
    assert list(owners["编号 id"]) == [o["person"] for o in answer["beneficial_owners"]["owners"]]
    assert "P:BOSS" in list(owners["编号 id"])  # 60 % ≥ 25 %
    assert "60%" in list(owners["综合持股 integrated share"])
    assert "王建国 —60%→ C:APPLICANT" in owners["股权路径 chains"].iloc[0]
    assert "实际控制人" in texts(at) and "majority" in texts(at)


@pytest.mark.parametrize("who", ["examiner", "supervisor", "approver"])
def test_group_page_shows_members_and_limits_without_a_check(app_as, live_api, with_profiles, who):
    checks_before = live_api.audit_log.read_text(encoding="utf-8").count("/v1/checks/pre-loan")
    at = app_as(who, "group", rg_entity="C:SISTER")
    assert not at.exception
    assert "王建国系" in texts(at) and "G:BOSS" in texts(at) and "无权" not in texts(at)
    answer = _api(live_api, who).entity_group("C:SISTER")
    members = at.dataframe[0].value
    assert (
        set(members["编号 id"]) == {"C:APPLICANT", "C:SISTER"} == {m["entity_id"] for m in answer["members"]}
    )
    limits = at.dataframe[1].value
    assert list(limits["限额 limit"]) == [lim["name"] for lim in answer["limits"]] and len(limits)
    assert len(at.get("vega_lite_chart")) >= 1  # the bar chart against the limits
    log = live_api.audit_log.read_text(encoding="utf-8")
    assert "/v1/entities/C:SISTER/group" in log or "C%3ASISTER/group" in log  # the visit is audited …
    assert log.count("/v1/checks/pre-loan") == checks_before  # … and is no pre-loan check


def test_circle_browser_lists_and_draws_the_circle(app_as, live_api):
    at = app_as("examiner", "circles")
    assert not at.exception
    listed = at.dataframe[0].value
    api_circles = _api(live_api, "examiner").circles(limit=200)["circles"]
    assert set(listed["担保圈 circle"]) == {c["circle_id"] for c in api_circles} == {"GC-1"}
    assert listed["规模 size"].iloc[0] == 3 and listed["圈内担保 guaranteed inside"].iloc[0] == "7700万"
    assert "C:APPLICANT → C:SISTER → C:APPLICANT" in texts(at)
    assert "C:OUTSIDER" not in texts(at)  # guarantees the applicant but is not in the circle


def test_alert_triage_needs_a_comment_then_confirms(app_as, live_api):
    at = app_as("examiner", "alerts")
    assert not at.exception
    shown = at.dataframe[0].value
    api_open = _api(live_api, "examiner").alerts(status="open", limit=200)["alerts"]
    assert list(shown["编号 alert"]) == [a["alert_id"] for a in api_open]  # the API's order: worst first
    n = len(api_open)  # the shared page bar: span, total, order
    assert f"预警 alerts 1–{n} / {n}（共 {n} total） · 最严重、最新在前 worst and newest first" in texts(at)
    target = next(a["alert_id"] for a in api_open if a["rule_id"] == "guarantee.circle")
    at.selectbox(key="rg_alert_pick").select(target).run()
    at.button(key="rg_alert_confirm").click().run()
    assert "请填写意见" in texts(at)  # refused without a comment
    assert _api(live_api, "examiner").alerts(status="open", limit=200)["alerts"] == api_open
    at.text_area(key="rg_alert_comment").input("已核实 verified with the branch").run()
    at.button(key="rg_alert_confirm").click().run()
    assert not at.exception
    assert f"已处理 Triaged {target}: confirmed" in texts(at)
    confirmed = _api(live_api, "examiner").alerts(status="confirmed", limit=200)["alerts"]
    assert target in [a["alert_id"] for a in confirmed]
    assert not at.dataframe or target not in list(at.dataframe[0].value["编号 alert"])  # left the open queue


def test_approver_may_read_alerts_but_is_offered_no_triage(app_as, live_api):
    at = app_as("approver", "alerts", rg_alert_status="dismissed")
    assert not at.exception
    target = at.dataframe[0].value["编号 alert"].iloc[0]
    assert target in [a["alert_id"] for a in _api(live_api, "examiner").alerts(status="dismissed")["alerts"]]
    assert not [b for b in at.button if b.key in ("rg_alert_confirm", "rg_alert_dismiss")]
    assert not at.text_area and "无权" not in texts(at)


def test_supervisor_sees_the_spread_since_a_date(app_as, live_api):
    import datetime as dt

    at = app_as("supervisor", "supervisor", rg_since=dt.date(2026, 10, 1))
    assert not at.exception
    spread = _api(live_api, "supervisor").blacklist_spread("2026-10-01")
    reached = at.dataframe[0].value
    assert list(reached["编号 id"]) == [r["entity_id"] for r in spread["newly_reached"]]
    assert set(reached["编号 id"]) == {"C:OUTSIDER", "C:APPLICANT"}  # the October listing's reach
    assert "R-CONT-0" in texts(at)  # compared with the September run
    assert len(at.get("vega_lite_chart")) >= 1  # trend over the contagion runs
    runs = at.dataframe[2].value if len(at.dataframe) > 2 else at.dataframe[-1].value
    assert {"R-CONT-0", "R-CONT-1", "R-CIRCLE-1"} <= set(runs["run_id"])


def test_er_review_judges_a_pair_side_by_side(app_as, live_api):
    at = app_as("examiner", "review")
    assert not at.exception
    assert "王建国" in str(at.selectbox(key="rg_pair_pick").options)
    fields = at.dataframe[0].value  # both records, field by field
    name = fields[fields["字段 field"] == "name"].iloc[0]
    assert {name["记录 A"], name["记录 B"]} == {"王建國", "王建国"} and name["比较 compare"] == "不同 differs"
    evidence = at.dataframe[1].value  # the per-field ER evidence
    assert "name" in list(evidence["字段 field"])
    at.text_input(key="rg_pair_note").input("same ID, traditional name").run()
    at.button(key="rg_pair_same").click().run()
    assert not at.exception
    assert "已记录判断 Judgement recorded" in texts(at) and "same" in texts(at)
    pairs = _api(live_api, "examiner").review_queue()["pairs"]
    assert any(j["verdict"] == "same" for p in pairs for j in p["judgements"])


def test_er_review_for_an_admin_judges_but_offers_no_split(app_as):
    at = app_as("admin", "review")
    assert not at.exception
    assert at.button(key="rg_pair_diff") is not None
    assert "拆分实体 Split an entity" not in [t.label for t in at.tabs]


def test_er_review_splits_an_entity(app_as, live_api):
    at = app_as("examiner", "review", rg_entity="P:BOSS")
    at.multiselect(key="rg_split_records").set_value(["crm|persons|77"]).run()
    at.text_input(key="rg_split_note").input("different people").run()
    at.button(key="rg_split_go").click().run()
    assert not at.exception
    assert "已记录拆分 Split recorded" in texts(at)


def test_entity_pre_loan_check_and_report(app_as, live_api, tmp_path, chromium_installed):
    """(``chromium_installed`` also brings the CJK font the PDF's Chinese text is drawn in.)"""
    at = app_as("all", "entity", rg_entity="C:APPLICANT")
    assert not at.exception
    at.number_input(key="rg_check_amount").set_value(1e7).run()
    at.button(key="rg_run_check").click().run()
    assert not at.exception
    check = at.session_state["rg_check"][1]
    assert check is not None, [e.value for e in at.error] + [w.value for w in at.warning]
    again = _api(live_api, "all").preloan_check(
        {"entity_id": "C:APPLICANT"}, application_ref="EXPLORER-TEST-1", requested_amount=1e7
    )
    assert check["check_id"] == again["check_id"]  # same inputs, same data: the same check
    assert f"结论 Verdict: {again['verdict']}" in texts(at)
    assert "guarantee_circle" in texts(at)
    at.number_input(key="rg_rep_amt").set_value(1e7).run()
    at.button(key="rg_build_report").click().run()
    assert not at.exception
    _, (html_bytes, html_name), (pdf, pdf_name) = at.session_state["rg_report"]
    html = html_bytes.decode("utf-8")  # made by the API from the same check
    assert html_name.endswith(".html") and pdf_name.endswith(".pdf")
    assert "杭州甲科技有限公司" in html and "EXPLORER-TEST-1" in html
    assert again["verdict_text"]["zh"] in html and again["summary"]["zh"].split("：")[0] in html
    assert "最短回路" in html and "王建国系" in html and "王建国（P:BOSS）" in html  # circle, group, owner
    assert "单一客户贷款" in html  # the limits of the check, named
    out = tmp_path / "r.pdf"
    out.write_bytes(pdf)
    text = "".join(p.extract_text() for p in pypdf.PdfReader(out).pages)
    assert "杭州甲科技有限公司" in text and "关联风险报告" in text
