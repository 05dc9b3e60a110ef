"""担保链 guarantee chain depth: long chains of guarantees (circles collapsed to one unit)."""

from __future__ import annotations

from pydantic import Field, PositiveInt

from risk_rules.algorithms import guarantee_chains
from risk_rules.config import RuleParams, Severity
from risk_rules.framework import Finding, Rule, RuleContext, RuleOutput
from risk_rules.projection import guarantee_graph
from risk_rules.rules._helpers import join_labels, label, names_of


class Params(RuleParams):
    min_depth: PositiveInt = Field(description="report chains with at least this many guarantee links")
    high_depth: PositiveInt = Field(description="chains at least this deep get severity_high")
    severity: Severity
    severity_high: Severity


class GuaranteeChainRule(Rule[Params]):
    id = "guarantee.chain_depth"
    version = "1.0"
    title_zh = "担保链过长"
    title_en = "Deep guarantee chain"
    description_zh = (
        "在担保圈收缩后的有向无环图中，从链首出发的最长担保链达到阈值；每个链首一条预警，附整条链为证据。"
    )
    description_en = (
        "In the condensation of the guarantee network (circles collapsed), the longest chain starting "
        "at a chain head reaches the threshold; one alert per head, with the whole chain as evidence."
    )
    sources = ("银发〔2018〕164号",)
    shared_reads = frozenset({"guarantee_graph", "names"})

    def evaluate(self, ctx: RuleContext, params: Params) -> RuleOutput:
        G = guarantee_graph(ctx)
        report = guarantee_chains(G, top_k=1)
        findings = []
        names_of(ctx, G.nodes)  # one batched read (most are cached facts already)
        seen_heads: set[tuple[str, ...]] = set()
        for node in sorted(G.nodes):
            d = report.depth_of(node)
            if d.upstream != 0 or d.downstream < params.min_depth:
                continue
            chain = report.chain_through(node)
            head = chain.units[0]
            if head in seen_heads:
                continue
            seen_heads.add(head)
            ids = sorted({x for unit in chain.units for x in unit})
            names = names_of(ctx, ids)
            contiguous = all(a[1] == b[0] for a, b in zip(chain.links, chain.links[1:], strict=False))
            path = [a for a, _ in chain.links] + [chain.links[-1][1]]
            text = " → ".join(
                label(names, u[0])
                if len(u) == 1
                else "[" + join_labels(names, u) + "]"  # a circle: its first members
                for u in chain.units
            )
            sev = params.severity_high if chain.depth >= params.high_depth else params.severity
            findings.append(
                Finding(
                    subject_key="|".join(head),
                    entity_ids=tuple(ids),
                    severity=sev,
                    explanation_zh=f"担保链深度 {chain.depth}（阈值 {params.min_depth}）：{text}。",
                    explanation_en=f"Guarantee chain of depth {chain.depth} (threshold {params.min_depth}): {text}.",
                    evidence={
                        "depth": chain.depth,
                        "paths": [path] if contiguous else [],
                        "units": [list(u) for u in chain.units],
                        "links": [list(link) for link in chain.links],
                    },
                )
            )
        return RuleOutput(findings, stats={"max_depth": report.max_depth, "heads": len(findings)})
