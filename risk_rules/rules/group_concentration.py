"""集团客户授信集中度: a group's aggregate exposure against net capital and tier-1 capital."""

from __future__ import annotations

from pydantic import Field, PositiveInt

from risk_rules.algorithms import ExposureLimits, aggregate_exposure, concentration_checks
from risk_rules.framework import Finding, Rule, RuleContext, RuleOutput, max_severity
from risk_rules.projection import loan_balances
from risk_rules.rules._control import groups
from risk_rules.rules._helpers import join_labels, label, names_of
from risk_rules.rules._limits import LimitParams, check_json, check_text, limit_severity


class Params(LimitParams):
    group_limit: float = Field(gt=0, description="group credit / net capital (集团客户指引: 0.15)")
    large_group_limit: float = Field(gt=0, description="group exposure / tier-1 (大额风险暴露管理办法: 0.20)")
    min_members: PositiveInt = Field(description="groups of at least this many members")


class GroupConcentrationRule(Rule[Params]):
    id = "group.concentration"
    version = "1.0"
    title_zh = "集团客户授信集中度超限"
    title_en = "Group concentration breach"
    description_zh = (
        "集团客户全部成员贷款合计 ≤ 资本净额 15%，非同业集团客户风险暴露 ≤ 一级资本净额 20%；接近限额预警。"
    )
    description_en = (
        "A group customer's aggregate loans ≤ 15% of net capital and its exposure ≤ 20% of tier-1 capital; "
        "warns when near a limit."
    )
    sources = ("商业银行集团客户授信业务风险管理指引", "商业银行大额风险暴露管理办法 (2018)")
    shared_reads = frozenset({"groups", "controllers", "entity_facts", "names"})

    def evaluate(self, ctx: RuleContext, params: Params) -> RuleOutput:
        limits = ExposureLimits(group_customer=params.group_limit, large_group=params.large_group_limit)
        loans = loan_balances(ctx)
        empty = aggregate_exposure([], {})
        findings = []
        grps = groups(ctx, params.min_members)
        names_of(
            ctx, {x for g in grps for ids in (*g.controllers, g.members) for x in ids}
        )  # one batched read
        for g in grps:
            exp = aggregate_exposure(g.members, loans, label=g.group_id)
            checks = [
                c
                for c in concentration_checks(
                    net_capital=ctx.bank.net_capital,
                    tier1_capital=ctx.bank.tier1_capital,
                    borrower=empty,
                    group=exp,
                    limits=limits,
                )
                if c.name in ("group_customer", "large_exposure_group")
            ]
            hits = [(c, s) for c in checks if (s := limit_severity(c, params))]
            if not hits:
                continue
            controller_ids = sorted({x for block in g.controllers for x in block})
            names = names_of(ctx, [*controller_ids, *g.members])
            texts = [check_text(c) for c, _ in hits]
            top = "+".join(label(names, x) for x in controller_ids)
            findings.append(
                Finding(
                    subject_key=g.group_id,
                    entity_ids=tuple(sorted({*g.members, *controller_ids})),
                    severity=max_severity(*(s for _, s in hits)),
                    kind="breach" if any(c.breach for c, _ in hits) else "near_limit",
                    explanation_zh=f"{top} 控制的集团客户（{join_labels(names, g.members)}）："
                    + "；".join(t[0] for t in texts)
                    + "。",
                    explanation_en=f"Group controlled by {top} ({join_labels(names, g.members)}): "
                    + "; ".join(t[1] for t in texts)
                    + ".",
                    evidence={
                        "group_id": g.group_id,
                        "members": list(g.members),
                        "per_member": [list(r) for r in exp.per_member],
                        "checks": [check_json(c) for c, _ in hits],
                    },
                )
            )
        return RuleOutput(findings, stats={"groups": len(grps)})
