"""One module per rule; ``RULE_CLASSES`` is the run order (derived facts before their readers)."""

from __future__ import annotations

from risk_rules.rules.circle_exposure import CircleExposureRule
from risk_rules.rules.guarantee_chain import GuaranteeChainRule
from risk_rules.rules.guarantee_circle import GuaranteeCircleRule
from risk_rules.rules.guarantee_fans import ManyForOneRule, OneForManyRule
from risk_rules.rules.guarantee_leverage import GuaranteeLeverageRule
from risk_rules.rules.mutual_guarantee import MutualGuaranteeRule

RULE_CLASSES = [
    MutualGuaranteeRule,
    GuaranteeCircleRule,
    GuaranteeChainRule,
    OneForManyRule,
    ManyForOneRule,
    GuaranteeLeverageRule,
    CircleExposureRule,
]
