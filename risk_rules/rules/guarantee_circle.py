"""担保圈 guarantee circle: a strongly connected component of the guarantee network (size ≥ 2)."""

from __future__ import annotations

from pydantic import Field, PositiveInt

from risk_rules.config import RuleParams, Severity
from risk_rules.execution.split import guarantee_circles_split
from risk_rules.framework import Finding, Rule, RuleContext, RuleOutput
from risk_rules.projection import guarantee_edges
from risk_rules.rules._common_control import common_control_circles, finding
from risk_rules.rules._helpers import distress, distress_text, fmt_cny, join_labels, names_of


class Params(RuleParams):
    min_size: PositiveInt = Field(description="smallest circle reported (members)")
    max_cycles: PositiveInt = Field(description="evidence: at most this many shortest cycles per circle")
    max_sources: PositiveInt | None = Field(description="evidence: members tried for cycles (null = all)")
    max_cycle_length: PositiveInt | None = Field(description="evidence: longest cycle searched (null = any)")
    severity: Severity = Field(description="severity of a circle")
    critical_size: PositiveInt = Field(description="circles at least this large are critical")
    severity_distressed: Severity = Field(description="severity when a member is overdue/defaulted/listed")
    through_common_control: bool = Field(
        description="also flag circles that close once each group customer is taken as one party"
    )


class GuaranteeCircleRule(Rule[Params]):
    id = "guarantee.circle"
    version = "1.0"
    title_zh = "担保圈"
    title_en = "Guarantee circle"
    description_zh = (
        "担保网络中的强连通分量（成员≥2）：圈内任一成员违约都可能沿担保链传回每个成员；附最短担保环为证据。"
    )
    description_en = (
        "A strongly connected component (≥ 2 members) of the guarantee network: a default anywhere can "
        "come back to every member. Evidence: the shortest guarantee cycles through members."
    )
    sources = ("银发〔2018〕164号", "商业银行集团客户授信业务风险管理指引")
    shared_reads = frozenset(
        {
            "guarantee_edges",
            "entity_facts",
            "circles",
            "names",
            "guarantee_graph",
            "ownership",
            "controllers",
            "groups",
            "common_control_circles",
        }
    )

    def evaluate(self, ctx: RuleContext, params: Params) -> RuleOutput:
        e = guarantee_edges(ctx)
        # one weakly connected component of the guarantee network per unit of work
        circles = guarantee_circles_split(
            ctx.executor,
            e.guarantor,
            e.borrower,
            e.amount,
            max_cycles=params.max_cycles,
            max_sources=params.max_sources,
            max_cycle_length=params.max_cycle_length,
            min_size=max(params.min_size, 2),
        )
        ctx.cache["circles"] = circles
        findings = []
        for c in circles:
            names = names_of(ctx, c.members)
            bad = distress(ctx, c.members)
            bad_zh, bad_en = distress_text(names, bad)
            sev = params.severity
            if c.size >= params.critical_size:
                sev = "critical"
            elif bad:
                sev = params.severity_distressed
            shortest = " → ".join(names.get(x, x) for x in c.cycles[0]) if c.cycles else ""
            findings.append(
                Finding(
                    subject_key=c.circle_id,
                    entity_ids=c.members,
                    severity=sev,
                    explanation_zh=(
                        f"{c.size} 个主体形成担保圈（{join_labels(names, c.members)}），圈内担保 {c.edge_count} 笔关系、"
                        f"金额合计 {fmt_cny(c.internal_amount)} 元；最短担保环：{shortest}。"
                        + (f" 风险成员：{bad_zh}。" if bad else "")
                    ),
                    explanation_en=(
                        f"{c.size} parties form a guarantee circle ({join_labels(names, c.members)}) with "
                        f"{c.edge_count} guarantee links totalling CNY {fmt_cny(c.internal_amount)}; "
                        f"shortest cycle: {shortest}." + (f" Distressed members: {bad_en}." if bad else "")
                    ),
                    evidence={
                        "circle_id": c.circle_id,
                        "members": list(c.members),
                        "paths": [list(x) for x in c.cycles],
                        "cycles_truncated": c.cycles_truncated,
                        "edge_count": c.edge_count,
                        "internal_amount": c.internal_amount,
                        "distressed": bad,
                    },
                )
            )
        substance = 0
        if params.through_common_control:
            collapsed, grps = common_control_circles(ctx)
            for cc in collapsed:
                if len(cc.units) < params.min_size:
                    continue
                bad = distress(ctx, cc.members)
                sev = params.severity_distressed if bad else params.severity
                findings.append(finding(ctx, cc, grps, sev, {"distressed": bad}))
                substance += 1
        return RuleOutput(
            findings, stats={"circles": len(circles), "circles_through_common_control": substance}
        )
