"""受益所有人 beneficial owner: identified owners (evidence paths) and companies without one."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, PositiveInt

from risk_rules.algorithms import BeneficialOwnership, OwnershipIssue
from risk_rules.config import RuleParams, Severity
from risk_rules.execution.split import beneficial_owners_split
from risk_rules.framework import Finding, Rule, RuleContext, RuleOutput
from risk_rules.projection import entity_facts, guarantee_edges, ownership
from risk_rules.rules._control import (
    chain_json,
    control_kwargs,
    controllers,
    family_pairs,
    issues_upstream,
    quality_json,
)
from risk_rules.rules._helpers import fmt_pct, label, names_of


class Params(RuleParams):
    threshold_pct: float = Field(ge=0, le=100, description="ownership threshold (受益所有人信息管理办法: 25)")
    comparison: Literal[">=", ">"] = Field(
        description="'>=' (银发〔2018〕164号 ≥25%) or '>' (KYC texts: >25%)"
    )
    criteria: Literal["cumulative", "sequential"] = Field(
        description=(
            "cumulative = owners ≥ threshold and the persons in control (受益所有人信息管理办法 2024 art. 6); "
            "sequential = control only when nobody owns ≥ threshold (银发〔2018〕164号 依次判定)"
        )
    )
    scope: Literal["customers", "all"] = Field(
        description="customers = companies with a loan or a guarantee; all = every company with holders"
    )
    manager_roles: list[str] = Field(
        description="fallback roles in order (senior manager, legal representative)"
    )
    max_paths: PositiveInt = Field(description="evidence paths per owner")
    report_identified: bool = Field(description="raise a low-severity alert listing identified owners")
    severity_identified: Severity
    severity_fallback: Severity = Field(description="owner found only by control or as senior manager")
    severity_missing: Severity = Field(description="no beneficial owner at all")

    def owner_kwargs(self, control_kwargs: dict[str, Any]) -> dict[str, Any]:
        """These parameters as :func:`risk_rules.algorithms.beneficial_owners` takes them: the rule,
        the risk profiles and the API's ownership view identify owners with the same call."""
        return {
            "threshold": self.threshold_pct,
            "comparison": self.comparison,
            "manager_roles": tuple(self.manager_roles),
            "max_paths": self.max_paths,
            "control_kwargs": control_kwargs,
            "criteria": self.criteria,
        }


