"""实际控制人 actual controller: derive CONTROLS (with chain) for every controlled company.

Alerts are raised where control is hidden behind layers (a controller reached through at
least ``min_layers`` intermediate companies) — the pattern 银发〔2018〕164号 asks banks to look
through — and where a control decision on the chain was taken on holdings summing over 100%
(kind "inconsistent": the controller is not used silently). The derived CONTROLS relationships
are written for every controlled company. The evidence lists the controller's in-laws
(``extended_family``), who are not part of the controlling block unless the family scope says so.
"""

from __future__ import annotations

from pydantic import Field, PositiveInt

from graph_model import schema as S
from risk_rules.algorithms import (
    ControlResult,
    OwnershipIssue,
    extended_family,
    upstream_inconsistencies,
)
from risk_rules.config import RuleParams, Severity
from risk_rules.derived import write_controls
from risk_rules.framework import Finding, Rule, RuleContext, RuleOutput
from risk_rules.projection import ownership
from risk_rules.rules._control import chain_ids, chain_json, controllers, over_100, quality_json
from risk_rules.rules._helpers import label, names_of


class Params(RuleParams):
    min_layers: PositiveInt = Field(
        description="alert when control passes through at least this many companies"
    )
    severity: Severity = Field(description="severity of a layered control chain")
    write_controls: bool = Field(description="write derived CONTROLS relationships")


class ActualControllerRule(Rule[Params]):
    id = "control.actual_controller"
    version = "1.0"
    title_zh = "实际控制人（多层控制）"
    title_en = "Actual controller (layered control)"
    description_zh = (
        "按表决权穿透确定每家企业的实际控制人（≥50% 控股；≥30% 且领先的相对控股；或委派半数以上董事；"
        "近亲属合并计算），写入 CONTROLS 关系及控制链；控制链经过多层中间企业时预警。"
    )
    description_en = (
        "Determines every company's ultimate controller by looking through voting control (≥ 50% majority; "
        "≥ 30% leading plurality; or half the board; near relatives as one block), writes CONTROLS with the "
        "chain, and alerts when control passes through several intermediate companies."
    )
    sources = ("公司法 (控股股东)", "上市公司收购管理办法 art. 84", "集团客户授信业务风险管理指引 art. 3")
    shared_reads = frozenset({"controllers", "names", "ownership_over_100"})
    derived_writes = frozenset({S.CONTROLS})

    def evaluate(self, ctx: RuleContext, params: Params) -> RuleOutput:
        ctrl = controllers(ctx)
        rows = []
        findings = []
        bad = over_100(ctx)
        ties = ownership(ctx).family_ties  # the run's one index, for every controlled company's in-laws

        def issues_of(res: ControlResult) -> tuple[OwnershipIssue, ...]:
            if not bad:
                return ()
            chain_companies = {link.company for link in res.chain}
            return tuple(
                i
                for i in upstream_inconsistencies(ownership(ctx).graph, res.company, over_100=bad)
                if i.company in chain_companies
            )

        flagged = {
            c: iss
            for c, res in ctrl.items()
            if bad and any(link.company in bad for link in res.chain) and (iss := issues_of(res))
        }
        layered = [
            res for res in ctrl.values() if len(res.chain) - 1 >= params.min_layers or res.company in flagged
        ]
        names_of(ctx, {x for res in layered for x in chain_ids(res)})  # one batched read
        for company, res in ctrl.items():
            assert res.controller is not None
            last = res.chain[-1] if res.chain else None
            ids = chain_ids(res)
            for c in res.controller:
                rows.append(
                    {
                        "controller": c,
                        "company": company,
                        "share": (last.votes / 100.0) if last else None,
                        "votes_pct": last.votes if last else None,
                        "basis": res.basis,
                        "chain": ids,
                    }
                )
            layers = len(res.chain) - 1  # intermediate companies between controller and company
            issues = flagged.get(company, ())
            if layers >= params.min_layers or issues:
                names = names_of(ctx, [*ids, *(i.company for i in issues)])
                path = " → ".join(label(names, x) for x in ids[len(res.controller) - 1 :])
                who = "+".join(label(names, x) for x in res.controller)
                if layers >= params.min_layers:
                    zh = (
                        f"{label(names, company)} 的实际控制人 {who} 经 {layers} 层中间企业实施控制：{path}。"
                    )
                    en = (
                        f"The actual controller of {label(names, company)}, {who}, controls it through "
                        f"{layers} intermediate companies: {path}."
                    )
                else:
                    zh = f"{label(names, company)} 的实际控制人为 {who}：{path}。"
                    en = f"The actual controller of {label(names, company)} is {who}: {path}."
                if issues:
                    zh += (
                        "注意：控制链上持股比例合计超过 100%（"
                        + "、".join(f"{label(names, i.company)} {i.total_pct:.2f}%" for i in issues)
                        + "），该结论依据不一致的股权数据。"
                    )
                    en += (
                        " Caution: holdings on the control chain sum over 100% ("
                        + "; ".join(f"{label(names, i.company)} {i.total_pct:.2f}%" for i in issues)
                        + "); the conclusion rests on inconsistent ownership data."
                    )
                persons = set(res.controller)
                findings.append(
                    Finding(
                        subject_key=company,
                        entity_ids=(company, *res.controller),
                        severity=params.severity,
                        kind="" if layers >= params.min_layers else "inconsistent",
                        explanation_zh=zh,
                        explanation_en=en,
                        evidence={
                            "paths": [ids[len(res.controller) - 1 :]],
                            "control_chain": chain_json(res.chain),
                            "extended_family": [
                                {
                                    "person": t.person,
                                    "relative": t.relative,
                                    "via": t.via,
                                    "relations": list(t.relations),
                                }
                                for t in extended_family(ties, res.controller)
                                if t.relative not in persons
                            ],
                            **quality_json(issues),
                        },
                    )
                )
        live = params.write_controls and not ctx.snapshot  # a snapshot leaves the current CONTROLS alone
        derived = write_controls(ctx.driver, ctx.database, rows, ctx.run_id) if live else {}
        return RuleOutput(findings, derived=derived, stats={"controlled_companies": len(ctrl)})
