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
    pending = st.checkbox("只看未判断 Pending only", value=False, key="rg_pairs_pending")
    res = ui.call(api.review_queue, limit=100, pending_only=pending)
    pairs = (res or {}).get("pairs") or []
    if res is not None and not pairs:
        st.info("复核队列为空 The review queue is empty.")
    if pairs:
        labels = {
            f"{p['record_id_a']}|{p['record_id_b']}": f"{p.get('name')} · {p['entity_id']} · {p['record_id_a']} ↔ {p['record_id_b']}"
            for p in pairs
        }
        chosen = st.selectbox(
            "待复核记录对 Record pair",
            list[str](labels),
            format_func=ui.labelled(labels),
            key="rg_pair_pick",
        )
        pair = next(p for p in pairs if f"{p['record_id_a']}|{p['record_id_b']}" == chosen)
        a, b = pair["record_id_a"], pair["record_id_b"]
        st.caption(f"匹配分 score {pair.get('score', '—')} · 规则 rule {pair.get('rule') or '—'}")
        recs = _records(pair["entity_id"])
        left, right = st.columns(2)
        for col, rid in ((left, a), (right, b)):
            with col:
                st.markdown(f"**{rid}**")
                rec = recs.get(rid) or {}
                st.json(rec.get("payload") or {"record": rid})
                if rec.get("match_evidence"):
                    with st.expander("匹配证据 ER evidence"):
                        st.json(rec["match_evidence"])
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
        if verdict and ui.call(api.judge, a, b, verdict, note) is not None:
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
                list[str](labels),
                format_func=ui.labelled(labels),
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
