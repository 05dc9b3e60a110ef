"""Ownership and control: the shareholding tree above an entity with the percentage on every link,
integrated (indirect) shares and the beneficial owners the API identified, each with its chain."""

from __future__ import annotations

import streamlit as st

from explorer import ui
from explorer.graph_data import mark_path, subgraph_from_api
from explorer.network_html import format_pct

st.header("股权控制 Ownership and control")
api = ui.client()
entity_id = ui.entity_picker()
if not entity_id:
    st.info("输入编号或从搜索页选择实体。/ Enter an id or pick one on the search page.")
    st.stop()

res = ui.call(api.ownership, entity_id)
if res is None:
    st.stop()

owners = res.get("beneficial_owners") or []
st.subheader("受益所有人 Beneficial owners")
if not owners:
    st.info(
        "未识别受益所有人 No beneficial owner identified."
        + (f" {res.get('fallback_reason', '')}" if res.get("fallback_reason") else "")
    )
else:
    rows = []
    for o in owners:
        share = o.get("share")
        rows.append(
            {
                "受益所有人 owner": o.get("name") or o.get("entity_id"),
                "编号 id": o.get("entity_id"),
                "综合持股 integrated share": format_pct(share, fraction=True) if share is not None else "",
                "依据 basis": o.get("basis") or o.get("reason"),
                "路径 chains": " | ".join(
                    " → ".join(p) if isinstance(p, list) else str(p)
                    for p in (o.get("paths") or o.get("chains") or [])
                ),
            }
        )
    st.dataframe(rows, hide_index=True, width="stretch")

controllers = res.get("controllers") or ([res["controller"]] if res.get("controller") else [])
if controllers:
    st.markdown(
        "**实际控制人 Controller(s):** "
        + ", ".join(
            str(c.get("name") or c.get("entity_id")) if isinstance(c, dict) else str(c) for c in controllers
        )
    )

st.subheader("股权结构 Shareholding tree")
sg = subgraph_from_api(res, center=entity_id)
if not sg.nodes:
    st.info("无股东信息 No shareholders on record.")
else:
    chain_ids: list[str] = []
    if owners:
        first = (owners[0].get("paths") or owners[0].get("chains") or [[]])[0]
        chain_ids = first if isinstance(first, list) else []
    if chain_ids:
        sg = mark_path(sg, chain_ids)
    ui.draw_network(
        sg, key="ownership", title=f"{entity_id} 股权结构 ownership", hierarchical=True, height=560
    )
    st.dataframe(
        [
            {
                "股东 holder": sg.node(e.source).name if sg.node(e.source) else e.source,
                "被投资 company": sg.node(e.target).name if sg.node(e.target) else e.target,
                "持股 %": e.props.get("pct"),
                "类型 type": e.type,
            }
            for e in sg.edges
        ],
        hide_index=True,
        width="stretch",
    )
