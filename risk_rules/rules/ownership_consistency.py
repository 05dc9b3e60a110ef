"""持股比例合计超过 100% ownership data inconsistent: a data-quality finding, never used silently.

The holders of one company cannot together own more than all of it. When the holdings valid at the
as-of date sum over 100 % (within one file, across batches of one source, or across sources that
each look plausible alone: 60 % from the registry extract, 50 % from the bank's own records), the
ownership data of that company is wrong somewhere, and every integrated share, controller or
beneficial owner computed from it is suspect. The rule names the company, the total and the rows
behind each holding (source, batch, file, row), so the data officer can correct the source.
Holdings are counted as the ownership computations count them
(:func:`~risk_rules.projection.ownership`: one holding per holder, the larger pct of duplicates),
so what is flagged here is exactly what those computations would have used.
"""

from __future__ import annotations

from typing import Any

from neo4j import READ_ACCESS
from pydantic import Field, NonNegativeFloat

from graph_model import schema as S
from risk_rules.algorithms.ownership import ownership_inconsistencies
from risk_rules.config import RuleParams, Severity
from risk_rules.framework import Finding, Rule, RuleContext, RuleOutput
from risk_rules.projection import ownership, valid_at
from risk_rules.rules._helpers import label, names_of


class OwnershipConsistencyParams(RuleParams):
    tolerance: NonNegativeFloat = Field(
        description="percentage points over 100 allowed for rounding before a company is flagged"
    )
    severity: Severity
    severity_high_total: NonNegativeFloat = Field(
        description="totals at or above this pct get severity_high (clearly double-counted holders)"
    )
    severity_high: Severity


def _rows_behind(ctx: RuleContext, companies: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The valid holdings of each company with the source rows that support them."""
    out: dict[str, list[dict[str, Any]]] = {c: [] for c in companies}
    with ctx.driver.session(
        database=ctx.database, default_access_mode=READ_ACCESS, notifications_min_severity="OFF"
    ) as session:
        for rec in session.run(
            f"""
            UNWIND $ids AS id
            MATCH (h)-[r:{S.HOLDS_SHARES}]->(c:{S.COMPANY} {{entity_id: id}})
            WHERE {valid_at("r")}
            RETURN id, h.entity_id AS holder, r.pct AS pct, r.amount AS amount,
                   coalesce(r.record_keys, []) AS record_keys,
                   COLLECT {{ UNWIND coalesce(r.record_keys, []) AS k
                             MATCH (sr:{S.SOURCE_RECORD} {{record_key: k}})
                             RETURN {{record_key: k, source: sr.source, batch_id: sr.batch_id,
                                     file: sr.source_file, row: sr.source_row}} }} AS rows
            ORDER BY id, holder
            """,
            ids=companies,
            as_of=ctx.as_of,
        ):
            out[rec["id"]].append(
                {
                    "holder": rec["holder"],
                    "pct": rec["pct"],
                    "amount": rec["amount"],
                    "record_keys": list(rec["record_keys"]),
                    "rows": sorted(rec["rows"], key=lambda r: r["record_key"]),
                }
            )
    return out


class OwnershipConsistencyRule(Rule[OwnershipConsistencyParams]):
    id = "data_quality.ownership_over_100"
    version = "1.0"
    title_zh = "持股比例合计超过 100%（股权数据不一致）"
    title_en = "Holdings sum over 100 % (inconsistent ownership data)"
    description_zh = (
        "某企业在评估日有效的全部股东持股比例合计超过 100%（同一文件内、跨批次或跨来源），"
        "其股权穿透、实际控制人和受益所有人结果不可信；列出每项持股及其来源记录，供数据管理员更正。"
    )
    description_en = (
        "The holdings of a company valid at the as-of date sum to more than 100 % (within one file, across "
        "batches or across sources); integrated ownership, controllers and beneficial owners computed from "
        "them are unreliable. Each holding is listed with the source rows behind it for the data officer."
    )
    sources = (
        "中华人民共和国公司法 (股东出资与持股比例)",
        "商业银行数据质量监管指引 / Guidelines on Data Governance of Banking Institutions (2018)",
    )
    shared_reads = frozenset({"ownership", "names"})

    def evaluate(self, ctx: RuleContext, params: OwnershipConsistencyParams) -> RuleOutput:
        own = ownership(ctx)
        totals = ownership_inconsistencies(own.graph, tolerance=params.tolerance)
        companies = sorted(totals)
        rows = _rows_behind(ctx, companies) if companies else {}
        holders = {h["holder"] for hs in rows.values() for h in hs}
        names = names_of(ctx, set(companies) | holders)
        findings = []
        for company in companies:
            total = totals[company]
            holdings = rows.get(company, [])
            sources = sorted({r["source"] for h in holdings for r in h["rows"] if r.get("source")})
            batches = sorted({r["batch_id"] for h in holdings for r in h["rows"] if r.get("batch_id")})
            shown = "；".join(
                f"{label(names, h['holder'])} {h['pct']:g}%" for h in holdings if h["pct"] is not None
            )
            shown_en = "; ".join(
                f"{label(names, h['holder'])} {h['pct']:g}%" for h in holdings if h["pct"] is not None
            )
            severity = params.severity_high if total >= params.severity_high_total else params.severity
            findings.append(
                Finding(
                    subject_key=company,
                    entity_ids=(company,),
                    severity=severity,
                    kind="inconsistent",
                    explanation_zh=(
                        f"{label(names, company)} 的股东持股比例合计 {total:.2f}%，超过 100%"
                        f"（来源：{'、'.join(sources) or '未知'}；{len(batches)} 个批次）：{shown}。"
                        "股权穿透和控制结果不可信，请核实来源数据。"
                    ),
                    explanation_en=(
                        f"The holdings of {label(names, company)} sum to {total:.2f}%, over 100% "
                        f"(sources: {', '.join(sources) or 'unknown'}; {len(batches)} batches): {shown_en}. "
                        "Integrated ownership and control computed from them are unreliable; check the source data."
                    ),
                    evidence={
                        "company": company,
                        "total_pct": round(total, 4),
                        "sources": sources,
                        "batches": batches,
                        "holdings": holdings,
                    },
                )
            )
        return RuleOutput(findings, stats={"companies_over_100": len(findings)})
