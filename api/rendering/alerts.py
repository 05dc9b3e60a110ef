"""Alert titles and messages, rendered from the alert's rule, entities and evidence.

The rule wrote its explanation when it ran; the text shown is rendered here from the evidence the
rule stored, so it follows one style everywhere (names beside ids, 万元/亿元, no data structures) and
is escaped and masked for the reader. A rule without a renderer of its own is described by its title,
the entities it concerns and its severity — never by dumping its evidence.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from api.rendering.text import Names, Text, amount_en, amount_zh, join, pct, pct_points
from risk_rules.rules._limits import DENOMINATOR_ZH, LIMIT_NAMES_ZH

SEVERITY_ZH = {"low": "低", "medium": "中", "high": "高", "critical": "严重"}
DISTRESS_ZH = {"overdue": "逾期", "defaulted": "违约", "blacklisted": "在名单上"}
DISTRESS_EN = {"overdue": "overdue", "defaulted": "defaulted", "blacklisted": "listed"}

Render = Callable[[Mapping[str, Any], list[str], Names], Text]


@lru_cache(maxsize=1)
def _titles() -> dict[str, tuple[str, str]]:
    from risk_rules.registry import all_rules

    return {r.id: (r.title_zh, r.title_en) for r in all_rules()}


def title(rule_id: str | None) -> Text:
    zh, en = _titles().get(rule_id or "", (rule_id or "预警", rule_id or "Alert"))
    return {"zh": zh, "en": en}


def _t(zh: str, en: str) -> Text:
    return {"zh": zh, "en": en}


def distress(bad: Any, n: Names) -> Text | None:
    """``{id: ["defaulted", "blacklisted:court"]}`` → ``甲（C:1）违约、在名单上（court）``."""
    if not isinstance(bad, Mapping) or not bad:
        return None
    parts = []
    for eid, reasons in sorted(bad.items()):
        zh, en = [], []
        for r in reasons if isinstance(reasons, list) else [reasons]:
            head, _, tail = str(r).partition(":")
            extra = f"（{n.v(tail)}）" if tail else ""
            zh.append(DISTRESS_ZH.get(head, n.v(head)) + extra)
            en.append(DISTRESS_EN.get(head, n.v(head)) + (f" ({n.v(tail)})" if tail else ""))
        w = n.who(eid)
        parts.append(_t(f"{w['zh']}{'、'.join(zh)}", f"{w['en']} {', '.join(en)}"))
    return join(parts, "；", "; ")


def limit_check(c: Mapping[str, Any]) -> Text:
    """One concentration-limit check in words, with its arithmetic."""
    name = str(c.get("name") or "")
    den = str(c.get("denominator_name") or "")
    num = c.get("numerator")
    state_zh = "已超限" if c.get("breach") else "接近限额"
    state_en = "breached" if c.get("breach") else "near the limit"
    return _t(
        f"{LIMIT_NAMES_ZH.get(name, name)} {amount_zh(num)}，占{DENOMINATOR_ZH.get(den, den)} {pct(c.get('ratio'))}"
        f"（限额 {pct(c.get('limit'))}，{c.get('source') or ''}），{state_zh}",
        f"{name.replace('_', ' ')}: {amount_en(num)} is {pct(c.get('ratio'))} of {den.replace('_', ' ')} "
        f"(limit {pct(c.get('limit'))}, {c.get('source') or ''}) — {state_en}",
    )


def _checks(ev: Mapping[str, Any]) -> Text:
    return join(limit_check(c) for c in ev.get("checks") or [])


def _with_distress(base: Text, ev: Mapping[str, Any], n: Names) -> Text:
    bad = distress(ev.get("distressed"), n)
    if bad is None:
        return base
    return _t(base["zh"] + f" 风险成员：{bad['zh']}。", base["en"] + f" Distressed members: {bad['en']}.")


def _circle(ev: Mapping[str, Any], ids: list[str], n: Names) -> Text:
    members = ev.get("members") or ids
    cycle = (ev.get("paths") or [[]])[0]
    m, c = n.many(members), n.path(cycle)
    base = _t(
        f"{len(members)} 个主体形成担保圈（{m['zh']}），圈内担保 {ev.get('edge_count') or 0} 笔、"
        f"合计 {amount_zh(ev.get('internal_amount'))}；最短担保环：{c['zh']}。",
        f"{len(members)} parties form a guarantee circle ({m['en']}) with {ev.get('edge_count') or 0} "
        f"guarantees totalling {amount_en(ev.get('internal_amount'))}; shortest cycle: {c['en']}.",
    )
    return _with_distress(base, ev, n)


def _circle_exposure(ev: Mapping[str, Any], ids: list[str], n: Names) -> Text:
    a = ev.get("arithmetic") or {}
    m = n.many(ev.get("members") or ids)
    parts = []
    for key, zh, en in (
        ("defaulted", "违约", "defaulted"),
        ("overdue", "逾期", "overdue"),
        ("blacklisted", "在名单上", "listed"),
    ):
        if ev.get(key):
            w = n.many(ev[key])
            parts.append(_t(f"{zh}：{w['zh']}", f"{en}: {w['en']}"))
    detail = (
        join(parts) if parts else _t("无逾期、违约或在名单上的成员", "no member overdue, defaulted or listed")
    )
    return _t(
        f"担保圈（{m['zh']}）贷款余额合计 {amount_zh(a.get('total_loans'))}，占资本净额 {pct(a.get('ratio'))}"
        f"（阈值 {pct(a.get('threshold_ratio'))}）；{detail['zh']}。",
        f"Guarantee circle ({m['en']}) has {amount_en(a.get('total_loans'))} outstanding, {pct(a.get('ratio'))} of "
        f"net capital (threshold {pct(a.get('threshold_ratio'))}); {detail['en']}.",
    )


def _mutual(ev: Mapping[str, Any], ids: list[str], n: Names) -> Text:
    edges = ev.get("edges") or []
    if len(edges) < 2:
        return _generic(ev, ids, n)
    a, b = n.who(edges[0]["from"]), n.who(edges[0]["to"])
    base = _t(
        f"{a['zh']} 为 {b['zh']} 担保 {amount_zh(edges[0].get('amount'))}，{b['zh']} 为 {a['zh']} 担保 "
        f"{amount_zh(edges[1].get('amount'))}，构成互保。",
        f"{a['en']} guarantees {b['en']} for {amount_en(edges[0].get('amount'))} and {b['en']} guarantees "
        f"{a['en']} for {amount_en(edges[1].get('amount'))}: a mutual guarantee.",
    )
    return _with_distress(base, ev, n)


def _chain(ev: Mapping[str, Any], ids: list[str], n: Names) -> Text:
    path = (ev.get("paths") or [[]])[0] or [u[0] for u in ev.get("units") or [] if u]
    p = n.path(path)
    return _t(
        f"担保链深度 {ev.get('depth')}：{p['zh']}。",
        f"Guarantee chain {ev.get('depth')} links deep: {p['en']}.",
    )


def _fans(out: bool) -> Render:
    def render(ev: Mapping[str, Any], ids: list[str], n: Names) -> Text:
        c = n.who(ev.get("center") or (ids[0] if ids else ""))
        others = [x for x in (ev.get("subgraph") or {}).get("nodes") or [] if x != ev.get("center")]
        o = n.many(others, limit=5)
        na = ev.get("net_assets")
        tail_zh = f"，净资产 {amount_zh(na)}" if na is not None else ""
        tail_en = f", net assets {amount_en(na)}" if na is not None else ""
        if out:
            return _t(
                f"{c['zh']} 为 {ev.get('degree')} 个主体提供担保（{o['zh']}），合计 {amount_zh(ev.get('total_amount'))}{tail_zh}。",
                f"{c['en']} guarantees {ev.get('degree')} borrowers ({o['en']}) for "
                f"{amount_en(ev.get('total_amount'))} in total{tail_en}.",
            )
        return _t(
            f"{c['zh']} 由 {ev.get('degree')} 个担保人担保（{o['zh']}），合计 {amount_zh(ev.get('total_amount'))}。",
            f"{c['en']} is guaranteed by {ev.get('degree')} guarantors ({o['en']}) for "
            f"{amount_en(ev.get('total_amount'))} in total.",
        )

    return render


def _leverage(ev: Mapping[str, Any], ids: list[str], n: Names) -> Text:
    a = ev.get("arithmetic") or {}
    w = n.who(ids[0] if ids else "")
    ratio = a.get("ratio")
    r = f"{float(ratio):.2f}" if ratio is not None else "—"
    if ratio is None or (a.get("net_assets") is not None and float(a["net_assets"]) <= 0):
        return _t(
            f"{w['zh']} 对外担保 {amount_zh(a.get('total_guaranteed'))}，净资产 {amount_zh(a.get('net_assets'))}（非正）。",
            f"{w['en']} guarantees {amount_en(a.get('total_guaranteed'))} with net assets of "
            f"{amount_en(a.get('net_assets'))} (not positive).",
        )
    return _t(
        f"{w['zh']} 对外担保 {amount_zh(a.get('total_guaranteed'))}，为净资产 {amount_zh(a.get('net_assets'))} 的 {r} 倍"
        f"（上限 {a.get('limit')} 倍）。",
        f"{w['en']} guarantees {amount_en(a.get('total_guaranteed'))}, {r} × its net assets of "
        f"{amount_en(a.get('net_assets'))} (limit {a.get('limit')} ×).",
    )


def _contagion(ev: Mapping[str, Any], ids: list[str], n: Names) -> Text:
    w = n.who(ids[0] if ids else "")
    best = (ev.get("paths") or [{}])[0]
    p = n.path(best.get("nodes") or [], " — ")
    score = ev.get("score")
    s = f"{float(score):.3f}" if score is not None else "—"
    return _t(
        f"{w['zh']} 距名单主体 {ev.get('hops')} 跳，传染强度 {s}；最强路径：{p['zh']}。",
        f"{w['en']} is {ev.get('hops')} hop(s) from a listed entity, contagion strength {s}; strongest path: {p['en']}.",
    )


def _group_customer(ev: Mapping[str, Any], ids: list[str], n: Names) -> Text:
    ctl = [
        x for block in ev.get("controllers") or [] for x in (block if isinstance(block, list) else [block])
    ]
    c, m = n.many(ctl), n.many(ev.get("members") or ids)
    loans = ev.get("loans") or {}
    total = sum(float(v or 0) for v in loans.values()) if isinstance(loans, Mapping) else None
    return _t(
        f"{c['zh'] or '—'} 控制的集团客户，成员 {len(ev.get('members') or ids)} 个（{m['zh']}），贷款合计 {amount_zh(total)}。",
        f"Group customer controlled by {c['en'] or '—'}: {len(ev.get('members') or ids)} members ({m['en']}), "
        f"loans {amount_en(total)} in total.",
    )


def _with_subject(ev: Mapping[str, Any], ids: list[str], n: Names) -> Text:
    w = n.many(ids[:1]) if ids else _t("—", "—")
    c = _checks(ev)
    return _t(f"{w['zh']}：{c['zh']}。", f"{w['en']}: {c['en']}.")


def _group_concentration(ev: Mapping[str, Any], ids: list[str], n: Names) -> Text:
    m, c = n.many(ev.get("members") or ids), _checks(ev)
    return _t(f"集团客户（{m['zh']}）：{c['zh']}。", f"Group customer ({m['en']}): {c['en']}.")


def _related(ev: Mapping[str, Any], ids: list[str], n: Names) -> Text:
    c = _checks(ev)
    if ev.get("insider"):
        w = n.who(ev["insider"])
        return _t(
            f"内部人 {w['zh']} 的关联方：{c['zh']}。", f"Related parties of insider {w['en']}: {c['en']}."
        )
    m = n.many(ids)
    return _t(f"关联方 {m['zh']}：{c['zh']}。", f"Related party {m['en']}: {c['en']}.")


def _controller(ev: Mapping[str, Any], ids: list[str], n: Names) -> Text:
    path = (ev.get("paths") or [[]])[0]
    company, ctl = (ids[0], ids[1:]) if ids else ("", [])
    w, c, p = n.who(company), n.many(ctl), n.path(path)
    layers = max(len(ev.get("control_chain") or []) - 1, 0)
    return _t(
        f"{w['zh']} 的实际控制人 {c['zh']} 经 {layers} 层中间企业实施控制：{p['zh']}。",
        f"The actual controller of {w['en']}, {c['en']}, controls it through {layers} intermediate companies: {p['en']}.",
    )


def _beneficial(ev: Mapping[str, Any], ids: list[str], n: Names) -> Text:
    w = n.who(ids[0] if ids else "")
    cmp = "≥" if ev.get("comparison") == ">=" else ">"
    th = pct_points(ev.get("threshold_pct"))
    if ev.get("basis") == "none":
        return _t(
            f"{w['zh']} 无法识别受益所有人：无自然人持股{cmp}{th}，无实际控制的自然人，也无登记的高级管理人员。",
            f"No beneficial owner of {w['en']} can be identified: no natural person owns {cmp} {th}, none "
            "controls it, and no senior manager is on record.",
        )
    owners = [
        _t(
            f"{n.who(o.get('person'))['zh']}（{pct_points(o.get('share_pct'))}）",
            f"{n.who(o.get('person'))['en']} ({pct_points(o.get('share_pct'))})",
        )
        for o in ev.get("owners") or []
    ]
    o = join(owners, "、", ", ")
    basis = {"ownership": ("按持股", "by ownership"), "control": ("按实际控制", "by control")}.get(
        str(ev.get("basis")), ("以高级管理人员", "by senior management")
    )
    return _t(
        f"{w['zh']} 的受益所有人（{basis[0]}认定，持股阈值{cmp}{th}）：{o['zh']}。",
        f"Beneficial owners of {w['en']} ({basis[1]}, threshold {cmp} {th}): {o['en']}.",
    )


ATTR = {
    "phone": ("电话", "phone"),
    "address": ("地址", "address"),
    "legal_representative": ("法定代表人", "legal representative"),
}


def _shell(ev: Mapping[str, Any], ids: list[str], n: Names) -> Text:
    if "shared_values" not in ev:  # a supernode value shared by very many companies
        a = ATTR.get(str(ev.get("attribute")), (n.v(ev.get("attribute")), n.v(ev.get("attribute"))))
        s = n.many(ev.get("companies_sample") or ids, limit=5)
        return _t(
            f"{a[0]} {n.v(ev.get('value'))} 被大量企业共用（如 {s['zh']}），疑似代理注册或挂靠。",
            f"The {a[1]} {n.v(ev.get('value'))} is shared by very many companies (e.g. {s['en']}): likely a "
            "registration agent.",
        )
    shared = ev.get("shared_values") or []
    companies = (ev.get("subgraph") or {}).get("nodes") or ids
    m = n.many(companies)
    kinds = sorted({str(x.get("attribute")) for x in shared})
    kz = "、".join(ATTR.get(k, (k, k))[0] for k in kinds)
    ke = ", ".join(ATTR.get(k, (k, k))[1] for k in kinds)
    base = _t(
        f"{len(companies)} 家企业共用{kz}（{m['zh']}），共 {len(shared)} 个共用值。",
        f"{len(companies)} companies share a {ke} ({m['en']}): {len(shared)} shared values.",
    )
    return _with_distress(base, ev, n)


def _over_100(ev: Mapping[str, Any], ids: list[str], n: Names) -> Text:
    w = n.who(ev.get("company") or (ids[0] if ids else ""))
    total = ev.get("total_pct")
    sources = "、".join(n.v(s) for s in ev.get("sources") or []) or "—"
    return _t(
        f"{w['zh']} 的登记持股比例合计 {pct_points(total)}，超过 100%（来源：{sources}）。",
        f"The recorded holdings in {w['en']} add up to {pct_points(total)}, over 100% (sources: {sources}).",
    )


def _generic(ev: Mapping[str, Any], ids: list[str], n: Names, total: int | None = None) -> Text:
    m = n.many(ids, total=total)
    return _t(f"涉及 {m['zh']}。", f"Concerns {m['en']}.")


RENDERERS: dict[str, Render] = {
    "guarantee.circle": _circle,
    "guarantee.circle_exposure": _circle_exposure,
    "guarantee.mutual": _mutual,
    "guarantee.chain_depth": _chain,
    "guarantee.one_for_many": _fans(True),
    "guarantee.many_for_one": _fans(False),
    "guarantee.leverage": _leverage,
    "contagion.blacklist": _contagion,
    "group.customer": _group_customer,
    "group.concentration": _group_concentration,
    "concentration.large_exposure": _with_subject,
    "concentration.related_party": _related,
    "control.actual_controller": _controller,
    "ownership.beneficial_owner": _beneficial,
    "linkage.shell_cluster": _shell,
    "data_quality.ownership_over_100": _over_100,
}


def message(alert: Mapping[str, Any], n: Names) -> Text:
    """The alert's message from its evidence (its rule's renderer, or the generic one)."""
    ev = alert.get("evidence")
    ev = ev if isinstance(ev, Mapping) else {}
    ids = [str(i) for i in alert.get("entity_ids") or []]
    total = alert.get("entity_ids_total")  # set where ``entity_ids`` is a capped list
    total = total if isinstance(total, int) else None
    render = RENDERERS.get(str(alert.get("rule_id"))) if ev else None
    try:
        return render(ev, ids, n) if render else _generic(ev, ids, n, total)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError):  # evidence of an older version
        return _generic(ev, ids, n, total)


def rendered(alert: Mapping[str, Any], n: Names) -> dict[str, Text]:
    """``{"title", "message", "severity"}`` of one alert, each ``{zh, en}``."""
    sev = str(alert.get("severity") or "")
    t = title(alert.get("rule_id"))
    return {
        "title": t,
        "message": message(alert, n),
        "severity": {"zh": SEVERITY_ZH.get(sev, sev), "en": sev},
    }
