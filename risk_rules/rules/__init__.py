"""One module per rule; ``RULE_CLASSES`` is the run order (derived facts before their readers)."""

from __future__ import annotations

from typing import Any

from risk_rules.framework import Rule
from risk_rules.rules.actual_controller import ActualControllerRule
from risk_rules.rules.beneficial_owner import BeneficialOwnerRule
from risk_rules.rules.blacklist_contagion import BlacklistContagionRule
from risk_rules.rules.circle_exposure import CircleExposureRule
from risk_rules.rules.group_concentration import GroupConcentrationRule
from risk_rules.rules.group_customer import GroupCustomerRule
from risk_rules.rules.guarantee_chain import GuaranteeChainRule
from risk_rules.rules.guarantee_circle import GuaranteeCircleRule
from risk_rules.rules.guarantee_fans import ManyForOneRule, OneForManyRule
from risk_rules.rules.guarantee_leverage import GuaranteeLeverageRule
from risk_rules.rules.large_exposure import LargeExposureRule
from risk_rules.rules.mutual_guarantee import MutualGuaranteeRule
from risk_rules.rules.ownership_consistency import OwnershipConsistencyRule
from risk_rules.rules.related_party import RelatedPartyRule
from risk_rules.rules.shell_linkage import ShellLinkageRule

RULE_CLASSES: list[type[Rule[Any]]] = [
    MutualGuaranteeRule,
    GuaranteeCircleRule,
    GuaranteeChainRule,
    OneForManyRule,
    ManyForOneRule,
    GuaranteeLeverageRule,
    CircleExposureRule,
    OwnershipConsistencyRule,
    ActualControllerRule,
    BeneficialOwnerRule,
    GroupCustomerRule,
    GroupConcentrationRule,
    LargeExposureRule,
    RelatedPartyRule,
    BlacklistContagionRule,
    ShellLinkageRule,
]
