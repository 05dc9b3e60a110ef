"""Guarantee circle browser (担保圈): circles listed by size and exposure, each drawn with its guarantees."""

from __future__ import annotations

import streamlit as st

from explorer import ui
from explorer.graph_data import subgraph_from_api
from explorer.network_html import format_amount

st.header("担保圈 Guarantee circles")
api = ui.client()
c1, c2 = st.columns(2)
min_size = c1.number_input("最小规模 Min size", 2, 100, 2, key="rg_circle_min")
order = c2.radio("排序 Sort by", ["规模 size", "担保总额 exposure"], horizontal=True, key="rg_circle_sort")
res = ui.call(api.circles, min_size=int(min_size), limit=100)
if res is None:
    st.stop()
circles = res.get("items") or res.get("circles") or res.get("results") or []
if not circles:
    st.info("未发现担保圈 No guarantee circle found.")
    st.stop()


def _exposure(c: dict) -> float:
    return float(c.get("exposure") or c.get("total_amount") or c.get("amount") or 0)


circles = sorted(
    circles,
    key=(lambda c: (-(c.get("size") or 0), -_exposure(c)))
    if order.startswith("规模")
    else (lambda c: -_exposure(c)),
)
st.dataframe(
    [
        {
            "担保圈 circle": c.get("circle_id") or c.get("id"),
            "规模 size": c.get("size") or len(c.get("members") or []),
            "担保总额 guaranteed": format_amount(_exposure(c)),
            "成员 members": "、".join(
                str(m.get("name") or m.get("entity_id")) if isinstance(m, dict) else str(m)
                for m in (c.get("members") or [])
            ),
        }
        for c in circles
    ],
    hide_index=True,
    width="stretch",
)
ids = [str(c.get("circle_id") or c.get("id")) for c in circles]
chosen = st.selectbox("查看 Show circle", ids, key="rg_circle_pick")
circle = circles[ids.index(chosen)]
if not circle.get("nodes"):
    circle = ui.call(api.circle, chosen) or circle
sg = subgraph_from_api(circle)
if sg.nodes:
    ui.draw_network(
        sg, key=f"circle-{chosen}", title=f"担保圈 {chosen} · {format_amount(_exposure(circle))}", height=520
    )
cycles = circle.get("cycles") or circle.get("shortest_cycles") or []
for cyc in cycles[:10]:
    st.markdown("循环 cycle: " + " → ".join(map(str, cyc)))
