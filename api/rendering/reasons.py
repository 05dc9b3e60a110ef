"""Pre-loan reasons and the verdict summary, rendered from each conclusion's code and evidence.

The check decides (:mod:`risk_rules.findings.conclusions`); this module only says it: one sentence
per reason with names beside ids, amounts in 万元/亿元 and the arithmetic in percentages. A code
without a sentence here keeps the check's own sentence, escaped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from api.rendering import alerts as A
from api.rendering.text import Names, Text, amount_en, amount_zh, join, pct

VERDICT = {
    "pass": ("通过", "pass"),
    "refer": ("转人工审查", "refer to an approver"),
    "decline-suggested": ("建议拒绝", "decline suggested"),
}
EFFECT = {
    "decline-suggested": ("建议拒绝", "decline"),
    "refer": ("需审查", "refer"),
    "info": ("提示", "info"),
}
LISTING_ZH = {
    "dishonest_debtor": "失信被执行人",
    "dishonest_judgment_debtor": "失信被执行人",
    "regulatory_penalty": "行政处罚",
    "internal_watchlist": "行内观察名单",
    "internal": "行内名单",
}

Render = Callable[[Mapping[str, Any], str, Names], Text]


def _t(zh: str, en: str) -> Text:
    return {"zh": zh, "en": en}


def _listing(kind: Any, n: Names) -> Text:
    k = str(kind)
    return _t(LISTING_ZH.get(k, n.v(k)), n.v(k.replace("_", " ")))


def _not_operating(ev: Mapping[str, Any], app: str, n: Names) -> Text:
    w = n.who(ev.get("entity_id") or app)
    s = n.v(ev.get("status"))
    return _t(f"申请人 {w['zh']} 登记状态为“{s}”。", f"The applicant {w['en']} is registered as “{s}”.")


def _blacklisted(ev: Mapping[str, Any], app: str, n: Names) -> Text:
    w = n.who(ev.get("entity_id") or app)
    kinds = join((_listing(x.get("kind"), n) for x in ev.get("listings") or []), "、", ", ")
    return _t(
        f"申请人 {w['zh']} 本身在名单上（{kinds['zh']}）。",
        f"The applicant {w['en']} is itself listed ({kinds['en']}).",
    )


def _loan(state_zh: str, state_en: str) -> Render:
    def render(ev: Mapping[str, Any], app: str, n: Names) -> Text:
        w = n.who(ev.get("entity_id") or app)
        loan = ev.get("loan") or {}
        lid, bal = n.v(loan.get("loan_id")), loan.get("balance")
        return _t(
            f"申请人 {w['zh']} 有{state_zh}贷款 {lid}（余额 {amount_zh(bal)}）。",
            f"The applicant {w['en']} has an {state_en} loan {lid} (balance {amount_en(bal)}).",
        )

    return render


def _limit(ev: Mapping[str, Any], app: str, n: Names) -> Text:
    """A breached and a nearly reached limit: one sentence, the lead says which."""
    row = ev.get("limit") or {}
    name = str(row.get("name") or "")
    num, req, den = row.get("numerator"), row.get("requested"), row.get("denominator")
    title_zh, title_en = A.LIMIT_NAMES_ZH.get(name, name), name.replace("_", " ")
    arith_zh = f"（{amount_zh(num)} + 申请 {amount_zh(req)}）÷ {amount_zh(den)} = {pct(row.get('ratio'))}"
    arith_en = f"({amount_en(num)} + requested {amount_en(req)}) ÷ {amount_en(den)} = {pct(row.get('ratio'))}"
    src, cap = n.v(row.get("source") or ""), pct(row.get("limit"))
    if row.get("breach"):
        lead = _t(
            f"加上申请金额后超过{title_zh}限额（{src}）",
            f"With the requested amount the {title_en} limit ({src}) is breached",
        )
    else:
        lead = _t(f"接近{title_zh}限额（{src}）", f"Close to the {title_en} limit ({src})")
    return _t(f"{lead['zh']}：{arith_zh}，上限 {cap}。", f"{lead['en']}: {arith_en}, limit {cap}.")


def _mutual(ev: Mapping[str, Any], app: str, n: Names) -> Text:
    p = ev.get("pair") or {}
    a, b = n.who(p.get("a")), n.who(p.get("b"))
    return _t(
        f"{a['zh']} 与 {b['zh']} 互保（{amount_zh(p.get('amount_ab'))} / {amount_zh(p.get('amount_ba'))}）。",
        f"{a['en']} and {b['en']} guarantee each other ({amount_en(p.get('amount_ab'))} / "
        f"{amount_en(p.get('amount_ba'))}).",
    )


def _circle(ev: Mapping[str, Any], app: str, n: Names) -> Text:
    w, c = n.who(app), n.path(ev.get("cycle") or [])
    size = ev.get("members_total") or len(ev.get("members") or [])
    return _t(
        f"申请人 {w['zh']} 处于担保圈中（{size} 个成员），最短回路：{c['zh']}。",
        f"The applicant {w['en']} is in a guarantee circle of {size} members; shortest cycle: {c['en']}.",
    )


def _chain(ev: Mapping[str, Any], app: str, n: Names) -> Text:
    w = n.who(app)
    return _t(
        f"申请人 {w['zh']} 位于 {ev.get('depth')} 层担保链上。",
        f"The applicant {w['en']} lies on a guarantee chain {ev.get('depth')} links deep.",
    )


def _fan(count: str, zh: str, en: str) -> Render:
    """One-for-many and many-for-one: the applicant and how many parties it guarantees or is
    guaranteed by (``{n}`` in the phrases), read from the evidence field ``count``."""

    def render(ev: Mapping[str, Any], app: str, n: Names) -> Text:
        w, k = n.who(app), ev.get(count)
        return _t(f"申请人 {w['zh']} {zh.format(n=k)}", f"The applicant {w['en']} {en.format(n=k)}")

    return render


def _leverage(ev: Mapping[str, Any], app: str, n: Names) -> Text:
    w = n.who(app)
    ratio = ev.get("ratio")
    r = f"{float(ratio):.2f}" if ratio is not None else "—"
    return _t(
        f"申请人 {w['zh']} 对外担保 {amount_zh(ev.get('total_guaranteed'))}，为净资产的 {r} 倍。",
        f"The applicant {w['en']} guarantees {amount_en(ev.get('total_guaranteed'))}, {r} × its net assets.",
    )


def _contagion(near: bool) -> Render:
    def render(ev: Mapping[str, Any], app: str, n: Names) -> Text:
        w = n.who(app)
        best = (ev.get("paths") or [{}])[0]
        p = n.path(best.get("nodes") or [], " — ")
        score, th = ev.get("score"), ev.get("threshold")
        s = f"{float(score):.3f}" if score is not None else "—"
        if near:
            return _t(
                f"申请人 {w['zh']} 距名单主体 {ev.get('hops')} 跳，传染强度 {s}，不低于阈值 {th}；最强路径：{p['zh']}。",
                f"The applicant {w['en']} is {ev.get('hops')} hop(s) from a listed entity, contagion strength {s} "
                f"(threshold {th}); strongest path: {p['en']}.",
            )
        return _t(
            f"名单主体在 {ev.get('hops')} 跳以内，传染强度 {s} 低于阈值 {th}；路径：{p['zh']}。",
            f"A listed entity is within {ev.get('hops')} hop(s); contagion strength {s} is below the threshold "
            f"{th}; path: {p['en']}.",
        )

    return render


def _candidates(zh: str, en: str) -> Render:
    def render(ev: Mapping[str, Any], app: str, n: Names) -> Text:
        c = n.many(ev.get("candidates") or [], limit=5)
        tail = _t(f"：{c['zh']}", f": {c['en']}") if c["zh"] else _t("", "")
        return _t(f"{zh}{tail['zh']}，需人工确认。", f"{en}{tail['en']}; a person must decide.")

    return render


def _not_found(ev: Mapping[str, Any], app: str, n: Names) -> Text:
    return _t(
        "图谱中找不到申请人，不能自动通过。",
        "The applicant is not in the graph; it cannot pass automatically.",
    )


def _by_name(ev: Mapping[str, Any], app: str, n: Names) -> Text:
    w = n.who(app)
    how = (
        ("已记录的名称变体", "a recorded name variant")
        if ev.get("matched_on") == "name_variant"
        else ("名称", "name")
    )
    return _t(
        f"申请人仅按{how[0]}（及提示）确定为 {w['zh']}。",
        f"The applicant was resolved by {how[1]} (and hints) only, as {w['en']}.",
    )


def _invalid(zh: str, en: str) -> Render:
    def render(ev: Mapping[str, Any], app: str, n: Names) -> Text:
        f = n.v(ev.get("field") or "")
        return _t(f"{zh}（字段 {f}）。", f"{en} (field {f}).")

    return render


def _disputed(ev: Mapping[str, Any], app: str, n: Names) -> Text:
    ids = n.many(ev.get("entity_ids") or [])
    return _t(
        f"本次检查涉及的事实存在未决异议：{n.v(ev.get('subject'))}（异议 {n.v(ev.get('dispute_id'))}，涉及 {ids['zh']}）。",
        f"A fact this check relies on is disputed: {n.v(ev.get('subject'))} (dispute {n.v(ev.get('dispute_id'))}, "
        f"concerning {ids['en']}).",
    )


RENDERERS: dict[str, Render] = {
    "applicant_not_operating": _not_operating,
    "applicant_blacklisted": _blacklisted,
    "applicant_defaulted_loan": _loan("违约", "defaulted"),
    "applicant_overdue_loan": _loan("逾期", "overdue"),
    "mutual_guarantee": _mutual,
    "guarantee_circle": _circle,
    "guarantee_chain": _chain,
    "guarantee_one_for_many": _fan(
        "out_degree", "为 {n} 个主体提供担保（一保多）。", "guarantees {n} borrowers."
    ),
    "guarantee_many_for_one": _fan(
        "in_degree", "由 {n} 个担保人担保（多保一）。", "is guaranteed by {n} guarantors."
    ),
    "guarantee_leverage": _leverage,
    "blacklist_proximity": _contagion(True),
    "blacklist_in_reach": _contagion(False),
    "applicant_ambiguous": _candidates("申请人对应多个候选实体", "The applicant matches several candidates"),
    "applicant_uncertain": _candidates(
        "申请人名称只与一个候选实体近似", "The applicant's name only resembles one candidate"
    ),
    "applicant_not_found": _not_found,
    "resolved_by_name": _by_name,
    "invalid_uscc": _invalid("统一社会信用代码校验失败", "The USCC fails its check digit"),
    "invalid_resident_id": _invalid("身份证号码校验失败", "The resident ID fails its check"),
    "disputed_fact": _disputed,
}


def reason_text(
    reason: Mapping[str, Any], applicant_id: str, n: Names, alerts: Mapping[str, Mapping[str, Any]]
) -> Text:
    """One reason's sentence. ``alerts`` (by id) lets an open-alert reason say what the alert says."""
    code = str(reason.get("code") or "")
    ev = reason.get("evidence") if isinstance(reason.get("evidence"), Mapping) else {}
    assert isinstance(ev, Mapping)
    head = code.split(":", 1)[0]
    if head in ("limit_breach", "limit_near"):
        return _limit(ev, applicant_id, n)
    if head == "open_alert":
        al = dict(alerts.get(str(ev.get("alert_id")), {}))
        al.setdefault("rule_id", code.split(":", 1)[-1])
        al.setdefault("entity_ids", ev.get("entity_ids") or [])
        al.setdefault("entity_ids_total", ev.get("entity_ids_total"))
        t, sev = A.title(al.get("rule_id")), str(al.get("severity") or "")
        m = A.message(al, n)
        return _t(
            f"未处理预警（{A.SEVERITY_ZH.get(sev, n.v(sev))}）{t['zh']}：{m['zh']}",
            f"Open alert ({n.v(sev)}) {t['en']}: {m['en']}",
        )
    render = RENDERERS.get(code)
    if render is not None:
        try:
            return render(ev, applicant_id, n)
        except (KeyError, TypeError, ValueError, IndexError, AttributeError):
            pass
    return _t(n.v(reason.get("message_zh") or code), n.v(reason.get("message_en") or code))


