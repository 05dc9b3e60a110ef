"""集团客户 group customer: entities under common control → Group nodes + MEMBER_OF."""

from __future__ import annotations

from pydantic import Field, PositiveInt

from graph_model import schema as S
from risk_rules.config import RuleParams, Severity
from risk_rules.derived import write_groups
from risk_rules.framework import Finding, Rule, RuleContext, RuleOutput
from risk_rules.projection import loan_balances
from risk_rules.rules._control import chain_json, groups
from risk_rules.rules._helpers import fmt_cny, join_labels, label, names_of


class Params(RuleParams):
    min_members: PositiveInt = Field(description="smallest group written (members)")
    min_borrowing_members: PositiveInt = Field(description="alert when at least this many members borrow")
    severity: Severity
    write_groups: bool = Field(description="write Group nodes and MEMBER_OF")


class GroupCustomerRule(Rule[Params]):
    id = "group.customer"
    version = "1.0"
    title_zh = "集团客户识别"
    title_en = "Group customer"
    description_zh = (
        "受同一实际控制人（含自然人与其近亲属共同控制）控制的企业构成集团客户，写入 Group 节点和 MEMBER_OF；"
        "多个成员在本行有贷款时预警，须统一授信管理。"
    )
    description_en = (
        "Companies under common ultimate control (incl. a person jointly with near relatives) form a group "
        "customer, written as Group + MEMBER_OF; alerts when several members borrow, so credit must be "
        "managed as one."
    )
    sources = ("商业银行集团客户授信业务风险管理指引 art. 3",)
    shared_reads = frozenset({"groups", "controllers", "entity_facts", "names"})
    derived_writes = frozenset({S.GROUP, S.MEMBER_OF})

    def evaluate(self, ctx: RuleContext, params: Params) -> RuleOutput:
        grps = groups(ctx, params.min_members)
        loans = loan_balances(ctx)
        rows, findings = [], []
        names_of(
            ctx, {x for g in grps for ids in (*g.controllers, g.members) for x in ids}
        )  # one batched read
        for g in grps:
            controller_ids = sorted({x for block in g.controllers for x in block})
            names = names_of(ctx, [*controller_ids, *g.members])
            exposure = sum(loans.get(m, 0.0) for m in g.members)
            top = "+".join(label(names, x) for x in controller_ids)
            rows.append(
                {
                    "group_id": g.group_id,
                    "name": "+".join(names.get(x, x) for x in controller_ids) or names.get(g.members[0]),
                    "controller_ids": controller_ids,
                    "members": [
                        {"id": m, "reason": "controlled" if g.chain_of(m) else "controller"}
                        for m in g.members
                    ],
                    "exposure": exposure,
                    "control_cycle": g.control_cycle,
                }
            )
            borrowers = [m for m in g.members if m in loans]
            if len(borrowers) < params.min_borrowing_members:
                continue
            findings.append(
                Finding(
                    subject_key=g.group_id,
                    entity_ids=tuple(sorted({*g.members, *controller_ids})),
                    severity=params.severity,
                    explanation_zh=(
                        f"{top} 控制的集团客户共 {len(g.members)} 家成员（{join_labels(names, g.members)}），"
                        f"其中 {len(borrowers)} 家在本行有贷款，合计 {fmt_cny(exposure)} 元，应统一授信。"
                    ),
                    explanation_en=(
                        f"Group customer controlled by {top}: {len(g.members)} members "
                        f"({join_labels(names, g.members)}); {len(borrowers)} borrow from the bank, CNY "
                        f"{fmt_cny(exposure)} in total — credit must be managed as one."
                    ),
                    evidence={
                        "group_id": g.group_id,
                        "controllers": [list(b) for b in g.controllers],
                        "members": list(g.members),
                        "control_cycle": g.control_cycle,
                        "chains": {m: chain_json(chain) for m, chain in g.evidence},
                        "extended_family": [
                            {
                                "person": t.person,
                                "relative": t.relative,
                                "via": t.via,
                                "relations": list(t.relations),
                            }
                            for t in g.extended_family
                        ],
                        "loans": {m: loans[m] for m in borrowers},
                    },
                )
            )
        live = params.write_groups and not ctx.snapshot  # a snapshot leaves the current groups alone
        derived = write_groups(ctx.driver, ctx.database, rows, ctx.run_id) if live else {}
        return RuleOutput(findings, derived=derived, stats={"groups": len(grps)})
