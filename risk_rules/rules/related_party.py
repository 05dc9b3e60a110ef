"""关联方授信集中度: credit to the bank's related parties against net capital.

The bank's insiders (major shareholders, directors, senior managers and the entities behind them)
are configured by entity id (``insiders``): riskgraph cannot tell from the credit data who owns
the bank. For every insider the related parties are the insider, its near relatives (persons)
and everything :func:`~risk_rules.algorithms.related_parties` finds (controllers, controlled
entities, shareholders ≥ 5%, officers, relatives, entities they control), each with the relation
paths that explain it.
"""

from __future__ import annotations

from pydantic import Field, PositiveFloat

from risk_rules.algorithms import (
    NEAR_RELATIVES,
    ExposureLimits,
    aggregate_exposure,
    concentration_checks,
    extended_family,
    related_parties,
)
from risk_rules.framework import Finding, Rule, RuleContext, RuleOutput, max_severity
from risk_rules.projection import loan_balances, ownership
from risk_rules.rules._control import control_kwargs, controllers, family_pairs
from risk_rules.rules._helpers import join_labels, label, names_of
from risk_rules.rules._limits import LimitParams, check_json, check_text, limit_severity


class Params(LimitParams):
    insiders: list[str] = Field(
        description="entity ids of the bank's insiders (shareholders, directors, managers)"
    )
    single_limit: float = Field(gt=0, description="one related party / net capital (art. 16: 0.10)")
    group_limit: float = Field(gt=0, description="one insider's related group / net capital (art. 16: 0.15)")
    all_limit: float = Field(gt=0, description="all related parties / net capital (art. 16: 0.50)")
    shareholder_threshold: PositiveFloat = Field(description="holders from this integrated pct are related")


def _steps(path) -> list[dict]:
    return [{"from": s.source, "relation": s.relation, "to": s.target, "detail": s.detail} for s in path]


