"""担保倍数 guarantee leverage: total guaranteed ÷ net assets of the guarantor above a limit."""

from __future__ import annotations

from pydantic import Field, PositiveFloat

from risk_rules.algorithms import guarantee_leverage
from risk_rules.config import RuleParams, Severity
from risk_rules.framework import Finding, Rule, RuleContext, RuleOutput
from risk_rules.projection import guarantee_graph
from risk_rules.rules._helpers import fmt_cny, label, names_of


class Params(RuleParams):
    limit: PositiveFloat = Field(description="alert when guaranteed / net assets exceeds this")
    high_ratio: PositiveFloat = Field(description="ratio from which severity is high")
    critical_ratio: PositiveFloat = Field(description="ratio from which severity is critical")
    companies_only: bool = Field(description="skip natural-person guarantors (no net assets on record)")
    alert_non_positive_net_assets: bool = Field(description="alert guarantors with net assets ≤ 0")
    alert_missing_net_assets: bool = Field(description="alert guarantors whose net assets are unknown")


class GuaranteeLeverageRule(Rule[Params]):
    id = "guarantee.leverage"
    version = "1.0"
    title_zh = "担保倍数过高"
    title_en = "Guarantee leverage"
    description_zh = "担保人对外担保总额 ÷ 净资产超过限额；净资产为零或负数时任何担保都视为超限。"
    description_en = (
        "A guarantor's total guaranteed amount ÷ its net assets exceeds the limit; with net assets ≤ 0 "
        "any guarantee exceeds it."
    )
    sources = (
        "上市公司监管指引第8号——上市公司资金往来、对外担保的监管要求 (2022)：对外担保总额对净资产",
        "Nature Communications 11 (2020), guarantee network fragility",
    )
    shared_reads = frozenset({"guarantee_graph", "names"})

    def evaluate(self, ctx: RuleContext, params: Params) -> RuleOutput:
        G = guarantee_graph(ctx)
        rows = guarantee_leverage(G, limit=params.limit)
        findings = []
        for r in rows:
            if params.companies_only and G.nodes[r.node].get("kind") == "person":
                continue
            if r.status == "ok" and not r.exceeds:
                continue
            if r.status == "missing_net_assets" and not params.alert_missing_net_assets:
                continue
            if r.status == "non_positive_net_assets" and not (
                params.alert_non_positive_net_assets and r.exceeds
            ):
                continue
            who = label(names_of(ctx, [r.node]), r.node)
            sev: Severity
            if r.status == "ok":
                assert r.ratio is not None
                sev = (
                    "critical"
                    if r.ratio >= params.critical_ratio
                    else "high"
                    if r.ratio >= params.high_ratio
                    else "medium"
                )
                zh = (
                    f"{who} 对外担保 {fmt_cny(r.total_guaranteed)} 元，为净资产 {fmt_cny(r.net_assets)} 元的 "
                    f"{r.ratio:.2f} 倍，超过限额 {params.limit:g} 倍。"
                )
                en = (
                    f"{who} guarantees CNY {fmt_cny(r.total_guaranteed)}, {r.ratio:.2f}× its net assets of "
                    f"CNY {fmt_cny(r.net_assets)} (limit {params.limit:g}×)."
                )
            elif r.status == "non_positive_net_assets":
                sev = "critical"
                zh = f"{who} 净资产为 {fmt_cny(r.net_assets)} 元（≤0），却对外担保 {fmt_cny(r.total_guaranteed)} 元。"
                en = f"{who} has net assets of CNY {fmt_cny(r.net_assets)} (≤ 0) yet guarantees CNY {fmt_cny(r.total_guaranteed)}."
            else:
                sev = "low"
                zh = f"{who} 对外担保 {fmt_cny(r.total_guaranteed)} 元，但净资产未知，无法计算担保倍数。"
                en = f"{who} guarantees CNY {fmt_cny(r.total_guaranteed)} but its net assets are unknown."
            findings.append(
                Finding(
                    subject_key=r.node,
                    entity_ids=(r.node,),
                    severity=sev,
                    kind=r.status,
                    explanation_zh=zh,
                    explanation_en=en,
                    evidence={
                        "arithmetic": {
                            "total_guaranteed": r.total_guaranteed,
                            "net_assets": r.net_assets,
                            "ratio": r.ratio,
                            "limit": params.limit,
                        },
                        "borrowers": sorted(G.successors(r.node)),
                    },
                )
            )
        return RuleOutput(findings, stats={"guarantors": len(rows)})
