"""空壳/壳公司关联簇 shell / front-company linkage clusters.

Companies linked through shared phones, addresses or legal representatives form clusters
(:func:`~risk_rules.algorithms.linked_company_clusters`); a value shared by very many companies
(a registered-agent address, a nominee legal representative) is reported on its own and never
used as a link, so it cannot glue thousands of unrelated firms into one cluster.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, PositiveInt

from risk_rules.algorithms import linked_company_clusters, shared_attribute_clusters
from risk_rules.config import RuleParams, Severity
from risk_rules.framework import Finding, Rule, RuleContext, RuleOutput
from risk_rules.projection import blacklist, entity_facts, shared_contact_records
from risk_rules.rules._helpers import distress_text, join_labels, names_of

ATTR_ZH = {"phone": "电话", "address": "地址", "legal_representative": "法定代表人"}


class Params(RuleParams):
    min_cluster_size: PositiveInt = Field(description="companies in a cluster before it is reported")
    supernode_threshold: PositiveInt = Field(description="a value shared by more companies is not a link")
    attributes: list[Literal["phone", "address", "legal_representative"]]
    severity: Severity
    high_size: PositiveInt = Field(description="clusters at least this large get severity_high")
    severity_high: Severity = Field(description="also when a member is listed, overdue or defaulted")
    report_supernodes: bool = Field(
        description="alert values shared by more than supernode_threshold companies"
    )
    severity_supernode: Severity


class ShellLinkageRule(Rule[Params]):
    id = "linkage.shell_cluster"
    version = "1.0"
    title_zh = "疑似空壳/关联企业簇"
    title_en = "Shell / front-company linkage cluster"
    description_zh = "多家企业通过共用电话、注册地址或法定代表人相互关联形成簇（≥5 家）；被极多企业共用的值（如代理注册地址）单独提示，不作为关联。"
    description_en = (
        "Companies linked through shared phones, registered addresses or legal representatives form clusters "
        "(≥ 5 companies); values shared by very many companies (e.g. registered-agent addresses) are reported "
        "separately and not used as links."
    )
    sources = ("银发〔2018〕164号 (识别空壳公司)",)
    shared_reads = frozenset({"blacklist", "shared_contacts", "entity_facts", "names"})

    def evaluate(self, ctx: RuleContext, params: Params) -> RuleOutput:
        records = shared_contact_records(ctx, params.supernode_threshold)
        clusters = linked_company_clusters(
            records,
            min_cluster_size=params.min_cluster_size,
            supernode_threshold=params.supernode_threshold,
            attributes=tuple(params.attributes),
        )
        listed = blacklist(ctx)
        status = entity_facts(ctx).loan_status
        findings = []
        names_of(ctx, {m for c in clusters for m in c.companies})  # one batched read
        for c in clusters:
            names = names_of(ctx, c.companies)
            bad = {
                m: r
                for m in c.companies
                if (
                    r := [
                        *listed.get(m, []),
                        *([status[m]] if status.get(m) in ("overdue", "defaulted") else []),
                    ]
                )
            }
            sev = params.severity_high if (c.size >= params.high_size or bad) else params.severity
            bad_zh, bad_en = distress_text(names, bad)
            shared = [{"attribute": a, "value": v, "companies": list(cs)} for a, v, cs in c.evidence]
            kinds_zh = "、".join(sorted({ATTR_ZH[a] for a, _, _ in c.evidence}))
            kinds_en = ", ".join(sorted({a for a, _, _ in c.evidence}))
            findings.append(
                Finding(
                    subject_key=c.cluster_id,
                    entity_ids=c.companies,
                    severity=sev,
                    kind="cluster",
                    explanation_zh=(
                        f"{c.size} 家企业通过共用{kinds_zh}相互关联（{join_labels(names, c.companies)}），"
                        f"共 {len(c.evidence)} 个共用值。" + (f" 其中风险成员：{bad_zh}。" if bad else "")
                    ),
                    explanation_en=(
                        f"{c.size} companies are linked through shared {kinds_en} ({join_labels(names, c.companies)}); "
                        f"{len(c.evidence)} shared values."
                        + (f" Distressed members: {bad_en}." if bad else "")
                    ),
                    evidence={
                        "cluster_id": c.cluster_id,
                        "shared_values": shared,
                        "subgraph": {
                            "nodes": list(c.companies),
                            "edges": [
                                {"value": f"{a}:{v}", "companies": list(cs)} for a, v, cs in c.evidence
                            ],
                        },
                        "distressed": bad,
                    },
                )
            )
        supernodes = []
        if params.report_supernodes:
            supernodes = [
                s
                for s in shared_attribute_clusters(
                    records,
                    min_companies=params.supernode_threshold + 1,
                    supernode_threshold=params.supernode_threshold,
                    attributes=tuple(params.attributes),
                )
                if s.supernode
            ]
            for s in supernodes:
                findings.append(
                    Finding(
                        subject_key=f"supernode|{s.attribute}|{s.value}",
                        entity_ids=s.companies,
                        severity=params.severity_supernode,
                        kind="supernode",
                        explanation_zh=f"{ATTR_ZH[s.attribute]} {s.value} 被超过 {params.supernode_threshold} 家企业共用（疑似代理注册或挂靠）。",
                        explanation_en=(
                            f"The {s.attribute} {s.value} is shared by more than {params.supernode_threshold} "
                            "companies (registered agent or nominee?)."
                        ),
                        evidence={
                            "attribute": s.attribute,
                            "value": s.value,
                            "companies_sample": list(s.companies),
                        },
                    )
                )
        return RuleOutput(
            findings,
            stats={"records": len(records), "clusters": len(clusters), "supernodes": len(supernodes)},
        )