class RelatedPartyRule(Rule[Params]):
    id = "concentration.related_party"
    version = "1.0"
    title_zh = "关联方授信集中度超限"
    title_en = "Related-party concentration breach"
    description_zh = (
        "对单个关联方授信 ≤ 资本净额 10%，对单个关联方所在集团 ≤ 15%，对全部关联方 ≤ 50%；"
        "关联方由配置的内部人（主要股东、董监高）出发穿透识别（近亲属、控制或持股企业），附关联路径。"
    )
    description_en = (
        "Credit to one related party ≤ 10% of net capital, to one related party's group ≤ 15%, to all related "
        "parties ≤ 50%; related parties are derived from the configured insiders (near relatives, controlled or "
        "held entities) with the relation paths."
    )
    sources = ("银行保险机构关联交易管理办法 (2022) art. 16",)
    shared_reads = frozenset({"ownership", "controllers", "entity_facts", "names"})

    def evaluate(self, ctx: RuleContext, params: Params) -> RuleOutput:
        if not params.insiders:
            return RuleOutput([], stats={"insiders": 0, "note": "no insiders configured"})
        limits = ExposureLimits(
            related_single=params.single_limit, related_group=params.group_limit, related_all=params.all_limit
        )
        own = ownership(ctx)
        fam = family_pairs(ctx) or ownership(ctx).family
        ctrl = controllers(ctx)
        loans = loan_balances(ctx)
        G = own.graph  # roots absent from the ownership graph are fine: the algorithm guards them
        reasons: dict[str, dict[str, list]] = {}  # insider → {entity: paths}
        extended: dict[str, list[dict]] = {}  # insider → in-laws (evidence, not related by default)
        for insider in sorted(set(params.insiders)):
            roots = {insider}
            for a, b, rel in fam:
                if str(rel).lower() in NEAR_RELATIVES and insider in (a, b):
                    roots.add(b if a == insider else a)
            ties = extended_family(fam, [insider])
            # the extended scope makes in-laws family: they and what they control are related too
            via: dict[str, list[dict]] = {
                r: [{"from": insider, "relation": "near_relative", "to": r}] for r in roots if r != insider
            }
            if ctx.control.family_scope == "extended":
                for t in ties:
                    roots.add(t.relative)
                    via.setdefault(
                        t.relative,
                        [
                            {"from": insider, "relation": t.relations[0], "to": t.via},
                            {"from": t.via, "relation": t.relations[1], "to": t.relative},
                        ],
                    )
            found: dict[str, list] = {insider: [[]]}
            for root in sorted(roots):
                if root not in G:
                    G.add_node(
                        root, kind="person" if root not in own.graph else own.graph.nodes[root].get("kind")
                    )
                if root != insider:
                    found.setdefault(root, []).append(via[root])
                for rp in related_parties(
                    G,
                    root,
                    positions=own.positions,
                    family_pairs=fam,
                    shareholder_threshold=params.shareholder_threshold,
                    controllers=ctrl,
                    family_as_one_controller=ctx.control.family_as_one_controller,
                    **control_kwargs(ctx),
                ):
                    prefix = [] if root == insider else via[root]
                    found.setdefault(rp.entity, []).extend(prefix + _steps(p) for p in rp.reasons)
            reasons[insider] = found
            extended[insider] = [
                {
                    "person": t.person,
                    "relative": t.relative,
                    "via": t.via,
                    "relations": list(t.relations),
                    "related": t.relative in found,
                }
                for t in ties
            ]
        all_related = sorted({e for found in reasons.values() for e in found})
        names_of(ctx, all_related)  # one batched read
        all_exp = aggregate_exposure(all_related, loans, label="all")
        findings: list[Finding] = []
        nc, t1 = ctx.bank.net_capital, ctx.bank.tier1_capital

        def emit(key: str, checks, entities, head_zh: str, head_en: str, evidence: dict) -> None:
            hits = [(c, s) for c in checks if (s := limit_severity(c, params))]
            if not hits:
                return
            texts = [check_text(c) for c, _ in hits]
            findings.append(
                Finding(
                    subject_key=key,
                    entity_ids=tuple(sorted(entities)),
                    severity=max_severity(*(s for _, s in hits)),
                    kind=key.split("|")[0],
                    explanation_zh=head_zh + "；".join(t[0] for t in texts) + "。",
                    explanation_en=head_en + "; ".join(t[1] for t in texts) + ".",
                    evidence={**evidence, "checks": [check_json(c) for c, _ in hits]},
                )
            )

        for entity in all_related:
            if entity not in loans:
                continue
            exp = aggregate_exposure([entity], loans)
            checks = [
                c
                for c in concentration_checks(
                    net_capital=nc, tier1_capital=t1, borrower=exp, related_party=True, limits=limits
                )
                if c.name == "related_party_single"
            ]
            names = names_of(ctx, [entity])
            paths = {i: found[entity][:3] for i, found in reasons.items() if entity in found}
            emit(
                f"single|{entity}",
                checks,
                [entity, *paths],
                f"关联方 {label(names, entity)}：",
                f"Related party {label(names, entity)}: ",
                {"relation_paths": paths},
            )
        for insider, found in reasons.items():
            exp = aggregate_exposure(found, loans, label=insider)
            checks = [
                c
                for c in concentration_checks(
                    net_capital=nc,
                    tier1_capital=t1,
                    borrower=aggregate_exposure([], {}),
                    related_group=exp,
                    limits=limits,
                )
                if c.name == "related_party_group"
            ]
            names = names_of(ctx, found)
            emit(
                f"group|{insider}",
                checks,
                found,
                f"内部人 {label(names, insider)} 的关联方（{join_labels(names, sorted(found))}）：",
                f"Related parties of insider {label(names, insider)} ({join_labels(names, sorted(found))}): ",
                {
                    "insider": insider,
                    "per_member": [list(r) for r in exp.per_member],
                    "relation_paths": {e: p[:3] for e, p in found.items()},
                    "extended_family": extended[insider],
                },
            )
        checks = [
            c
            for c in concentration_checks(
                net_capital=nc,
                tier1_capital=t1,
                borrower=aggregate_exposure([], {}),
                all_related=all_exp,
                limits=limits,
            )
            if c.name == "related_party_all"
        ]
        borrowers = [e for e in all_related if e in loans]
        emit(
            "all|bank",
            checks,
            borrowers,
            "全部关联方：",
            "All related parties: ",
            {"per_member": [list(r) for r in all_exp.per_member if r[1] or r[2]]},
        )
        return RuleOutput(findings, stats={"insiders": len(reasons), "related_parties": len(all_related)})
