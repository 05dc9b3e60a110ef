"""Findings: what the rules conclude about one entity, computed once and read by every screen.

A rule run writes one :class:`RiskProfile` per entity it touched (:mod:`.store`); the pre-loan
check reads it, or — when the profile is missing or facts loaded since the run reach the
entity's neighbourhood — recomputes it live with the same functions (:mod:`.profile`) on the
entity's neighbourhood (:mod:`.neighbourhood`). What a profile means for a decision (which
finding refers, which limit declines, with the requested amount added) is decided by
:mod:`.conclusions`, also once.
"""

from risk_rules.findings.params import FindingParams

FINDINGS_VERSION = "1.1"

__all__ = ["FINDINGS_VERSION", "FindingParams"]
