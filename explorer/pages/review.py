"""Entity-resolution review: judge a grey-zone record pair with both records side by side, field by
field, with the ER evidence (same / different / unsure), or split an entity by dividing its source
records into parts. A pair's records come with the pair, whatever entities hold them."""

from __future__ import annotations

from typing import Any

import streamlit as st

from explorer import ui

PAGE_SIZE = 20
VERDICTS = {"same": "同一实体 same", "different": "不同实体 different", "unsure": "无法判断 unsure"}

st.header("实体复核 ER review")
api = ui.client("review")
can_judge, can_split = ui.may("review", "judge"), ui.may("review", "split")
tabs = st.tabs(
    ["待复核 Pairs to judge"]
    + (["拆分实体 Split an entity"] if can_split else [])
    + ["已有判断 Judgements made"]
)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_text(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    return str(value)


def _side_by_side(a: dict[str, Any], b: dict[str, Any]) -> list[dict[str, str]]:
    """One row per field of either record: both values and whether they agree."""
    pa, pb = a.get("payload") or {}, b.get("payload") or {}
    pa, pb = (pa if isinstance(pa, dict) else {}), (pb if isinstance(pb, dict) else {})
    rows = []
    for field in list(dict.fromkeys([*pa, *pb])):
        va, vb = _text(pa.get(field)), _text(pb.get(field))
        rows.append(
            {
                "字段 field": field,
                "记录 A": va,
                "记录 B": vb,
                "比较 compare": "一致 same"
                if va == vb
                else ("缺失 missing" if not va or not vb else "不同 differs"),
            }
        )
    return rows


def _where(rec: dict[str, Any] | None, rid: str) -> str:
    if not rec:
        return f"{rid} (记录不存在 record not found)"
    owner = f"{rec.get('entity_name') or ''} · {rec.get('entity_id') or '—'}"
    row = f" row {rec['source_row']}" if rec.get("source_row") is not None else ""
    return f"{owner}  \n{rec.get('source') or ''} · {rec.get('source_file') or ''}{row}"


with tabs[0]:
    pending = st.checkbox("只看未判断 Pending only", value=False, key="rg_pairs_pending")
    cursors = ui.page_cursors("rg_pairs", pending)
    res = ui.call(api.review_queue, limit=PAGE_SIZE, pending_only=pending, cursor=cursors[-1])
    pairs = (res or {}).get("pairs") or []
    if res is not None and not pairs:
        st.info("复核队列为空 The review queue is empty.")
    if pairs:
        ui.page_bar("rg_pairs", cursors, (res or {}).get("page") or {}, len(pairs), "记录对 pairs")

        def _label(p: dict[str, Any]) -> str:
            a, b = p.get("record_a") or {}, p.get("record_b") or {}
            na, nb = a.get("entity_name") or p["record_id_a"], b.get("entity_name") or p["record_id_b"]
            cross = " · 跨实体 two entities" if a.get("entity_id") != b.get("entity_id") else ""
            return f"{na} ↔ {nb} · {p.get('score', '—')}{cross}"

        labels = {f"{p['record_id_a']}|{p['record_id_b']}": _label(p) for p in pairs}
        chosen = st.selectbox(
            "待复核记录对 Record pair", list[str](labels), format_func=ui.labelled(labels), key="rg_pair_pick"
        )
        pair = next(p for p in pairs if f"{p['record_id_a']}|{p['record_id_b']}" == chosen)
        a, b = pair["record_id_a"], pair["record_id_b"]
        rec_a, rec_b = pair.get("record_a") or {}, pair.get("record_b") or {}
        st.caption(f"匹配分 score {pair.get('score', '—')} · 规则 rule {pair.get('rule') or '—'}")
        left, right = st.columns(2)
        left.markdown(f"**记录 A** {_where(rec_a, a)}")
        right.markdown(f"**记录 B** {_where(rec_b, b)}")
        st.dataframe(_side_by_side(rec_a, rec_b), hide_index=True, width="stretch")
        steps = [
            s
            for rec in (rec_a, rec_b)
            for s in ((rec.get("match_evidence") or {}).get("steps") or [])
            if isinstance(rec.get("match_evidence"), dict)
        ]
        if steps:
            st.markdown("**逐字段匹配证据 Per-field ER evidence**")
            st.dataframe(
                [
                    {
                        "字段 field": s.get("comparison") or s.get("step"),
                        "等级 level": s.get("level"),
                        "权重 weight": s.get("weight"),
                    }
                    for s in steps
                ],
                hide_index=True,
                width="stretch",
            )
        if pair.get("judgements"):
            st.caption(
                "已有判断 Earlier judgements: "
                + "; ".join(
                    f"{VERDICTS.get(j.get('verdict'), j.get('verdict'))} · {j.get('reviewer')} · {j.get('created_at') or ''}"
                    for j in pair["judgements"]
                )
            )
        if can_judge:
            note = st.text_input("意见 Note", key="rg_pair_note")
            b1, b2, b3 = st.columns(3)
            verdict = None
            if b1.button("同一实体 Same", key="rg_pair_same"):
                verdict = "same"
            if b2.button("不同实体 Different", key="rg_pair_diff"):
                verdict = "different"
            if b3.button("无法判断 Unsure", key="rg_pair_unsure"):
                verdict = "unsure"
            if verdict and ui.call(api.judge, a, b, verdict, note) is not None:
                st.session_state["rg_judged"] = (_label(pair), VERDICTS[verdict])
                st.rerun()
    if st.session_state.get("rg_judged"):
        st.success("已记录判断 Judgement recorded: {} → {}".format(*st.session_state["rg_judged"]))

if can_split:
    with tabs[1]:
        entity_id = ui.entity_picker(key="rg_split_entity")
        if entity_id:
            detail = ui.call(api.entity, entity_id)
            recs = {r["record_key"]: r for r in (detail or {}).get("provenance") or []}
            if detail is not None and len(recs) < 2:
                st.info("少于两条来源记录，无法拆分 Fewer than two source records: nothing to split.")
            elif recs:
                labels = {
                    k: f"{r.get('source')} · {r.get('source_file') or ''} row {r.get('source_row')} · "
                    + _text(r.get("payload"))[:80]
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
                        st.session_state["rg_split_done"] = (entity_id, len(stay), len(moved))
        if st.session_state.get("rg_split_done"):
            eid, n_stay, n_moved = st.session_state["rg_split_done"]
            st.success(
                f"已记录拆分 Split recorded: {eid} — {n_stay} 条保留 records stay, {n_moved} 条成为新实体 "
                "records become a new entity at the next ingest."
            )

with tabs[-1]:
    kinds = {"": "全部 all", "pair": "记录对 pairs", "split": "拆分 splits"}
    kind = st.radio(
        "类型 Kind", list(kinds), format_func=ui.labelled(kinds), horizontal=True, key="rg_j_kind"
    )
    cursors = ui.page_cursors("rg_judgements", kind)
    made = ui.call(api.judgements, kind=kind or None, limit=PAGE_SIZE, cursor=cursors[-1])
    rows = (made or {}).get("judgements") or []
    if made is not None and not rows:
        st.info("尚无判断 No judgement made yet.")
    if rows:
        ui.page_bar("rg_judgements", cursors, (made or {}).get("page") or {}, len(rows), "判断 judgements")
        st.dataframe(
            [
                {
                    "类型 kind": kinds.get(j.get("kind") or "", j.get("kind")),
                    "对象 subject": j.get("entity_id")
                    or f"{j.get('record_id_a') or ''} ↔ {j.get('record_id_b') or ''}",
                    "结论 outcome": VERDICTS.get(j.get("verdict") or "", "")
                    if j.get("kind") == "pair"
                    else " | ".join(", ".join(p) for p in j.get("parts") or []),
                    "复核人 reviewer": j.get("reviewer"),
                    "意见 note": j.get("note") or "",
                    "时间 at": str(j.get("created_at") or "")[:19],
                }
                for j in rows
            ],
            hide_index=True,
            width="stretch",
        )
