"""Guarantee circle browser (担保圈): circles listed by size and guaranteed amount, each drawn with its
guarantees (guarantor → borrower, amounts) and its shortest cycle highlighted."""

from __future__ import annotations

import streamlit as st

from explorer import ui
from explorer.graph_data import subgraph_from_circle
from explorer.network_html import format_amount

#: circles a page (sorted by size or amount within the page)
PAGE_SIZE = 50

st.header("担保圈 Guarantee circles")
api = ui.client("circles")
c1, c2 = st.columns(2)
min_size = c1.number_input("最小规模 Min size", 2, 100, 2, key="rg_circle_min")
order = c2.radio("排序 Sort by", ["规模 size", "担保总额 amount"], horizontal=True, key="rg_circle_sort")
cursors = ui.page_cursors("rg_circles", int(min_size))
res = ui.call(api.circles, min_size=int(min_size), limit=PAGE_SIZE, cursor=cursors[-1])
if res is None:
    st.stop()
circles = res.get("circles") or []
if not circles:
    st.info("未发现担保圈 No guarantee circle found.")
    st.stop()
ui.page_bar("rg_circles", cursors, res.get("page") or {}, len(circles), "担保圈 circles")


def _amount(c: dict) -> float:
    return float(c.get("internal_amount") or 0)


if order.startswith("规模"):
    circles = sorted(circles, key=lambda c: (-(c.get("size") or 0), -_amount(c)))
else:
    circles = sorted(circles, key=lambda c: (-_amount(c), -(c.get("size") or 0)))
st.dataframe(
    [
        {
            "担保圈 circle": c.get("circle_id"),
            "规模 size": c.get("size"),
            "圈内担保 guaranteed inside": format_amount(_amount(c)),
            "担保笔数 links": c.get("edge_count"),
            "级别 severity": c.get("severity"),
            "状态 status": c.get("status"),
            "成员 members": ", ".join(c.get("members") or []),
        }
        for c in circles
    ],
    hide_index=True,
    width="stretch",
)
ids = [str(c.get("circle_id")) for c in circles]
chosen = st.selectbox("查看 Show circle", ids, key="rg_circle_pick")
detail = ui.call(api.circle, chosen)
if detail is None:
    st.stop()
exp = detail.get("exposure") or {}
m1, m2, m3 = st.columns(3)
m1.metric("成员 Members", detail["circle"]["size"])
m2.metric("成员贷款余额 Loan balance", format_amount(exp.get("loan_balance")) or "0")
m3.metric("风险成员 Distressed", len(exp.get("distressed_members") or []))
if exp.get("distressed_members"):
    st.warning("逾期/在名单成员 Overdue or listed members: " + ", ".join(exp["distressed_members"]))
sg = subgraph_from_circle(detail)
ui.draw_network(
    sg,
    key=f"circle-{chosen}",
    title=f"担保圈 {chosen} · {format_amount(_amount(detail['circle']))}",
    height=520,
)
for cyc in (detail.get("cycles") or [])[:10]:
    st.markdown("担保环 cycle: " + " → ".join(map(str, cyc)))
