"""The list of rules, in the order ``rules run`` executes them.

Order matters only for derived facts: the actual-controller rule writes CONTROLS before the
group rule reads control, and groups exist before concentration is checked (each rule still
computes what it needs through the shared per-run cache, so running one rule alone is correct).
"""

from __future__ import annotations

from typing import Any

from risk_rules.framework import Rule


def all_rules() -> list[Rule[Any]]:
    from risk_rules.rules import RULE_CLASSES

    return [cls() for cls in RULE_CLASSES]


def get_rule(rule_id: str) -> Rule[Any]:
    for rule in all_rules():
        if rule.id == rule_id:
            return rule
    known = ", ".join(r.id for r in all_rules())
    raise KeyError(f"未知规则 {rule_id} / unknown rule {rule_id} (known: {known})")
