"""docs/rules.md documents every rule and every parameter (a new one cannot go undocumented)."""

from __future__ import annotations

from pathlib import Path

from risk_rules.config import BankParams, ControlParams
from risk_rules.registry import all_rules

DOC = (Path(__file__).resolve().parents[2] / "docs" / "rules.md").read_text(encoding="utf-8")


def test_every_rule_and_parameter_is_documented():
    missing = []
    for rule in all_rules():
        if f"`{rule.id}`" not in DOC:
            missing.append(rule.id)
        for name in rule.Params.model_fields:
            if name != "enabled" and f"`{name}`" not in DOC:
                missing.append(f"{rule.id}.{name}")
    for model, prefix in ((BankParams, "bank."), (ControlParams, "control.")):
        for name in model.model_fields:
            if name != "name" and f"`{prefix}{name}`" not in DOC:
                missing.append(prefix + name)
    assert not missing, missing
