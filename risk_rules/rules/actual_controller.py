"""实际控制人 actual controller: derive CONTROLS (with chain) for every controlled company.

Alerts are raised only where control is hidden behind layers (a controller reached through at
least ``min_layers`` intermediate companies) — the pattern 银发〔2018〕164号 asks banks to look
through. The derived CONTROLS relationships are written for every controlled company.
"""

from __future__ import annotations

from pydantic import Field, PositiveInt

from graph_model import schema as S
from risk_rules.config import RuleParams, Severity
from risk_rules.derived import write_controls
from risk_rules.framework import Finding, Rule, RuleContext, RuleOutput
from risk_rules.rules._control import chain_ids, chain_json, controllers
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
    shared_reads = frozenset({"controllers", "names"})
    derived_writes = frozenset({S.CONTROLS})

    def evaluate(self, ctx: RuleContext, params: Params) -> RuleOutput:
        ctrl = controllers(ctx)
        rows = []
        findings = []
        layered = [res for res in ctrl.values() if len(res.chain) - 1 >= params.min_layers]
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
            if layers >= params.min_layers:
                names = names_of(ctx, ids)
                path = " → ".join(label(names, x) for x in ids[len(res.controller) - 1 :])
                who = "+".join(label(names, x) for x in res.controller)
                findings.append(
                    Finding(
                        subject_key=company,
                        entity_ids=(company, *res.controller),
                        severity=params.severity,
                        explanation_zh=f"{label(names, company)} 的实际控制人 {who} 经 {layers} 层中间企业实施控制：{path}。",
                        explanation_en=(
                            f"The actual controller of {label(names, company)}, {who}, controls it through "
                            f"{layers} intermediate companies: {path}."
                        ),
                        evidence={
                            "paths": [ids[len(res.controller) - 1 :]],
                            "control_chain": chain_json(res.chain),
                        },
                    )
                )
        live = params.write_controls and not ctx.snapshot  # a snapshot leaves the current CONTROLS alone
        derived = write_controls(ctx.driver, ctx.database, rows, ctx.run_id) if live else {}
        return RuleOutput(findings, derived=derived, stats={"controlled_companies": len(ctrl)})
