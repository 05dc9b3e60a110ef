"""The entity card: identifiers (masked as the API returns them for this role), provenance, ER evidence,
alerts, the pre-loan check verdict, and the printable relationship-risk report for the loan file."""

from __future__ import annotations

import streamlit as st

from explorer import ui
from explorer.entity_card import card_rows, data_quality_flags, loan_rows, table_rows

st.header("实体 Entity")
api = ui.client("entity")
entity_id = ui.entity_picker()
if not entity_id:
    st.info("输入编号或从搜索页选择实体。/ Enter an id or pick one on the search page.")
    st.stop()

detail = ui.call(api.entity, entity_id)
if detail is None:
    st.stop()
props = detail.get("properties", {})
st.subheader(f"{props.get('name', entity_id)}  ·  {entity_id}")

card, side = st.columns([3, 2])
with card:
    st.dataframe(card_rows(props), hide_index=True, width="stretch")
with side:
    m1, m2, m3 = st.columns(3)
    m1.metric("未处理预警 Open alerts", detail.get("open_alerts", 0))
    score = detail.get("risk_score") or {}
    m2.metric("传染评分 Risk score", f"{score['score']:.2f}" if score.get("score") is not None else "—")
    m3.metric("来源记录 Records", detail.get("provenance_total", 0))
    if detail.get("listings"):
        st.error(
            "在名单 Listed: "
            + "; ".join(
                f"{x.get('kind') or ''} ({x.get('authority') or ''} {x.get('list_date') or ''})".strip()
                for x in detail["listings"]
            )
        )
    for flag in data_quality_flags(detail, api, entity_id):
        st.warning(flag)
    if detail.get("groups"):
        st.caption(
            "集团 Group: " + ", ".join(str(g.get("name") or g.get("group_id")) for g in detail["groups"])
        )
    if detail.get("phones"):
        st.caption("电话 Phones: " + ", ".join(detail["phones"]))
    if detail.get("relationship_counts"):
        st.caption(
            "关系 Links: "
            + ", ".join(f"{r.get('type')} {r.get('count')}" for r in detail["relationship_counts"])
        )

b1, b2 = st.columns(2)
if b1.button("关联网络 Open network", key="rg_to_net"):
    st.switch_page("pages/network.py")
if b2.button("股权控制 Ownership", key="rg_to_own"):
    st.switch_page("pages/ownership.py")

TAB_TITLES = {
    "prov": "来源与匹配证据 Provenance & ER evidence",
    "alerts": "预警 Alerts",
    "preloan": "贷前检查 Pre-loan check",
    "more": "贷款/地址/历史 Loans, addresses, history",
    "report": "报告 Report",
}
shown = [t for t in TAB_TITLES if t not in ("alerts", "preloan") or ui.may("entity", t)]
tab = dict(zip(shown, st.tabs([TAB_TITLES[t] for t in shown]), strict=True))
tab_prov, tab_more, tab_report = tab["prov"], tab["more"], tab["report"]
with tab_prov:
    prov = detail.get("provenance", [])
    st.caption(f"{len(prov)} / {detail.get('provenance_total', len(prov))} 条来源记录 source records")
    for rec in prov:
        with st.expander(
            f"{rec.get('source')} · {rec.get('source_file')} row {rec.get('source_row')} · {rec.get('record_key')}"
        ):
            st.write({k: rec.get(k) for k in ("batch_id", "kind", "source_record_id", "ingested_at")})
            st.markdown("**原始记录 Source row**")
            st.json(rec.get("payload") or {})
            st.markdown("**实体解析证据 ER evidence**")
            if rec.get("match_evidence"):
                st.json(rec["match_evidence"])
            else:
                st.caption("无 none (strong key or first record)")


def alerts_tab() -> None:
    alerts = ui.call(api.entity_alerts, entity_id)
    items = (alerts or {}).get("alerts") or []
    if alerts is not None and not items:
        st.info("无预警 No alerts.")
    for a in items:
        msg = a.get("message") or {"zh": a.get("explanation_zh", ""), "en": a.get("explanation_en", "")}
        title = (a.get("title") or {}).get("zh") or a.get("rule_id")
        st.markdown(f"**{title}** · {a.get('severity')} · {a.get('status')} — {msg['zh']} / {msg['en']}")


if "alerts" in tab:
    with tab["alerts"]:
        alerts_tab()


