"""What the entity card shows of the API's entity answer: the fields a credit officer reads, labelled,
without the pipeline's internal bookkeeping; loans with balance and status first."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from explorer.network_html import format_amount

#: field → label, in display order (fields not listed and not internal follow, under their own name)
FIELD_LABELS: dict[str, str] = {
    "name": "名称 Name",
    "uscc": "统一社会信用代码 USCC",
    "id_number": "身份证号 Resident ID",
    "id_masked": "身份证号 Resident ID",
    "birth_date": "出生日期 Birth date",
    "region": "地区 Region",
    "status": "状态 Status",
    "industry": "行业 Industry",
    "legal_rep": "法定代表人 Legal representative",
    "registered_capital": "注册资本 Registered capital",
    "net_assets": "净资产 Net assets",
    "established": "成立日期 Established",
    "bank_branch": "管户支行 Bank branch",
    "is_branch": "分支机构 Branch office",
}
AMOUNT_FIELDS = frozenset({"registered_capital", "net_assets", "balance", "amount"})
#: bookkeeping of ingest and entity resolution, not facts about the customer
INTERNAL_FIELDS = frozenset(
    {"entity_id", "batch_id", "source", "record_keys", "kind", "ingested_at", "updated_at", "created_at"}
)
DATA_QUALITY_RULE = "data_quality.ownership_over_100"


def is_internal(field: str) -> bool:
    """``_``-prefixed, normalised copies (``*_norm``) and ingest bookkeeping.

    >>> [f for f in ("name", "_pk", "name_norm", "batch_id", "valid_from_batch") if not is_internal(f)]
    ['name']
    """
    return field.startswith("_") or field.endswith("_norm") or field in INTERNAL_FIELDS or "batch" in field


def show(field: str, value: Any) -> str:
    if isinstance(value, bool):
        return "是 yes" if value else "否 no"
    if field in AMOUNT_FIELDS and isinstance(value, int | float):
        return format_amount(value) + " 元" if abs(value) < 1e4 else format_amount(value)
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


def card_rows(props: Mapping[str, Any]) -> list[dict[str, str]]:
    """The card's rows: labelled fields first in a fixed order, then the rest, internal ones left out."""
    keys = [k for k in FIELD_LABELS if k in props] + sorted(k for k in props if k not in FIELD_LABELS)
    return [
        {"字段 field": FIELD_LABELS.get(k, k), "值 value": show(k, props[k])}
        for k in keys
        if not is_internal(k) and props[k] not in (None, "") and not isinstance(props[k], dict)
    ]


LOAN_COLUMNS = {
    "balance": "余额 Balance",
    "status": "状态 Status",
    "amount": "金额 Amount",
    "loan_id": "贷款编号 Loan",
    "product": "品种 Product",
    "start_date": "发放日 Start",
    "maturity_date": "到期日 Maturity",
    "bank_branch": "支行 Branch",
}


def loan_rows(loans: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Balance and status first (the columns a reader needs without scrolling)."""
    rows = []
    for lo in loans:
        row = {label: show(k, lo.get(k)) for k, label in LOAN_COLUMNS.items() if lo.get(k) is not None}
        rows.append({label: row.get(label, "") for label in LOAN_COLUMNS.values()})
    used = [lab for lab in LOAN_COLUMNS.values() if any(r[lab] for r in rows)]
    return [{lab: r[lab] for lab in used} for r in rows]


def table_rows(items: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Any list of records as text cells, internal fields left out."""
    return [
        {k: show(k, v) for k, v in item.items() if not is_internal(k) and v is not None}
        for item in items
        if isinstance(item, Mapping)
    ]


def data_quality_flags(detail: Mapping[str, Any], api: Any, entity_id: str) -> list[str]:
    """The ownership data-quality warning: the entity answer's own flag when it carries one, else the
    open alerts of the ownership-over-100% rule concerning the entity (their API text as it is)."""
    dq = detail.get("data_quality")
    if isinstance(dq, Mapping) and dq.get("ownership_consistent") is False:
        return [
            str(
                dq.get("message_zh")
                or dq.get("explanation_zh")
                or "股权数据不一致 Ownership data inconsistent"
            )
        ]
    if detail.get("ownership_consistent") is False:
        rows = [d for d in detail.get("data_quality") or [] if isinstance(d, Mapping)]
        if not rows:
            return ["股权合计超过 100%，股权计算结果不可依赖 / Ownership shares add up to more than 100%"]
        return [
            f"{d.get('company_name') or d.get('company')}：股东持股合计 {float(d.get('total_pct') or 0):.2f}%，"
            f"超过 100%，相关股权计算结果不可依赖 / holders add up to {float(d.get('total_pct') or 0):.2f}%, "
            "over 100%: the ownership results built on them are not to be relied on"
            for d in rows
        ]
    from explorer.api_client import ApiError

    try:
        res = api.alerts(entity_id=entity_id, rule_id=DATA_QUALITY_RULE, limit=5)
    except ApiError:
        return []
    return [
        f"数据质量 Data quality: {a.get('explanation_zh') or ''} / {a.get('explanation_en') or ''}"
        for a in res.get("alerts") or []
        if a.get("status") != "dismissed"
    ]
