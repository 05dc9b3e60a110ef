"""Alert queue with triage: confirm or dismiss each alert with a comment (written to the API, audited)."""

from __future__ import annotations

import json

import streamlit as st

from explorer import ui

#: the dataframe shows plain text: the Markdown escapes of the API's texts are dropped there
_UNESCAPE = str.maketrans({"\\": None})

st.header("预警 Alerts")
api = ui.client()
if st.session_state.get("rg_triaged"):
    aid, dec = st.session_state["rg_triaged"]
    st.success(f"已处理 Triaged {aid}: {dec}")
c1, c2, c3 = st.columns(3)
status = c1.selectbox("状态 Status", ["open", "confirmed", "dismissed", ""], key="rg_alert_status")
severity = c2.selectbox("级别 Severity", ["", "critical", "high", "medium", "low"], key="rg_alert_sev")
rule = c3.text_input("规则 Rule id", key="rg_alert_rule")
res = ui.call(api.alerts, status=status or None, severity=severity or None, rule_id=rule or None, limit=100)
if res is None:
    st.stop()
items = res.get("alerts") or []
st.caption(f"{len(items)} 条预警 alerts")
if not items:
    st.info("队列为空 The queue is empty.")
    st.stop()
st.dataframe(
    [
        {
            "alert_id": a.get("alert_id"),
            "rule": (a.get("title") or {}).get("zh") or a.get("rule_id"),
            "severity": a.get("severity"),
            "status": a.get("status"),
            # the API's rendered text (names beside ids, Markdown-escaped): shown as text here
            "message": ((a.get("message") or {}).get("zh") or a.get("explanation_zh") or "").replace(
                "\\", ""
            ),
        }
        for a in items
    ],
    hide_index=True,
    width="stretch",
)
ids = [a["alert_id"] for a in items]
chosen = st.selectbox("处理 Triage alert", ids, key="rg_alert_pick")
alert = items[ids.index(chosen)]
title = alert.get("title") or {"zh": alert.get("rule_id"), "en": ""}
st.markdown(f"**{title['zh']} {title['en']}** · {alert.get('severity')} · {alert.get('status')}")
msg = alert.get("message") or {"zh": alert.get("explanation_zh", ""), "en": alert.get("explanation_en", "")}
st.markdown(f"{msg['zh']}  \n{msg['en']}")  # rendered by the API, Markdown-safe
if alert.get("evidence"):
    with st.expander("证据 Evidence"):
        ev = alert["evidence"]
        st.json(json.loads(ev) if isinstance(ev, str) else ev)
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
