"""The rules' own typed parameters, gathered for the findings (no default is restated here)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from risk_rules.config import BankParams, ControlParams, RulesConfig, rule_params
from risk_rules.rules.beneficial_owner import BeneficialOwnerRule
from risk_rules.rules.beneficial_owner import Params as BeneficialOwnerParams
from risk_rules.rules.blacklist_contagion import BlacklistContagionRule
from risk_rules.rules.blacklist_contagion import Params as ContagionParams
from risk_rules.rules.group_concentration import GroupConcentrationRule
from risk_rules.rules.group_concentration import Params as GroupLimitParams
from risk_rules.rules.guarantee_chain import GuaranteeChainRule
from risk_rules.rules.guarantee_chain import Params as ChainParams
from risk_rules.rules.guarantee_circle import GuaranteeCircleRule
from risk_rules.rules.guarantee_circle import Params as CircleParams
from risk_rules.rules.guarantee_fans import ManyForOneRule, OneForManyRule
from risk_rules.rules.guarantee_fans import Params as FanParams
from risk_rules.rules.guarantee_leverage import GuaranteeLeverageRule
from risk_rules.rules.guarantee_leverage import Params as LeverageParams
from risk_rules.rules.large_exposure import LargeExposureRule
from risk_rules.rules.large_exposure import Params as LargeExposureParams
from risk_rules.rules.mutual_guarantee import MutualGuaranteeRule
from risk_rules.rules.mutual_guarantee import Params as MutualParams
from risk_rules.rules.ownership_consistency import OwnershipConsistencyParams, OwnershipConsistencyRule
from risk_rules.rules.related_party import Params as RelatedPartyParams
from risk_rules.rules.related_party import RelatedPartyRule

#: the rules whose conclusions a profile carries, with their versions (recorded on every profile)
PROFILE_RULES = (
    BlacklistContagionRule,
    MutualGuaranteeRule,
    GuaranteeCircleRule,
    GuaranteeChainRule,
    OneForManyRule,
    ManyForOneRule,
    GuaranteeLeverageRule,
    BeneficialOwnerRule,
    RelatedPartyRule,
    LargeExposureRule,
    GroupConcentrationRule,
    OwnershipConsistencyRule,
)


@dataclass(frozen=True)
class FindingParams:
    """Every parameter a profile depends on, as the rules' own validated models."""

    bank: BankParams
    control: ControlParams
    contagion: ContagionParams
    mutual: MutualParams
    circle: CircleParams
    chain: ChainParams
    one_for_many: FanParams
    many_for_one: FanParams
    leverage: LeverageParams
    beneficial: BeneficialOwnerParams
    related: RelatedPartyParams
    large_exposure: LargeExposureParams
    group_limits: GroupLimitParams
    ownership_quality: OwnershipConsistencyParams

    @classmethod
    def from_config(cls, cfg: RulesConfig) -> FindingParams:
        return cls(
            bank=cfg.bank,
            control=cfg.control,
            contagion=rule_params(cfg, BlacklistContagionRule.id, ContagionParams),
            mutual=rule_params(cfg, MutualGuaranteeRule.id, MutualParams),
            circle=rule_params(cfg, GuaranteeCircleRule.id, CircleParams),
            chain=rule_params(cfg, GuaranteeChainRule.id, ChainParams),
            one_for_many=rule_params(cfg, OneForManyRule.id, FanParams),
            many_for_one=rule_params(cfg, ManyForOneRule.id, FanParams),
            leverage=rule_params(cfg, GuaranteeLeverageRule.id, LeverageParams),
            beneficial=rule_params(cfg, BeneficialOwnerRule.id, BeneficialOwnerParams),
            related=rule_params(cfg, RelatedPartyRule.id, RelatedPartyParams),
            large_exposure=rule_params(cfg, LargeExposureRule.id, LargeExposureParams),
            group_limits=rule_params(cfg, GroupConcentrationRule.id, GroupLimitParams),
            ownership_quality=rule_params(cfg, OwnershipConsistencyRule.id, OwnershipConsistencyParams),
        )

    @property
    def control_kwargs(self) -> dict:
        c = self.control
        return {
            "majority": c.majority,
            "plurality": c.plurality,
            "margin": c.margin,
            "board_roles": tuple(c.board_roles),
            "family_scope": c.family_scope,
        }

    def digest(self) -> str:
        """Hash of every parameter: a profile computed under other parameters is stale."""
        payload = {k: getattr(self, k).model_dump(mode="json") for k in self.__dataclass_fields__}
        return hashlib.sha1(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:16]


def rule_versions() -> dict[str, str]:
    return {r.id: r.version for r in PROFILE_RULES}
