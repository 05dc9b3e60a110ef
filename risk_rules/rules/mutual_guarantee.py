"""互保 mutual guarantee: two parties guaranteeing each other (one of the riskiest motifs)."""

from __future__ import annotations

from pydantic import Field, NonNegativeFloat

from risk_rules.algorithms import mutual_guarantees
from risk_rules.config import RuleParams, Severity
from risk_rules.framework import Finding, Rule, RuleContext, RuleOutput
from risk_rules.projection import guarantee_graph
from risk_rules.rules._common_control import common_control_circles, finding
from risk_rules.rules._helpers import distress, distress_text, fmt_cny, label, names_of


class Params(RuleParams):
    min_amount: NonNegativeFloat = Field(
        description="ignore pairs where either direction guarantees less (CNY)"
    )
    severity: Severity = Field(description="severity of a mutual pair")
    severity_distressed: Severity = Field(
        description="severity when either party is overdue/defaulted/listed"
    )
    through_common_control: bool = Field(
        description="also flag pairs that guarantee each other once a group customer is one party"
    )


class MutualGuaranteeRule(Rule[Params]):
    id = "guarantee.mutual"
    version = "1.0"
    title_zh = "互保"
    title_en = "Mutual guarantee"
    description_zh = "两个主体相互担保（A 担保 B 且 B 担保 A），按担保合同金额汇总。"
    description_en = (
        "Two parties guarantee each other (A guarantees B and B guarantees A); contracts summed. With "
        "through_common_control, also a group customer and a party guaranteeing each other in substance."
    )
    sources = (
        "银发〔2018〕164号 (担保圈风险)",
        "Nature Communications 11 (2020), guarantee network fragility",
    )
    shared_reads = frozenset(
        {
            "guarantee_graph",
            "entity_facts",
            "names",
            "ownership",
            "controllers",
            "groups",
            "common_control_circles",
        }
    )

    def evaluate(self, ctx: RuleContext, params: Params) -> RuleOutput:
        G = guarantee_graph(ctx)
        pairs = [
            m
            for m in mutual_guarantees(G)
            if m.amount_ab >= params.min_amount and m.amount_ba >= params.min_amount
        ]
        names = names_of(ctx, {x for m in pairs for x in (m.a, m.b)})
        findings = []
        for m in pairs:
            bad = distress(ctx, (m.a, m.b))
            bad_zh, bad_en = distress_text(names, bad)
            sev = params.severity_distressed if bad else params.severity
            a, b = label(names, m.a), label(names, m.b)
            findings.append(
                Finding(
                    subject_key=f"{m.a}|{m.b}",
                    entity_ids=(m.a, m.b),
                    severity=sev,
                    explanation_zh=(
                        f"{a} 为 {b} 担保 {fmt_cny(m.amount_ab)} 元，{b} 为 {a} 担保 {fmt_cny(m.amount_ba)} 元，构成互保。"
                        + (f" 其中存在风险主体：{bad_zh}。" if bad else "")
                    ),
                    explanation_en=(
                        f"{a} guarantees {b} for CNY {fmt_cny(m.amount_ab)} and {b} guarantees {a} for "
                        f"CNY {fmt_cny(m.amount_ba)}: a mutual guarantee."
                        + (f" Distressed parties: {bad_en}." if bad else "")
                    ),
                    evidence={
                        "paths": [list(m.path)],
                        "edges": [
                            {"from": m.a, "to": m.b, "type": "GUARANTEES", "amount": m.amount_ab},
                            {"from": m.b, "to": m.a, "type": "GUARANTEES", "amount": m.amount_ba},
                        ],
                        "distressed": bad,
                    },
                )
            )
        substance = 0
        if params.through_common_control:
            circles, grps = common_control_circles(ctx)
            for c in circles:
                if not c.mutual or any(a < params.min_amount for _, _, a in c.edges):
                    continue
                bad = distress(ctx, c.members)
                sev = params.severity_distressed if bad else params.severity
                findings.append(finding(ctx, c, grps, sev, {"distressed": bad}))
                substance += 1
        return RuleOutput(findings, stats={"pairs": len(pairs), "pairs_through_common_control": substance})
