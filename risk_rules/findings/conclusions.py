"""What a profile means for one credit decision — decided here, once, with the rules' parameters.

Each function turns part of a profile (or the applicant's own facts) into conclusions: a code,
an effect (``decline-suggested`` / ``refer`` / ``info``), a bilingual sentence with names beside
ids, and the evidence. The effects follow the rules' own alert thresholds, so whatever raises an
alert refers in the pre-loan check: contagion at the contagion rule's threshold, a mutual pair
or circle as the guarantee rules report them, a chain at its minimum depth, a fan at its minimum
degree, leverage over its limit, a limit at its warning fraction; a breach with the requested
amount declines. The requested amount enters the arithmetic through
:func:`~risk_rules.algorithms.concentration_checks`, the function the limit rules use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from risk_rules.algorithms import Exposure, ExposureLimits, LimitCheck, concentration_checks
from risk_rules.findings.params import FindingParams
from risk_rules.rules._limits import LIMIT_NAMES_ZH, LimitParams, check_json, limit_severity

Effect = Literal["decline-suggested", "refer", "info"]
EFFECT_ORDER: dict[str, int] = {"decline-suggested": 0, "refer": 1, "info": 2}
#: registration statuses of an entity that no longer operates (注销 deregistered, 吊销 licence
#: revoked, 撤销 registration cancelled)
NOT_OPERATING = ("注销", "吊销", "撤销", "cancelled", "revoked")
#: kinds of conclusion, in the order details are grouped; the first ones are decisive first
KINDS = ("applicant", "limits", "guarantees", "contagion", "alerts", "resolution", "disputes")


@dataclass(frozen=True)
class Conclusion:
    code: str
    effect: Effect
    kind: str
    message_zh: str
    message_en: str
    evidence: dict[str, Any] = field(default_factory=dict)
    freshness: str = "live"

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "effect": self.effect,
            "kind": self.kind,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "evidence": self.evidence,
            "freshness": self.freshness,
        }


def label(name: str | None, eid: str) -> str:
    """``name（id）``: readable and still unambiguous."""
    return f"{name}（{eid}）" if name and name != eid else eid


def verdict(conclusions: list[Conclusion]) -> Effect | Literal["pass"]:
    if any(c.effect == "decline-suggested" for c in conclusions):
        return "decline-suggested"
    if any(c.effect == "refer" for c in conclusions):
        return "refer"
    return "pass"


# --- the applicant's own facts (always read at check time) -------------------------------------
def own_facts(
    eid: str,
    name: str | None,
    status: str | None,
    loans: list[dict[str, Any]],
    listings: list[dict[str, Any]],
) -> list[Conclusion]:
    out: list[Conclusion] = []
    who = label(name, eid)
    st = str(status or "")
    if any(s in st for s in NOT_OPERATING):
        out.append(
            Conclusion(
                "applicant_not_operating",
                "decline-suggested",
                "applicant",
                f"申请人 {who} 登记状态为“{st}”。",
                f"The applicant {who} is registered as '{st}'.",
                {"entity_id": eid, "status": st},
            )
        )
    if listings:
        kinds = ", ".join(sorted({str(x.get("kind")) for x in listings}))
        out.append(
            Conclusion(
                "applicant_blacklisted",
                "decline-suggested",
                "applicant",
                f"申请人 {who} 本身在名单上（{kinds}）。",
                f"The applicant {who} is itself listed ({kinds}).",
                {"entity_id": eid, "listings": listings},
            )
        )
    for loan in loans:
        if loan.get("status") == "defaulted":
            out.append(
                Conclusion(
                    "applicant_defaulted_loan",
                    "decline-suggested",
                    "applicant",
                    f"申请人 {who} 有违约贷款 {loan['loan_id']}（余额 {fmt_cny(loan.get('balance'))}）。",
                    f"The applicant {who} has a defaulted loan {loan['loan_id']} (balance {fmt_cny(loan.get('balance'))}).",
                    {"entity_id": eid, "loan": loan},
                )
            )
        elif loan.get("status") == "overdue":
            out.append(
                Conclusion(
                    "applicant_overdue_loan",
                    "refer",
                    "applicant",
                    f"申请人 {who} 有逾期贷款 {loan['loan_id']}（余额 {fmt_cny(loan.get('balance'))}）。",
                    f"The applicant {who} has an overdue loan {loan['loan_id']} (balance {fmt_cny(loan.get('balance'))}).",
                    {"entity_id": eid, "loan": loan},
                )
            )
    return out


def fmt_cny(x: float | None) -> str:
    """An amount as bank staff read it: 元 below 1万, then 万元, then 亿元."""
    if x is None:
        return "—"
    v = float(x)
    if abs(v) >= 1e8:
        return f"{v / 1e8:,.2f} 亿元"
    if abs(v) >= 1e4:
        return f"{v / 1e4:,.2f} 万元"
    return f"{v:,.2f} 元"


# --- limits with the requested amount ----------------------------------------------------------
def exposure_limits(fp: FindingParams) -> ExposureLimits:
    le, gl, rp = fp.large_exposure, fp.group_limits, fp.related
    return ExposureLimits(
        single_borrower=le.single_borrower_limit,
        group_customer=gl.group_limit,
        large_single=le.large_single_limit,
        large_group=gl.large_group_limit,
        related_single=rp.single_limit,
        related_group=rp.group_limit,
        related_all=rp.all_limit,
    )


def _limit_params(name: str, fp: FindingParams) -> LimitParams:
    if name.startswith("related_party"):
        return fp.related
    if name in ("group_customer", "large_exposure_group"):
        return fp.group_limits
    return fp.large_exposure


@dataclass(frozen=True)
class Members:
    """A set of borrowers the limits sum over, as a profile holds it: the ids it lists (the
    applicant's first ones), how many there are, and the loans of all but the applicant."""

    listed: tuple[str, ...]
    total: int
    others_loans: float

    @classmethod
    def of_rows(cls, eid: str, rows: list[dict[str, Any]], others_loans: float | None = None) -> Members:
        """From member rows ``{entity_id, balance}``; ``others_loans`` when the rows are only a part."""
        ids = sorted({str(m["entity_id"]) for m in rows} | {eid})
        if others_loans is None:
            others_loans = sum(float(m.get("balance") or 0.0) for m in rows if m["entity_id"] != eid)
        return cls(tuple(ids), len(ids), float(others_loans))

    def exposure(self, borrower_loans: float, label: str) -> Exposure:
        """The set's exposure with the applicant's loans as read now."""
        return Exposure(label, self.others_loans + borrower_loans, 0.0, (), ())


def group_members(eid: str, body: dict[str, Any]) -> Members | None:
    """The applicant's group as its profile holds it (None: in no group)."""
    g = body.get("group")
    if not g:
        return None
    rows = g.get("members") or []
    if "others_loans" not in g:  # every row listed
        return Members.of_rows(eid, rows)
    listed = sorted({str(m["entity_id"]) for m in rows} | {eid})
    return Members(tuple(listed), int(g.get("members_total") or len(listed)), float(g["others_loans"]))


def related_members(eid: str, body: dict[str, Any]) -> Members | None:
    """The applicant's related parties as one exposure, when the applicant is a related party of
    the bank (None otherwise: the related-party limits do not apply)."""
    e = body.get("exposure") or {}
    if not e.get("related_party_of_bank"):
        return None
    rows = e.get("related_members") or []
    if "related_others_loans" not in e:
        return Members.of_rows(eid, rows)
    listed = sorted({str(m["entity_id"]) for m in rows} | {eid})
    total = int(e.get("related_members_total") or len(listed))
    return Members(tuple(listed), total, float(e["related_others_loans"]))


def limits(
    eid: str,
    borrower_loans: float,
    group: Members | None,
    related: Members | None,
    requested: float,
    requested_kind: str,
    fp: FindingParams,
) -> tuple[list[LimitCheck], dict[str, Members], list[Conclusion]]:
    """Every concentration limit with the requested amount added: (checks, the members each check
    sums over, conclusions). The applicant's loans are ``borrower_loans`` (read now), the other
    members' as the profile summed them."""
    borrower = Exposure("borrower", borrower_loans, 0.0, ((eid, borrower_loans, 0.0),), ())
    checks = concentration_checks(
        net_capital=fp.bank.net_capital,
        tier1_capital=fp.bank.tier1_capital,
        borrower=borrower,
        group=group.exposure(borrower_loans, "group") if group else None,
        requested=requested,
        requested_kind=requested_kind,
        related_party=related is not None,
        related_group=related.exposure(borrower_loans, "related") if related else None,
        limits=exposure_limits(fp),
    )
    alone = Members((eid,), 1, 0.0)
    member_of = {
        "single_borrower": alone,
        "large_exposure_single": alone,
        "related_party_single": alone,
    }
    if group is not None:
        member_of["group_customer"] = member_of["large_exposure_group"] = group
    if related is not None:
        member_of["related_party_group"] = related
    out: list[Conclusion] = []
    for c in checks:
        params = _limit_params(c.name, fp)
        severity = limit_severity(c, params)
        if severity is None:
            continue
        title = LIMIT_NAMES_ZH.get(c.name, c.name)
        arithmetic = (
            f"({fmt_cny(c.numerator)} + {fmt_cny(c.requested)}) / {fmt_cny(c.denominator)} = {c.ratio:.4%}"
        )
        m = member_of.get(c.name)
        row = {
            **check_json(c),
            "requested": c.requested,
            "members": list(m.listed[:50]) if m else [],
            "members_total": m.total if m else 0,
        }
        evidence = {"limit": row, "arithmetic": arithmetic, "severity": severity}
        if c.breach:
            out.append(
                Conclusion(
                    f"limit_breach:{c.name}",
                    "decline-suggested",
                    "limits",
                    f"加上申请金额后超过{title}限额（{c.source}）：{arithmetic} > {c.limit:.2%}。",
                    f"With the requested amount, limit {c.name} ({c.source}) is breached: {arithmetic} > {c.limit:.2%}.",
                    evidence,
                )
            )
        else:
            out.append(
                Conclusion(
                    f"limit_near:{c.name}",
                    "refer",
                    "limits",
                    f"接近{title}限额：{arithmetic}（上限 {c.limit:.2%}，预警比例 {params.warn_fraction:g}）。",
                    f"Close to limit {c.name}: {arithmetic} (limit {c.limit:.2%}, warning from "
                    f"{params.warn_fraction:g} of it).",
                    {**evidence, "warn_fraction": params.warn_fraction},
                )
            )
    return list(checks), member_of, out


# --- guarantee motifs --------------------------------------------------------------------------
def guarantees(eid: str, name: str | None, g: dict[str, Any], fp: FindingParams) -> list[Conclusion]:
    out: list[Conclusion] = []
    who = label(name, eid)
    for m in g.get("mutual") or []:
        other = label(m.get("other_name"), m["other"])
        out.append(
            Conclusion(
                "mutual_guarantee",
                "refer",
                "guarantees",
                f"申请人 {who} 与 {other} 互保（{fmt_cny(m['amount_ab'])} / {fmt_cny(m['amount_ba'])}）。",
                f"The applicant {who} and {other} guarantee each other ({fmt_cny(m['amount_ab'])} / "
                f"{fmt_cny(m['amount_ba'])}).",
                {"pair": {k: m[k] for k in ("a", "b", "amount_ab", "amount_ba")}},
            )
        )
    c = g.get("circle")
    if c:
        out.append(
            Conclusion(
                "guarantee_circle",
                "refer",
                "guarantees",
                f"申请人 {who} 处于担保圈中（{c['size']} 个成员），最短回路：{' → '.join(c['cycle_through_applicant'])}。",
                f"The applicant {who} is in a guarantee circle of {c['size']} members; shortest cycle: "
                f"{' → '.join(c['cycle_through_applicant'])}.",
                {"circle_id": c["circle_id"], "cycle": c["cycle_through_applicant"], "members": c["members"]},
            )
        )
    ch = g.get("chain")
    if ch and ch["depth"] >= fp.chain.min_depth:
        out.append(
            Conclusion(
                "guarantee_chain",
                "refer",
                "guarantees",
                f"申请人 {who} 位于 {ch['depth']} 层担保链上（阈值 {fp.chain.min_depth}）。",
                f"The applicant {who} lies on a guarantee chain {ch['depth']} links deep (threshold {fp.chain.min_depth}).",
                dict(ch),
            )
        )
    fans = g.get("fans") or {}
    if fans.get("out_degree", 0) >= fp.one_for_many.min_degree:
        out.append(
            Conclusion(
                "guarantee_one_for_many",
                "refer",
                "guarantees",
                f"申请人 {who} 为 {fans['out_degree']} 个主体提供担保（一保多，阈值 {fp.one_for_many.min_degree}）。",
                f"The applicant {who} guarantees {fans['out_degree']} borrowers (threshold {fp.one_for_many.min_degree}).",
                dict(fans),
            )
        )
    if fans.get("in_degree", 0) >= fp.many_for_one.min_degree:
        out.append(
            Conclusion(
                "guarantee_many_for_one",
                "refer",
                "guarantees",
                f"申请人 {who} 由 {fans['in_degree']} 个担保人担保（多保一，阈值 {fp.many_for_one.min_degree}）。",
                f"The applicant {who} is guaranteed by {fans['in_degree']} guarantors (threshold "
                f"{fp.many_for_one.min_degree}).",
                dict(fans),
            )
        )
    lev = g.get("leverage")
    lp = fp.leverage
    if lev:
        over = lev["ratio"] is not None and lev["ratio"] > lp.limit
        insolvent = lev["status"] == "non_positive_net_assets" and lp.alert_non_positive_net_assets
        if over or insolvent:
            ratio = f"{lev['ratio']:.2f}" if lev["ratio"] is not None else "—"
            out.append(
                Conclusion(
                    "guarantee_leverage",
                    "refer",
                    "guarantees",
                    f"申请人 {who} 对外担保 {fmt_cny(lev['total_guaranteed'])}，为净资产的 {ratio} 倍（上限 {lp.limit:g}）。",
                    f"The applicant {who} guarantees {fmt_cny(lev['total_guaranteed'])}, {ratio} × its net assets "
                    f"(limit {lp.limit:g}).",
                    dict(lev),
                )
            )
    return out


# --- contagion ---------------------------------------------------------------------------------
def contagion(eid: str, name: str | None, c: dict[str, Any], fp: FindingParams) -> list[Conclusion]:
    """Refer at the contagion rule's own alert threshold (the same number raises its alert)."""
    score = float(c.get("score") or 0.0)
    if score <= 0:
        return []
    p = fp.contagion
    best = (c.get("paths") or [{}])[0]
    text = " — ".join(label(n, e) for e, n in zip(best.get("nodes", []), best.get("names", []), strict=False))
    evidence = {
        "score": score,
        "measure": c.get("measure"),
        "hops": c.get("hops"),
        "threshold": p.threshold,
        "paths": c.get("paths") or [],
    }
    who = label(name, eid)
    if score >= p.threshold:
        return [
            Conclusion(
                "blacklist_proximity",
                "refer",
                "contagion",
                f"申请人 {who} 距名单主体 {c.get('hops')} 跳，传染强度 {score:.3f} ≥ 阈值 {p.threshold:g}；最强路径：{text}。",
                f"The applicant {who} is {c.get('hops')} hop(s) from a listed entity, contagion strength "
                f"{score:.3f} ≥ threshold {p.threshold:g}; strongest path: {text}.",
                evidence,
            )
        ]
    return [
        Conclusion(
            "blacklist_in_reach",
            "info",
            "contagion",
            f"名单主体在 {c.get('hops')} 跳以内，但传染强度 {score:.3f} 低于阈值 {p.threshold:g}。",
            f"A listed entity is within {c.get('hops')} hop(s), but the contagion strength {score:.3f} is below "
            f"the threshold {p.threshold:g}.",
            evidence,
        )
    ]


# --- open alerts -------------------------------------------------------------------------------
def open_alerts(eid: str, alerts: list[dict[str, Any]]) -> list[Conclusion]:
    """Open alerts about the applicant: high and critical ones refer, the others inform."""
    out = []
    for al in alerts:
        effect: Effect = "refer" if al.get("severity") in ("high", "critical") else "info"
        out.append(
            Conclusion(
                f"open_alert:{al['rule_id']}",
                effect,
                "alerts",
                f"未处理预警（{al.get('severity')}）：{al.get('explanation_zh') or al['alert_id']}",
                f"Open alert ({al.get('severity')}): {al.get('explanation_en') or al['alert_id']}",
                {
                    "alert_id": al["alert_id"],
                    "entity_ids": al.get("entity_ids") or [],
                    "entity_ids_total": al.get("entity_ids_total") or len(al.get("entity_ids") or []),
                },
            )
        )
    return out


def decisive_first(
    conclusions: list[Conclusion], limit: int = 5
) -> tuple[list[Conclusion], dict[str, list[Conclusion]]]:
    """(the at most ``limit`` decisive conclusions, the rest grouped by kind). Decisive: the
    strongest effects first, then the applicant's own facts, limits, guarantee motifs and
    contagion before anything else."""
    order = sorted(
        conclusions,
        key=lambda c: (
            EFFECT_ORDER[c.effect],
            KINDS.index(c.kind) if c.kind in KINDS else len(KINDS),
            c.code,
            str(sorted(c.evidence.items())),
        ),
    )
    head, rest = order[:limit], order[limit:]
    grouped: dict[str, list[Conclusion]] = {}
    for c in rest:
        grouped.setdefault(c.kind, []).append(c)
    return head, grouped
