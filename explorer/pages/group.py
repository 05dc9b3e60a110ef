"""Group customer view: members, aggregated exposure, and the concentration limits it is held against."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from explorer import ui
from explorer.graph_data import subgraph_from_api
from explorer.network_html import format_amount

st.header("集团 Group")
api = ui.client()
entity_id = ui.entity_picker("成员实体 Member entity")
group_id = st.text_input("或集团编号 or group id", key="rg_group_id").strip()
if not entity_id and not group_id:
    st.info("输入成员实体或集团编号。/ Enter a member entity or a group id.")
    st.stop()

res = ui.call(api.group, group_id) if group_id else ui.call(api.entity_group, entity_id)
if res is None:
    st.stop()
group = res.get("group") if isinstance(res.get("group"), dict) else res

st.subheader(f"{group.get('name') or group.get('group_id')} · {group.get('group_id', '')}")
m1, m2, m3 = st.columns(3)
members = group.get("members") or res.get("members") or []
m1.metric("成员 Members", group.get("size") or len(members))
m2.metric("合计敞口 Aggregated exposure", format_amount(group.get("exposure")) or "—")
m3.metric("控制人 Controller(s)", ", ".join(map(str, group.get("controller_ids") or [])) or "—")

limits = group.get("limits") or res.get("limits") or []
if limits:
    st.markdown("**集中度限额 Concentration limits**")
    df = pd.DataFrame(
        [
            {
                "limit": str(lim.get("name") or lim.get("limit") or lim.get("rule")),
                "敞口 exposure": float(lim.get("exposure") or 0),
                "上限 cap": float(lim.get("cap") or lim.get("limit_amount") or lim.get("threshold") or 0),
                "breached": bool(lim.get("breached")),
            }
            for lim in limits
        ]
    )
    st.bar_chart(df.set_index("limit")[["敞口 exposure", "上限 cap"]], stack=False, horizontal=True)
    st.dataframe(df, hide_index=True, width="stretch")
    if df["breached"].any():
        st.error("超限 Limit breached: " + ", ".join(df.loc[df["breached"], "limit"]))

if members:
    st.markdown("**成员 Members**")
    st.dataframe(
        [
            {k: m.get(k) for k in ("entity_id", "name", "exposure", "reason", "kind") if k in m}
            if isinstance(m, dict)
            else {"entity_id": m}
            for m in members
        ],
        hide_index=True,
        width="stretch",
    )
    member_exp = [
        (m.get("name") or m.get("entity_id"), float(m.get("exposure") or 0))
        for m in members
        if isinstance(m, dict) and m.get("exposure") is not None
    ]
    if member_exp:
        st.bar_chart(pd.DataFrame(member_exp, columns=["member", "exposure"]).set_index("member"))

if res.get("nodes"):
    ui.draw_network(subgraph_from_api(res), key="group", title=str(group.get("name") or ""), height=520)
