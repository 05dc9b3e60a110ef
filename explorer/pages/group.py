"""Group customer view (集团客户): members, aggregated exposure, and where the group stands against the
concentration limits (from the API's pre-loan check arithmetic, requested amount 0 unless given)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from explorer import ui
from explorer.network_html import format_amount

st.header("集团 Group")
api = ui.client()
entity_id = ui.entity_picker("成员实体 Member entity")
group_id = st.text_input("或集团编号 or group id", key="rg_group_id").strip()
if not entity_id and not group_id:
    st.info("输入成员实体或集团编号。/ Enter a member entity or a group id.")
    st.stop()

if group_id:
    group = ui.call(api.group, group_id)
else:
    found = ui.call(api.entity_groups, entity_id)
    groups = (found or {}).get("groups") or []
    if found is not None and not groups:
        st.info(f"{entity_id} 不属于任何集团 is not a member of a group customer.")
    group = groups[0] if groups else None
if not group:
    st.stop()

st.subheader(f"{group.get('name') or group['group_id']} · {group['group_id']}")
members = group.get("members") or []
m1, m2, m3 = st.columns(3)
m1.metric("成员 Members", group.get("size") or len(members))
m2.metric("合计敞口 Aggregated exposure", format_amount(group.get("exposure")) or "—")
m3.metric("控制人 Controller(s)", ", ".join(group.get("controller_ids") or []) or "—")
st.caption(f"规则运行 computed by run {group.get('run_id', '—')}")
st.dataframe(members, hide_index=True, width="stretch")

st.markdown("**集中度限额 Concentration limits**")
member = entity_id or (members[0]["entity_id"] if members else None)
requested = st.number_input(
    "拟新增授信 Requested amount (CNY)", min_value=0.0, value=0.0, step=1e6, key="rg_group_req"
)
if member:
    ref = api.creds.purpose_ref or f"EXPLORER-GROUP-{group['group_id']}"
    check = ui.call(api.preloan_check, {"entity_id": member}, application_ref=ref, requested_amount=requested)
    limits = (check or {}).get("limits") or []
    if check is not None and not limits:
        st.info("无适用限额 No limit applies (capital figures missing?).")
    if limits:
        df = pd.DataFrame(
            [
                {
                    "limit": lim["name"],
                    "现有 current %": 100 * (lim["numerator"] / lim["denominator"])
                    if lim.get("denominator")
                    else 0.0,
                    "含申请 with request %": 100 * lim["ratio"],
                    "上限 limit %": 100 * lim["limit"],
                    "breach": lim["breach"],
                    "headroom": lim["headroom"],
                }
                for lim in limits
            ]
        )
        st.bar_chart(
            df.set_index("limit")[["现有 current %", "含申请 with request %", "上限 limit %"]],
            stack=False,
            horizontal=True,
        )
        st.dataframe(df, hide_index=True, width="stretch")
        if df["breach"].any():
            st.error("超限 Limit breached: " + ", ".join(df.loc[df["breach"], "limit"]))
        else:
            st.success("均在限额内 Within all limits.")
