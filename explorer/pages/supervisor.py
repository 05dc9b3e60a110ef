"""Supervisor dashboard: blacklist spread since a date (trend chart, newly reached entities as a list and
a graph, date slider) and the history of rule runs."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from explorer import ui
from explorer.graph_data import subgraph_from_api

st.header("监管 Supervisor dashboard")
api = ui.client()
today = dt.date.today()
since = st.slider(
    "自 Since",
    min_value=today - dt.timedelta(days=730),
    max_value=today,
    value=today - dt.timedelta(days=90),
    format="YYYY-MM-DD",
    key="rg_since",
)
tab_spread, tab_runs = st.tabs(["名单扩散 Blacklist spread", "规则运行 Rule runs"])
with tab_spread:
    res = ui.call(api.blacklist_spread, since.isoformat())
    if res is not None:
        reached = res.get("newly_reached") or res.get("items") or res.get("entities") or []
        timeline = res.get("timeline") or res.get("series") or []
        m1, m2 = st.columns(2)
        m1.metric("新增可达实体 Newly reached", len(reached))
        m2.metric(
            "新增名单 New listings", res.get("new_listings") if res.get("new_listings") is not None else "—"
        )
        if timeline:
            df = pd.DataFrame(timeline)
            date_col = next((c for c in ("date", "day", "week", "month") if c in df.columns), df.columns[0])
            st.line_chart(df.set_index(date_col))
        if reached:
            st.dataframe(reached, hide_index=True, width="stretch")
        else:
            st.info("此期间无新增可达实体 Nothing newly within reach since that date.")
        if res.get("nodes"):
            ui.draw_network(subgraph_from_api(res), key="spread", title=f"自 since {since}", height=560)
with tab_runs:
    runs = ui.call(api.rule_runs, limit=100)
    if runs is not None:
        items = runs.get("items") or runs.get("runs") or runs.get("results") or []
        if not items:
            st.info("无运行记录 No rule runs yet.")
        else:
            st.dataframe(items, hide_index=True, width="stretch")
            df = pd.DataFrame(items)
            if {"started_at", "duration_ms"} <= set(df.columns):
                st.bar_chart(df.set_index("started_at")["duration_ms"])