def preloan_tab() -> None:
    amount = st.number_input(
        "申请金额 Requested amount (CNY)", min_value=0.0, value=0.0, step=1e6, key="rg_check_amount"
    )
    kind = st.radio("品种 Kind", ["loan", "guarantee"], horizontal=True, key="rg_check_kind")
    if st.button("运行贷前检查 Run pre-loan check", key="rg_run_check"):
        ref = api.creds.purpose_ref or f"EXPLORER-{entity_id}"
        verdict = ui.call(
            api.preloan_check,
            {"entity_id": entity_id},
            application_ref=ref,
            requested_amount=amount,
            requested_kind=kind,
        )
        st.session_state["rg_check"] = (entity_id, verdict)
    check = st.session_state.get("rg_check")
    if check and check[0] == entity_id and check[1] is not None:
        verdict = check[1]
        v = verdict.get("verdict")
        {"pass": st.success, "refer": st.warning}.get(v, st.error)(
            f"结论 Verdict: {v}  ·  {verdict.get('check_id', '')}"
        )
        if verdict.get("summary"):
            st.markdown(verdict["summary"]["zh"])  # rendered by the API, Markdown-safe
        for r in verdict.get("reasons", []):
            msg = r.get("message") or {"zh": r.get("message_zh", ""), "en": r.get("message_en", "")}
            st.markdown(f"- **{r.get('code')}** ({r.get('effect')}) {msg['zh']} / {msg['en']}")
        if verdict.get("limits"):
            st.dataframe(
                [
                    {
                        k: lim.get(k)
                        for k in (
                            "name",
                            "numerator",
                            "requested",
                            "denominator",
                            "ratio",
                            "limit",
                            "breach",
                            "headroom",
                        )
                    }
                    for lim in verdict["limits"]
                ],
                hide_index=True,
                width="stretch",
            )
        if verdict.get("related_parties"):
            st.markdown("**关联方及证明路径 Related parties and their paths**")
            st.dataframe(
                [
                    {
                        "entity_id": rp["entity_id"],
                        "name": rp.get("name"),
                        "kinds": ", ".join(rp.get("kinds") or []),
                        "paths": " | ".join(
                            " → ".join(" ".join(str(v) for v in step.values() if v) for step in path)
                            for path in rp.get("paths") or []
                        ),
                    }
                    for rp in verdict["related_parties"]
                ],
                hide_index=True,
                width="stretch",
            )
        with st.expander("完整回答 Full answer"):
            st.json(verdict)


if "preloan" in tab:
    with tab["preloan"]:
        preloan_tab()

with tab_more:
    st.markdown("**贷款 Loans**")
    if detail.get("loans"):
        st.dataframe(loan_rows(detail["loans"]), hide_index=True, width="stretch")
    else:
        st.caption("无 none")
    for title, key in (
        ("地址 Addresses", "addresses"),
        ("名单 Listings", "listings"),
        ("历史值 Versions", "versions"),
    ):
        st.markdown(f"**{title}**")
        if detail.get(key):
            st.dataframe(table_rows(detail[key]), hide_index=True, width="stretch")
        else:
            st.caption("无 none")

with tab_report:
    st.caption(
        "为授信档案生成关联风险报告（由 API 生成并按角色掩码，与贷前检查同样审计）"
        " / Relationship-risk report for the loan file (made and masked by the API, audited as a check)"
    )
    r1, r2, r3 = st.columns(3)
    rep_ref = r1.text_input("申请编号 Application ref", value=api.creds.purpose_ref or "", key="rg_rep_ref")
    rep_amount = r2.number_input(
        "申请金额 Requested (元)", min_value=0.0, value=0.0, step=1e6, key="rg_rep_amt"
    )
    rep_appendix = r3.checkbox("含附录 With appendices", value=False, key="rg_rep_app")
    if st.button("生成报告 Build report", key="rg_build_report", disabled=not rep_ref):
        args = {"application_ref": rep_ref, "requested_amount": rep_amount, "appendix": rep_appendix}
        html = ui.call(api.preloan_report, entity_id, fmt="html", **args)
        pdf = ui.call(api.preloan_report, entity_id, fmt="pdf", **args)
        if html and pdf:
            st.session_state["rg_report"] = (entity_id, html, pdf)
    rep = st.session_state.get("rg_report")
    if rep and rep[0] == entity_id:
        c1, c2 = st.columns(2)
        c1.download_button("下载 HTML", rep[1][0], file_name=rep[1][1], mime="text/html", key="rg_rep_html")
        c2.download_button(
            "下载 PDF", rep[2][0], file_name=rep[2][1], mime="application/pdf", key="rg_rep_pdf"
        )
        st.iframe(rep[1][0].decode("utf-8"), height=600)
