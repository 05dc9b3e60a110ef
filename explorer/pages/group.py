"""Group customer view (集团客户): members, aggregated exposure, and where the group stands against the
concentration limits — as the latest rule run found them (read-only: no pre-loan check is run)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from explorer import ui
from explorer.network_html import format_amount, format_pct

st.header("集团 Group")
api = ui.client("group")
entity_id = ui.entity_picker("成员实体 Member entity")
if not entity_id:
    st.info("输入成员实体编号。/ Enter a member entity.")
    st.stop()

group = ui.call(api.entity_group, entity_id)
if not group:
    st.stop()

st.subheader(f"{group.get('name') or group['group_id']} · {group.get('named_as') or group['group_id']}")
members = group.get("members") or []
m1, m2, m3 = st.columns(3)
m1.metric("成员 Members", group.get("size") or len(members))
m2.metric("合计敞口 Aggregated exposure", format_amount(group.get("exposure")) or "0")
m3.metric("控制人 Controller(s)", ", ".join(group.get("controller_ids") or []) or "—")
st.caption(
    f"依据规则运行 as found by run {group.get('run_id') or '—'} (as of {group.get('as_of') or '—'})"
    + (f" · 集团认定 group named by run {group['group_run_id']}" if group.get("group_run_id") else "")
)
st.dataframe(
    [
        {
            "名称 name": m.get("name") or "",
            "编号 id": m["entity_id"],
            "贷款余额 balance": format_amount(m.get("balance")) or "0",
            "占比 share": format_pct(m.get("share"), fraction=True),
        }
        for m in members
    ],
    hide_index=True,
    width="stretch",
)
if group.get("missing"):
    st.caption("无贷款数据的成员 Members without loan figures: " + ", ".join(group["missing"]))

st.markdown("**集中度限额 Concentration limits** (现有敞口 current exposure, nothing requested)")
limits = group.get("limits") or []
if not limits:
    st.info("无适用限额 No limit applies (capital figures missing?).")
else:
    df = pd.DataFrame(
        [
            {
                "限额 limit": lim["name"],
                "依据 source": lim.get("source") or "",
                "敞口 exposure": format_amount(lim["numerator"]),
                "资本 capital": f"{format_amount(lim['denominator'])} ({lim.get('denominator_name') or ''})",
                "现有 current %": round(100 * lim["ratio"], 4),
                "上限 limit %": round(100 * lim["limit"], 4),
                "余量 headroom": format_amount(lim["headroom"]),
                "超限 breach": "是 yes" if lim["breach"] else "否 no",
            }
            for lim in limits
        ]
    )
    st.bar_chart(df.set_index("限额 limit")[["现有 current %", "上限 limit %"]], stack=False, horizontal=True)
    st.dataframe(df, hide_index=True, width="stretch")
    breached = [lim["name"] for lim in limits if lim["breach"]]
    if breached:
        st.error("超限 Limit breached: " + ", ".join(breached))
    else:
        st.success("均在限额内 Within all limits.")
