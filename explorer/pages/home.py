"""Shown to a signed-in user whose roles may use none of the explorer's pages (e.g. an auditor)."""

from __future__ import annotations

import streamlit as st

from explorer import ui

st.header("riskgraph 关联图谱")
ui.client()
who = st.session_state.get("rg_whoami") or {}
st.info(
    "当前角色没有可用的浏览页面（角色："
    + (", ".join(who.get("roles") or []) or "—")
    + "）。审计人员请使用审计接口。/ None of the explorer's pages is open to your roles; auditors use the "
    "audit endpoints."
)
