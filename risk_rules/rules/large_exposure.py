"""大额风险暴露 / 单一客户贷款集中度: one borrower's exposure against the bank's capital."""

from __future__ import annotations

from pydantic import Field

from risk_rules.algorithms import ExposureLimits, aggregate_exposure, concentration_checks
from risk_rules.framework import Finding, Rule, RuleContext, RuleOutput, max_severity
from risk_rules.projection import loan_balances
from risk_rules.rules._helpers import label, names_of
from risk_rules.rules._limits import LimitParams, check_json, check_text, limit_severity


class Params(LimitParams):
    single_borrower_limit: float = Field(gt=0, description="loans / net capital (商业银行法 art. 39: 0.10)")
    large_single_limit: float = Field(gt=0, description="exposure / tier-1 (大额风险暴露管理办法: 0.15)")


class LargeExposureRule(Rule[Params]):
    id = "concentration.large_exposure"
    version = "1.0"
    title_zh = "单一客户集中度 / 大额风险暴露"
    title_en = "Single-borrower concentration / large exposure"
    description_zh = (
        "单一客户贷款余额 ≤ 资本净额 10%；对单一非同业客户风险暴露 ≤ 一级资本净额 15%；接近限额预警。"
    )
    description_en = (
        "A single borrower's loans ≤ 10% of net capital; exposure to a single non-bank customer ≤ 15% of "
        "tier-1 capital; warns when near a limit."
    )
    sources = ("商业银行法 art. 39", "商业银行大额风险暴露管理办法 (2018)")
    shared_reads = frozenset({"entity_facts", "names"})

    def evaluate(self, ctx: RuleContext, params: Params) -> RuleOutput:
        limits = ExposureLimits(
            single_borrower=params.single_borrower_limit, large_single=params.large_single_limit
        )
        loans = loan_balances(ctx)
        findings = []
        for borrower in sorted(loans):
            exp = aggregate_exposure([borrower], loans, label=borrower)
            checks = concentration_checks(
                net_capital=ctx.bank.net_capital,
                tier1_capital=ctx.bank.tier1_capital,
                borrower=exp,
                limits=limits,
            )
            hits = [(c, s) for c in checks if (s := limit_severity(c, params))]
            if not hits:
                continue
            names = names_of(ctx, [borrower])
            texts = [check_text(c) for c, _ in hits]
            findings.append(
                Finding(
                    subject_key=borrower,
                    entity_ids=(borrower,),
                    severity=max_severity(*(s for _, s in hits)),
                    kind="breach" if any(c.breach for c, _ in hits) else "near_limit",
                    explanation_zh=f"{label(names, borrower)}：" + "；".join(t[0] for t in texts) + "。",
                    explanation_en=f"{label(names, borrower)}: " + "; ".join(t[1] for t in texts) + ".",
                    evidence={"checks": [check_json(c) for c, _ in hits], "loans": exp.loans},
                )
            )
        return RuleOutput(findings, stats={"borrowers": len(loans)})
