"""A rule states its parameter model once, as the type argument of ``Rule[...]``."""

from __future__ import annotations

from typing import get_args

import pytest
from pydantic import Field

from risk_rules.config import SEVERITIES, RuleParams, Severity
from risk_rules.framework import Finding, Rule, RuleContext, RuleOutput
from risk_rules.registry import all_rules


class _Limits(RuleParams):
    limit: float = Field(description="a limit")


class _ExampleRule(Rule[_Limits]):
    id = "example.rule"
    version = "1.0"
    title_zh = title_en = description_zh = description_en = "example"

    def evaluate(self, ctx: RuleContext, params: _Limits) -> RuleOutput:
        return RuleOutput([])


def test_the_type_argument_is_the_parameter_model() -> None:
    assert _ExampleRule.Params is _Limits
    assert _ExampleRule.Params.model_validate({"enabled": True, "limit": 0.1}).limit == 0.1  # type: ignore[attr-defined]


def test_every_shipped_rule_has_its_own_parameter_model() -> None:
    for rule in all_rules():
        assert rule.Params is not RuleParams and issubclass(rule.Params, RuleParams), rule.id


def test_one_severity_scale() -> None:
    assert SEVERITIES == get_args(Severity) == ("low", "medium", "high", "critical")
    with pytest.raises(ValueError, match="severe"):
        Finding("k", ("C:1",), "severe", "", "", {})  # type: ignore[arg-type]


def test_distress_text_names_the_first_members_and_counts_them_all():
    from risk_rules.rules._helpers import distress_text

    bad = {f"C:{i:03d}": ["defaulted"] for i in range(30)}
    zh, en = distress_text({f"C:{i:03d}": f"企业{i}" for i in range(30)}, bad)
    assert zh.count("违约") == 8 and zh.endswith("等共 30 个")
    assert en.count("defaulted") == 8 and en.endswith("; and 22 more")
    zh_small, _ = distress_text({}, {"C:1": ["defaulted"]})
    assert "等共" not in zh_small
