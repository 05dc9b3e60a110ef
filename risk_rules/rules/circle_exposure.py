"""担保圈风险敞口: loans concentrated in a guarantee circle and its distressed members."""

from __future__ import annotations

from pydantic import Field, NonNegativeFloat

from risk_rules.algorithms import circle_exposure, guarantee_circles_from_edges
from risk_rules.config import RuleParams, Severity
from risk_rules.framework import Finding, Rule, RuleContext, RuleOutput
from risk_rules.projection import guarantee_edges, guarantee_graph
from risk_rules.rules._helpers import fmt_cny, join_labels, names_of


class Params(RuleParams):
    net_capital_ratio: NonNegativeFloat = Field(
        description="alert when the circle's outstanding loans reach this share of net capital"
    )


class CircleExposureRule(Rule[Params]):
    id = "guarantee.circle_exposure"
    version = "1.0"
    title_zh = "担保圈风险敞口"
    title_en = "Guarantee-circle exposure"
    description_zh = "担保圈内贷款余额合计达到资本净额的一定比例，或圈内有逾期、违约、列入名单的成员（违约→严重，逾期/名单→高，仅敞口→中）。"
    description_en = (
        "A guarantee circle whose members' outstanding loans reach a share of net capital, or that contains "
        "overdue, defaulted or listed members (defaulted → critical, overdue/listed → high, size only → medium)."
    )
    sources = ("银发〔2018〕164号", "商业银行大额风险暴露管理办法 (2018)")
    shared_reads = frozenset({"guarantee_edges", "guarantee_graph", "circles", "names"})

    def evaluate(self, ctx: RuleContext, params: Params) -> RuleOutput:
        circles = ctx.cache.get("circles")
        if circles is None:
            e = guarantee_edges(ctx)
            circles = guarantee_circles_from_edges(e.guarantor, e.borrower, e.amount, max_cycles=5)
        G = guarantee_graph(ctx)
        threshold = params.net_capital_ratio * ctx.bank.net_capital
        findings = []
        for c in circles:
            x = circle_exposure(G, c)
            big = x.total_loans >= threshold and x.total_loans > 0
            if not (big or x.distressed):
                continue
            sev: Severity = (
                "critical" if x.defaulted else "high" if (x.overdue or x.blacklisted) else "medium"
            )
            names = names_of(ctx, x.members)
            ratio = x.total_loans / ctx.bank.net_capital
            parts = [
                (zh, en, ids)
                for zh, en, ids in (
                    ("违约", "defaulted", x.defaulted),
                    ("逾期", "overdue", x.overdue),
                    ("在名单上", "listed", x.blacklisted),
                )
                if ids
            ]
            detail_zh = (
                "；".join(f"{zh}：{join_labels(names, ids)}" for zh, _, ids in parts)
                or "无逾期、违约或在名单上的成员"
            )
            detail_en = (
                "; ".join(f"{en}: {join_labels(names, ids)}" for _, en, ids in parts)
                or "no member overdue, defaulted or listed"
            )
            findings.append(
                Finding(
                    subject_key=c.circle_id,
                    entity_ids=x.members,
                    severity=sev,
                    explanation_zh=(
                        f"担保圈（{join_labels(names, x.members)}）贷款余额合计 {fmt_cny(x.total_loans)} 元，"
                        f"占资本净额 {ratio:.2%}；{detail_zh}。"
                    ),
                    explanation_en=(
                        f"Guarantee circle ({join_labels(names, x.members)}) has CNY {fmt_cny(x.total_loans)} "
                        f"outstanding, {ratio:.2%} of net capital; {detail_en}."
                    ),
                    evidence={
                        "circle_id": c.circle_id,
                        "members": list(x.members),
                        "paths": [list(p) for p in c.cycles],
                        "arithmetic": {
                            "total_loans": x.total_loans,
                            "net_capital": ctx.bank.net_capital,
                            "ratio": ratio,
                            "threshold_ratio": params.net_capital_ratio,
                            "internal_guarantee_amount": x.internal_guarantee_amount,
                        },
                        "members_missing_loan": list(x.members_missing_loan),
                        "defaulted": list(x.defaulted),
                        "overdue": list(x.overdue),
                        "blacklisted": list(x.blacklisted),
                    },
                )
            )
        return RuleOutput(findings, stats={"circles": len(circles)})