class BeneficialOwnerRule(Rule[Params]):
    id = "ownership.beneficial_owner"
    version = "1.0"
    title_zh = "受益所有人识别 / 缺失"
    title_en = "Beneficial owner (identified / missing)"
    description_zh = (
        "按股权穿透（多层、交叉持股用 (I−A)⁻¹ 求解）识别直接或间接持股达到阈值（默认 ≥25%）的自然人；"
        "没有则取实际控制的自然人，再没有则取高级管理人员；仍无法识别时预警。"
    )
    description_en = (
        "Natural persons owning at least the threshold (default ≥ 25%) directly or indirectly (integrated "
        "ownership, (I−A)⁻¹ with cross-holdings); else the person in control; else the senior manager; "
        "alerts when none can be identified or only a fallback applies."
    )
    sources = ("银发〔2018〕164号", "受益所有人信息管理办法 (2024)")
    shared_reads = frozenset(
        {"ownership", "controllers", "guarantee_edges", "entity_facts", "names", "ownership_over_100"}
    )

    def evaluate(self, ctx: RuleContext, params: Params) -> RuleOutput:
        own = ownership(ctx)
        G = own.graph
        fam = family_pairs(ctx)
        ckw = control_kwargs(ctx)
        companies = [n for n, k in G.nodes(data="kind") if k == "company" and G.in_degree(n) > 0]
        if params.scope == "customers":
            e = guarantee_edges(ctx)
            customers = (
                set(entity_facts(ctx).loan_balance) | set(e.guarantor.tolist()) | set(e.borrower.tolist())
            )
            companies = [c for c in companies if c in customers]
        results: list[BeneficialOwnership] = []
        issues: dict[str, tuple[OwnershipIssue, ...]] = {}
        counts = {"ownership": 0, "control": 0, "senior_manager": 0, "none": 0}
        # one ownership component per unit of work (risk_rules.execution), each company solved on
        # its ownership ancestors only
        owners = beneficial_owners_split(
            ctx.executor,
            G,
            sorted(companies),
            own.positions,
            fam,
            controllers(ctx),  # the control rule's results: step 2 of the cascade
            **params.owner_kwargs(ckw),
        )
        ctx.cache["findings.beneficial_owners"] = owners  # read by the profile step (risk_rules.findings)
        findings = []
        for company in sorted(companies):
            bo = owners[company]
            counts[bo.basis] += 1
            issues[company] = issues_upstream(ctx, company)
            if bo.basis != "ownership" or params.report_identified or issues[company]:
                results.append(bo)
        names_of(ctx, {x for bo in results for x in (bo.company, *(o.person for o in bo.owners))})  # batched
        for bo in results:
            f = self._finding(ctx, bo, params, issues[bo.company])
            if f is not None:
                findings.append(f)
        return RuleOutput(findings, stats={"companies": len(companies), **counts})

    @staticmethod
    def _finding(
        ctx: RuleContext, bo: BeneficialOwnership, params: Params, issues: tuple[OwnershipIssue, ...] = ()
    ) -> Finding | None:
        f = BeneficialOwnerRule._plain_finding(ctx, bo, params, force=bool(issues))
        if f is None or not issues:
            return f
        names = names_of(ctx, [i.company for i in issues])
        bad_zh = "、".join(f"{label(names, i.company)} 合计 {i.total_pct:.2f}%" for i in issues)
        bad_en = "; ".join(f"{label(names, i.company)} {i.total_pct:.2f}% in total" for i in issues)
        return Finding(
            subject_key=f.subject_key,
            entity_ids=f.entity_ids,
            severity=f.severity if bo.basis != "ownership" else params.severity_fallback,
            kind=f.kind,
            explanation_zh=f.explanation_zh
            + f"注意：所依据的持股数据不一致（持股比例超过 100%：{bad_zh}），结果不可信。",
            explanation_en=f.explanation_en
            + f" Caution: computed from inconsistent holdings (over 100%: {bad_en}); the result is unreliable.",
            evidence={**f.evidence, **quality_json(issues)},
        )

    @staticmethod
    def _plain_finding(
        ctx: RuleContext, bo: BeneficialOwnership, params: Params, force: bool
    ) -> Finding | None:
        cmp = "≥" if bo.comparison == ">=" else ">"
        if bo.basis == "none":
            names = names_of(ctx, [bo.company])
            return Finding(
                subject_key=bo.company,
                entity_ids=(bo.company,),
                severity=params.severity_missing,
                kind="missing",
                explanation_zh=(
                    f"{label(names, bo.company)} 无法识别受益所有人：无自然人持股{cmp}{params.threshold_pct:g}%，"
                    "无实际控制的自然人，也无登记的高级管理人员。"
                ),
                explanation_en=(
                    f"No beneficial owner of {label(names, bo.company)} can be identified: no natural person owns "
                    f"{cmp} {params.threshold_pct:g}%, none controls it, and no senior manager is on record."
                ),
                evidence={
                    "basis": "none",
                    "threshold_pct": params.threshold_pct,
                    "comparison": bo.comparison,
                    "ownership_consistent": True,
                },
            )
        if bo.basis == "ownership" and not params.report_identified and not force:
            return None
        names = names_of(ctx, [bo.company, *(o.person for o in bo.owners)])
        owners: list[dict[str, Any]] = [
            {
                "person": o.person,
                "basis": o.basis,
                "share_pct": o.share,
                "role": o.role,
                "paths": [
                    {"nodes": list(p.nodes), "pcts": list(p.pcts), "product_pct": p.product} for p in o.paths
                ],
                "paths_cover_pct": o.paths_cover,
                "control_chain": chain_json(o.control_chain),
            }
            for o in bo.owners
        ]
        who = "、".join(f"{label(names, o.person)}({fmt_pct(o.share)})" for o in bo.owners)
        if bo.basis == "ownership":
            sev = params.severity_identified
            by_control = [o for o in bo.owners if o.basis == "control"]
            owning = "、".join(
                f"{label(names, o.person)}({fmt_pct(o.share)})" for o in bo.owners if o.basis == "ownership"
            )
            ctl = "、".join(label(names, o.person) for o in by_control)
            zh = (
                f"{label(names, bo.company)} 的受益所有人（持股{cmp}{params.threshold_pct:g}%）：{owning}。"
                + (f"另按实际控制认定：{ctl}。" if by_control else "")
            )
            en = (
                f"Beneficial owners of {label(names, bo.company)} (owning {cmp} {params.threshold_pct:g}%): {owning}."
                + (f" Also by control: {ctl}." if by_control else "")
            )
        elif bo.basis == "control":
            sev = params.severity_fallback
            zh = f"{label(names, bo.company)} 无自然人持股{cmp}{params.threshold_pct:g}%，按实际控制认定受益所有人：{who}。"
            en = (
                f"No natural person owns {cmp} {params.threshold_pct:g}% of {label(names, bo.company)}; "
                f"beneficial owner by control: {who}."
            )
        else:
            sev = params.severity_fallback
            zh = f"{label(names, bo.company)} 既无达到阈值的自然人股东也无实际控制人，以高级管理人员作为受益所有人：{who}。"
            en = (
                f"{label(names, bo.company)} has neither a natural person above the threshold nor a controller; "
                f"the senior manager is taken as beneficial owner: {who}."
            )
        return Finding(
            subject_key=bo.company,
            entity_ids=(bo.company, *(o.person for o in bo.owners)),
            severity=sev,
            kind=bo.basis,
            explanation_zh=zh,
            explanation_en=en,
            evidence={
                "basis": bo.basis,
                "threshold_pct": bo.threshold,
                "comparison": bo.comparison,
                "owners": owners,
                "paths": [p["nodes"] for o in owners for p in o["paths"]],
                "ownership_consistent": True,
            },
        )
