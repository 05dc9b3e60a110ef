"""一保多 / 多保一: one guarantor for many borrowers, many guarantors for one borrower."""

from __future__ import annotations

from pydantic import Field, PositiveInt

from risk_rules.algorithms import GuaranteeFan, many_guarantors_for_one, one_guarantor_for_many
from risk_rules.config import RuleParams, Severity
from risk_rules.framework import Finding, Rule, RuleContext, RuleOutput
from risk_rules.projection import entity_facts, guarantee_graph
from risk_rules.rules._helpers import fmt_cny, join_labels, label, names_of


class Params(RuleParams):
    min_degree: PositiveInt = Field(
        description="distinct counterparties needed (3: 一保多 / 联保 as banks define them)"
    )
    high_degree: PositiveInt = Field(description="from this many counterparties on, severity_high")
    severity: Severity
    severity_high: Severity


def _findings(ctx: RuleContext, fans: tuple[GuaranteeFan, ...], params: Params, out: bool) -> list[Finding]:
    facts = entity_facts(ctx)
    findings = []
    names_of(ctx, {x for f in fans for x in (f.node, *f.counterparties)})  # one batched read
    for f in fans:
        names = names_of(ctx, (f.node, *f.counterparties))
        sev = params.severity_high if f.degree >= params.high_degree else params.severity
        who, others = label(names, f.node), join_labels(names, f.counterparties)
        na = facts.net_assets.get(f.node)
        if out:
            zh = f"{who} 为 {f.degree} 个借款人担保（{others}），合计 {fmt_cny(f.total_amount)} 元（阈值 {params.min_degree}）。"
            en = (
                f"{who} guarantees {f.degree} borrowers ({others}), CNY {fmt_cny(f.total_amount)} in total "
                f"(threshold {params.min_degree})."
            )
            edges = [{"from": f.node, "to": c, "type": "GUARANTEES"} for c in f.counterparties]
        else:
            zh = f"{who} 由 {f.degree} 个担保人担保（{others}），合计 {fmt_cny(f.total_amount)} 元（阈值 {params.min_degree}）。"
            en = (
                f"{who} is guaranteed by {f.degree} guarantors ({others}), CNY {fmt_cny(f.total_amount)} in total "
                f"(threshold {params.min_degree})."
            )
            edges = [{"from": c, "to": f.node, "type": "GUARANTEES"} for c in f.counterparties]
        findings.append(
            Finding(
                subject_key=f.node,
                entity_ids=(f.node, *f.counterparties),
                severity=sev,
                explanation_zh=zh,
                explanation_en=en,
                evidence={
                    "center": f.node,
                    "degree": f.degree,
                    "total_amount": f.total_amount,
                    "net_assets": na,
                    "subgraph": {"nodes": [f.node, *f.counterparties], "edges": edges},
                },
            )
        )
    return findings


class OneForManyRule(Rule[Params]):
    id = "guarantee.one_for_many"
    version = "1.0"
    title_zh = "一保多"
    title_en = "One guarantor for many borrowers"
    description_zh = "同一担保人为不少于阈值个不同借款人提供担保（出度≥3）。"
    description_en = (
        "One guarantor guarantees at least the threshold number of distinct borrowers (out-degree ≥ 3)."
    )
    sources = ("银发〔2018〕164号",)
    shared_reads = frozenset({"guarantee_graph", "entity_facts", "names"})

    def evaluate(self, ctx: RuleContext, params: Params) -> RuleOutput:
        fans = one_guarantor_for_many(guarantee_graph(ctx), min_borrowers=params.min_degree)
        return RuleOutput(_findings(ctx, fans, params, out=True), stats={"fans": len(fans)})


class ManyForOneRule(Rule[Params]):
    id = "guarantee.many_for_one"
    version = "1.0"
    title_zh = "多保一（联保）"
    title_en = "Many guarantors for one borrower"
    description_zh = "同一借款人由不少于阈值个不同担保人担保（入度≥3）。"
    description_en = (
        "One borrower is guaranteed by at least the threshold number of distinct guarantors (in-degree ≥ 3)."
    )
    sources = ("银发〔2018〕164号",)
    shared_reads = frozenset({"guarantee_graph", "entity_facts", "names"})

    def evaluate(self, ctx: RuleContext, params: Params) -> RuleOutput:
        fans = many_guarantors_for_one(guarantee_graph(ctx), min_guarantors=params.min_degree)
        return RuleOutput(_findings(ctx, fans, params, out=False), stats={"fans": len(fans)})
