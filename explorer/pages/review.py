"""Entity-resolution review: judge a candidate pair side by side (same / different / unsure), or split
an entity by moving some of its source records out."""

from __future__ import annotations

import streamlit as st

from explorer import ui

st.header("实体复核 ER review")
api = ui.client()
tab_pairs, tab_split = st.tabs(["候选对 Candidate pairs", "拆分实体 Split an entity"])

with tab_pairs:
    res = ui.call(api.review_queue, limit=50)
    items = (res or {}).get("items") or (res or {}).get("pairs") or []
    if res is not None and not items:
        st.info("复核队列为空 The review queue is empty.")
    if items:
        ids = [str(p.get("pair_id") or p.get("id")) for p in items]
        chosen = st.selectbox("候选对 Pair", ids, key="rg_pair_pick")
        pair = items[ids.index(chosen)]
        left = pair.get("left") or pair.get("a") or {}
        right = pair.get("right") or pair.get("b") or {}
        st.caption(f"匹配分 score {pair.get('score', '—')} · {pair.get('reason', '')}")
        keys = sorted({*left.keys(), *right.keys()} - {"payload"})
        st.dataframe(
            [
                {
                    "字段 field": k,
                    "左 left": str(left.get(k, "")),
                    "右 right": str(right.get(k, "")),
                    "同 same": left.get(k) == right.get(k),
                }
                for k in keys
            ],
            hide_index=True,
            width="stretch",
        )
        if pair.get("evidence"):
            with st.expander("证据 Evidence"):
                st.json(pair["evidence"])
        comment = st.text_input("意见 Comment", key="rg_pair_comment")
        c1, c2, c3 = st.columns(3)
        decision = None
        if c1.button("同一实体 Same", key="rg_pair_same"):
            decision = "match"
        if c2.button("不同实体 Different", key="rg_pair_diff"):
            decision = "non_match"
        if c3.button("无法判断 Unsure", key="rg_pair_unsure"):
            decision = "unsure"
        if decision and ui.call(api.judge, chosen, decision, comment) is not None:
            st.session_state["rg_judged"] = (chosen, decision)
            st.rerun()
    if st.session_state.get("rg_judged"):
        st.success("已记录 Recorded: {} → {}".format(*st.session_state["rg_judged"]))

with tab_split:
    entity_id = ui.entity_picker(key="rg_split_entity")
    if entity_id:
        detail = ui.call(api.entity, entity_id)
        if detail is not None:
            recs = detail.get("provenance") or []
            labels = {
                r[
                    "record_key"
                ]: f"{r.get('source')} · {r.get('source_file')} row {r.get('source_row')} · {r['record_key']}"
                for r in recs
            }
            moved = st.multiselect(
                "移出的来源记录 Records to move to a new entity",
                list(labels),
                format_func=labels.get,
                key="rg_split_records",
            )
            comment = st.text_input("理由 Reason", key="rg_split_comment")
            if st.button("拆分 Split", key="rg_split_go", disabled=not moved or len(moved) == len(recs)):
                done = ui.call(api.split, entity_id, moved, comment)
                if done is not None:
                    st.success(f"已拆分 Split: {done}")
