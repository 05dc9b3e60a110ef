"""Search by name (简/繁), USCC, resident ID or entity id, paged with the API's total (a floor,
"at least", for a query so broad the API stops counting); pick a hit to open its card."""

from __future__ import annotations

import streamlit as st

from explorer import ui

PAGE_SIZE = 50

st.header("搜索 Search")
api = ui.client("search")
c1, c2, c3 = st.columns([4, 1, 1])
q = c1.text_input("名称、统一社会信用代码、身份证号或编号 Name, USCC, resident ID or id", key="rg_q")
kind = c2.selectbox("类型 Kind", ["", "company", "person"], key="rg_kind")
region = c3.text_input("地区 Region", key="rg_region")
if q:
    cursors = ui.page_cursors("rg_search", (q, kind, region))
    res = ui.call(
        api.search, q, kind=kind or None, region=region or None, limit=PAGE_SIZE, cursor=cursors[-1]
    )
    if res is not None:
        hits = res.get("results", [])
        if not hits:
            st.info("未找到 Nothing found.")
        else:
            ui.page_bar(
                "rg_search",
                cursors,
                res.get("page") or {},
                len(hits),
                "结果 results",
                f"按 matched by {res.get('query_kind')}",
            )
            cols = [
                "entity_id",
                "kind",
                "name",
                "uscc",
                "id_number",
                "id_masked",
                "region",
                "status",
                "score",
                "matched_on",
            ]
            st.dataframe([{c: h.get(c) for c in cols} for h in hits], hide_index=True, width="stretch")
            labels = {h["entity_id"]: f"{h.get('name') or ''} · {h['entity_id']}" for h in hits}
            options: list[str] = list(labels)
            chosen = st.selectbox(
                "打开 Open",
                options,
                format_func=ui.labelled(labels),
                key="rg_search_pick",
            )
            b1, b2 = st.columns(2)
            if b1.button("实体卡片 Entity card", key="rg_open_card") and chosen:
                ui.focus(chosen)
                st.switch_page("pages/entity.py")
            if b2.button("关联网络 Network", key="rg_open_net") and chosen:
                ui.focus(chosen)
                st.switch_page("pages/network.py")
