"""Ownership and control (股权穿透): the shareholding tree above an entity with the percentage on every
link, integrated (indirect) shares, the actual controller with its chain, and the beneficial owners."""

from __future__ import annotations

import streamlit as st

from explorer import ui
from explorer.graph_data import subgraph_from_ownership
from explorer.network_html import format_pct

st.header("股权控制 Ownership and control")
api = ui.client("ownership")
entity_id = ui.entity_picker()
if not entity_id:
    st.info("输入编号或从搜索页选择实体。/ Enter an id or pick one on the search page.")
    st.stop()
max_hops = st.slider("穿透层数 Layers", 1, 10, 6, key="rg_own_hops")
res = ui.call(api.ownership, entity_id, max_hops=max_hops)
if res is None:
    st.stop()
if res.get("truncated"):
    st.warning(
        f"股权结构超过 {max_hops} 层或规模上限，已截断 The structure was truncated at {max_hops} layers or the size cap."
    )

names = {h["holder"]: h.get("name") for h in res.get("direct_holders") or [] if h.get("name")}
bo = res.get("beneficial_owners") or {}
owners = bo.get("owners") or []
st.subheader("受益所有人 Beneficial owners")
if not owners:
    st.info(f"未识别受益所有人 No beneficial owner identified (basis: {bo.get('basis', 'none')}).")
else:
    st.caption(
        f"认定依据 Basis: {bo.get('basis')} · 阈值 threshold {bo.get('comparison', '')} {bo.get('threshold', '')}%"
    )
    rows = []
    for o in owners:
        chains = []
        for p in o.get("paths") or []:
            nodes, pcts = p.get("nodes") or [], p.get("pcts") or []
            text = "".join(
                f"{names.get(n, n)} —{format_pct(pcts[i]) if i < len(pcts) else ''}→ "
                for i, n in enumerate(nodes[:-1])
            )
            chains.append(
                f"{text}{names.get(nodes[-1], nodes[-1]) if nodes else ''} (= {format_pct(p.get('product'))})"
            )
        rows.append(
            {
                "受益所有人 owner": names.get(o["person"], o["person"]),
                "编号 id": o["person"],
                "综合持股 integrated share": format_pct(o.get("share_pct")),
                "依据 basis": o.get("basis"),
                "职务 role": o.get("role") or "",
                "股权路径 chains": " | ".join(chains),
            }
        )
    st.dataframe(rows, hide_index=True, width="stretch")

ctl = res.get("controller")
if ctl:
    st.markdown(
        f"**实际控制人 Actual controller:** {', '.join(names.get(c, c) for c in ctl.get('controller') or [])} · 依据 basis `{ctl.get('basis')}`"
    )
    for link in ctl.get("chain") or []:
        st.caption(
            f"{', '.join(link.get('controller') or [])} → {link.get('company')}: {link.get('basis')} · votes {format_pct(link.get('votes'))}"
        )
else:
    st.caption("未认定实际控制人 No actual controller identified.")

if res.get("integrated"):
    with st.expander("综合持股 Integrated shares (all layers)"):
        st.dataframe(
            [
                {
                    "股东 holder": names.get(i["holder"], i["holder"]),
                    "编号 id": i["holder"],
                    "综合持股 share": format_pct(i.get("share_pct")),
                }
                for i in res["integrated"]
            ],
            hide_index=True,
            width="stretch",
        )

st.subheader("股权结构 Shareholding tree")
sg = subgraph_from_ownership(res, names={entity_id: entity_id, **names})
if not sg.edges:
    st.info("无股东信息 No shareholders on record.")
else:
    ui.draw_network(
        sg, key="ownership", title=f"{entity_id} 股权结构 ownership", hierarchical=True, height=560
    )
