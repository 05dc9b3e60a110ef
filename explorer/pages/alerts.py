"""Alert queue, worst first (severity, then the newest — the API's order), paged with the total,
filtered by rule, status, severity and branch; triage (confirm / dismiss with a comment) for the
roles that may."""

from __future__ import annotations

import json

import streamlit as st

from explorer import ui

#: the dataframe shows plain text: the Markdown escapes of the API's texts are dropped there
_UNESCAPE = str.maketrans({"\\": None})
PAGE_SIZE = 50
SEVERITY_ZH = {"critical": "严重 critical", "high": "高 high", "medium": "中 medium", "low": "低 low"}


def _plain(alert: dict) -> str:
    """The alert's rendered Chinese text without its Markdown escapes (a dataframe shows plain text)."""
    text = (alert.get("message") or {}).get("zh") or alert.get("explanation_zh") or ""
    return str(text).translate(_UNESCAPE)


st.header("预警 Alerts")
api = ui.client("alerts")
if st.session_state.get("rg_triaged"):
    aid, dec = st.session_state["rg_triaged"]
    st.success(f"已处理 Triaged {aid}: {dec}")
c1, c2, c3, c4 = st.columns(4)
status = c1.selectbox("状态 Status", ["open", "confirmed", "dismissed", ""], key="rg_alert_status")
severity = c2.selectbox(
    "级别 Severity",
    ["", *SEVERITY_ZH],
    format_func=lambda s: SEVERITY_ZH.get(s, "全部 all"),
    key="rg_alert_sev",
)
rule = c3.text_input("规则 Rule id", key="rg_alert_rule").strip()
branch = c4.text_input("支行 Branch", key="rg_alert_branch").strip()
cursors = ui.page_cursors("rg_alert", (status, severity, rule, branch))
res = ui.call(
    api.alerts,
    status=status or None,
    severity=severity or None,
    rule_id=rule or None,
    branch=branch or None,
    limit=PAGE_SIZE,
    cursor=cursors[-1],
)
if res is None:
    st.stop()
items = res.get("alerts") or []
if not items:
    st.info("队列为空 The queue is empty.")
    st.stop()
ui.page_bar(
    "rg_alert",
    cursors,
    res.get("page") or {},
    len(items),
    "预警 alerts",
    "最严重、最新在前 worst and newest first",
)
st.dataframe(
    [
        {
            "级别 severity": SEVERITY_ZH.get(a.get("severity") or "", a.get("severity")),
            "规则 rule": (a.get("title") or {}).get("zh") or a.get("rule_id"),
            "状态 status": a.get("status"),
            # the API's rendered text (names beside ids, Markdown-escaped): shown as plain text here
            "说明 explanation": _plain(a),
            "时间 updated": str(a.get("updated_at") or a.get("created_at") or "")[:19],
            "编号 alert": a.get("alert_id"),
        }
        for a in items
    ],
    hide_index=True,
    width="stretch",
)
ids = [a["alert_id"] for a in items]
labels = {a["alert_id"]: f"{a.get('severity')} · {a.get('rule_id')} · {_plain(a)[:50]}" for a in items}
chosen = st.selectbox("查看 Alert", ids, format_func=ui.labelled(labels), key="rg_alert_pick")
alert = items[ids.index(chosen)]
title = alert.get("title") or {"zh": alert.get("rule_id"), "en": ""}
st.markdown(f"**{title['zh']} {title['en']}** · {alert.get('severity')} · {alert.get('status')}")
msg = alert.get("message") or {"zh": alert.get("explanation_zh", ""), "en": alert.get("explanation_en", "")}
st.markdown(f"{msg['zh']}  \n{msg['en']}")  # rendered by the API, Markdown-safe
if alert.get("evidence"):
    with st.expander("证据 Evidence"):
        ev = alert["evidence"]
        st.json(json.loads(ev) if isinstance(ev, str) else ev)
if ui.may("alerts", "triage"):
    comment = st.text_area("意见 Comment (required)", key="rg_alert_comment")
    b1, b2 = st.columns(2)
    decision = None
    if b1.button("确认 Confirm", key="rg_alert_confirm"):
        decision = "confirmed"
    if b2.button("排除 Dismiss", key="rg_alert_dismiss"):
        decision = "dismissed"
    if decision:
        if not comment.strip():
            st.warning("请填写意见。/ A comment is required.")
        else:
            done = ui.call(api.triage, chosen, decision, comment.strip())
            if done is not None:
                st.session_state["rg_triaged"] = (chosen, decision)
                st.rerun()
