"""Shared wording and severity of concentration-limit findings."""

from __future__ import annotations

from pydantic import Field, PositiveFloat

from risk_rules.algorithms import LimitCheck
from risk_rules.config import RuleParams, Severity

LIMIT_NAMES_ZH = {
    "single_borrower": "单一客户贷款",
    "large_exposure_single": "单一非同业客户风险暴露",
    "group_customer": "单一集团客户授信",
    "large_exposure_group": "非同业集团客户风险暴露",
    "related_party_single": "单个关联方授信",
    "related_party_group": "关联方所在集团授信",
    "related_party_all": "全部关联方授信",
}
DENOMINATOR_ZH = {"net_capital": "资本净额", "tier1_capital": "一级资本净额"}


class LimitParams(RuleParams):
    warn_fraction: float = Field(gt=0, le=1, description="warn (medium) from this fraction of a limit")
    critical_factor: PositiveFloat = Field(description="critical when the ratio reaches limit × this")


def limit_severity(c: LimitCheck, params: LimitParams) -> Severity | None:
    """None below the warning level; medium near the limit; high over it; critical far over it."""
    if c.ratio >= c.limit * params.critical_factor:
        return "critical"
    if c.breach:
        return "high"
    if c.ratio >= c.limit * params.warn_fraction:
        return "medium"
    return None


def check_json(c: LimitCheck) -> dict:
    return c.as_json()


def check_text(c: LimitCheck) -> tuple[str, str]:
    zh = (
        f"{LIMIT_NAMES_ZH.get(c.name, c.name)} {c.numerator:,.2f} 元，占{DENOMINATOR_ZH.get(c.denominator_name, c.denominator_name)}"
        f" {c.ratio:.2%}（限额 {c.limit:.0%}，{c.source}）" + ("，已超限" if c.breach else "，接近限额")
    )
    en = (
        f"{c.name}: CNY {c.numerator:,.2f} is {c.ratio:.2%} of {c.denominator_name} "
        f"(limit {c.limit:.0%}, {c.source})" + (" — breached" if c.breach else " — near the limit")
    )
    return zh, en