def summary(result: Mapping[str, Any], n: Names) -> Text:
    """The verdict in one sentence: who, what, how many reasons and the strongest one."""
    zh, en = VERDICT.get(str(result.get("verdict")), (str(result.get("verdict")), str(result.get("verdict"))))
    app = result.get("applicant") or {}
    who = (
        n.who(app["entity_id"])
        if app.get("entity_id")
        else _t("申请人未能确定", "the applicant is not resolved")
    )
    reasons = list(result.get("reasons") or [])
    more = sum(len(v) for v in (result.get("details") or {}).values())
    if not reasons:
        return _t(
            f"{who['zh']}：{zh}，未发现需要关注的情况。",
            f"{who['en']}: {en}; nothing found that needs attention.",
        )
    first = reasons[0].get("message") or {"zh": "", "en": ""}
    return _t(
        f"{who['zh']}：{zh}。决定性理由 {len(reasons)} 条（另有 {more} 条明细），首要：{first['zh']}",
        f"{who['en']}: {en}. {len(reasons)} decisive reason(s) ({more} more in the details), first: {first['en']}",
    )


def render_check(result: dict[str, Any], n: Names) -> dict[str, Any]:
    """``result`` with ``message`` (``{zh, en}``) on every reason and a verdict ``summary``."""
    app_id = str((result.get("applicant") or {}).get("entity_id") or "")
    alerts = {str(a.get("alert_id")): a for a in result.get("open_alerts") or []}
    for r in result.get("reasons") or []:
        r["message"] = reason_text(r, app_id, n, alerts)
    for rows in (result.get("details") or {}).values():
        for r in rows:
            r["message"] = reason_text(r, app_id, n, alerts)
    result["summary"] = summary(result, n)
    zh, en = VERDICT.get(str(result.get("verdict")), ("", ""))
    result["verdict_text"] = _t(zh, en)
    return result
