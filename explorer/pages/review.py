"""Entity-resolution review: judge a grey-zone record pair side by side (same / different / unsure),
or split an entity by dividing its source records into parts."""

from __future__ import annotations

import json

import streamlit as st

from explorer import ui

st.header("实体复核 ER review")
api = ui.client()
tab_pairs, tab_split = st.tabs(["待复核 Pairs to judge", "拆分实体 Split an entity"])


def _records(entity_id: str) -> dict[str, dict]:
    detail = ui.call(api.entity, entity_id)
    return {r["record_key"]: r for r in (detail or {}).get("provenance") or []}


with tab_pairs:
    res = ui.call(api.review_queue, limit=100)
    pairs = (res or {}).get("pairs") or []
    if res is not None and not pairs:
        st.info("复核队列为空 The review queue is empty.")
    if pairs:
        labels = {p["record_key"]: f"{p.get('name')} · {p['entity_id']} · {p['record_key']}" for p in pairs}
        chosen = st.selectbox("待复核记录 Record", list(labels), format_func=labels.get, key="rg_pair_pick")
        pair = next(p for p in pairs if p["record_key"] == chosen)
        ev = pair.get("evidence") or {}
        a = str(ev.get("record_id_a") or chosen)
        b = str(ev.get("record_id_b") or "")
        st.caption(
            f"匹配概率 probability {ev.get('probability', '—')} · 权重 weight {ev.get('total_weight', '—')} · 决定 decision {ev.get('decision')}"
        )
        recs = _records(pair["entity_id"])
        left, right = st.columns(2)
        for col, rid in ((left, a), (right, b)):
            with col:
                st.markdown(f"**{rid}**")
                rec = recs.get(rid) or next(
                    (r for r in recs.values() if r.get("source_record_id") == rid), None
                )
                st.json((rec or {}).get("payload") or {"record": rid})
        if ev.get("steps"):
            st.markdown("**比较明细 Comparison waterfall**")
            st.dataframe(ev["steps"], hide_index=True, width="stretch")
        if pair.get("judgements"):
            st.caption(
                "已有判断 Earlier judgements: "
                + json.dumps(pair["judgements"], ensure_ascii=False, default=str)
            )
        note = st.text_input("意见 Note", key="rg_pair_note")
        c1, c2, c3 = st.columns(3)
        verdict = None
        if c1.button("同一实体 Same", key="rg_pair_same"):
            verdict = "same"
        if c2.button("不同实体 Different", key="rg_pair_diff"):
            verdict = "different"
        if c3.button("无法判断 Unsure", key="rg_pair_unsure"):
            verdict = "unsure"
        if verdict and b and ui.call(api.judge, a, b, verdict, note) is not None:
            st.session_state["rg_judged"] = (a, b, verdict)
            st.rerun()
    if st.session_state.get("rg_judged"):
        st.success("已记录 Recorded: {} / {} → {}".format(*st.session_state["rg_judged"]))

with tab_split:
    entity_id = ui.entity_picker(key="rg_split_entity")
    if entity_id:
        recs = _records(entity_id)
        if len(recs) < 2:
            st.info("少于两条来源记录，无法拆分 Fewer than two source records: nothing to split.")
        else:
            labels = {
                k: f"{r.get('source')} · {r.get('source_file')} row {r.get('source_row')} · {k}"
                for k, r in recs.items()
            }
            moved = st.multiselect(
                "移入新实体的记录 Records for the new entity",
                list(labels),
                format_func=labels.get,
                key="rg_split_records",
            )
            note = st.text_input("理由 Reason", key="rg_split_note")
            if st.button("拆分 Split", key="rg_split_go", disabled=not moved or len(moved) == len(recs)):
                stay = [k for k in recs if k not in moved]
                done = ui.call(api.split, entity_id, [stay, list(moved)], note)
                if done is not None:
                    st.session_state["rg_split_done"] = done
    if st.session_state.get("rg_split_done"):
        st.success(f"已记录拆分 Split recorded: {st.session_state['rg_split_done']}")
