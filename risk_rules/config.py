"""Rule parameters: regulatory defaults shipped in ``defaults.yaml``, overridable by each bank.

Why a file and not code: the numbers (limit ratios, the 25 % beneficial-owner threshold, control
thresholds, hop bounds …) are policy, owned by the bank's risk department and changed without a
release. The shipped file states every default with its source; a bank points
``RISKGRAPH_RULES_CONFIG`` at its own YAML holding only the values it changes (deep-merged over the
defaults). Everything is validated by pydantic before any rule runs, so a typo fails loudly instead
of silently using a default.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, ValidationError

DEFAULTS_PATH = Path(__file__).with_name("defaults.yaml")

#: The one severity scale of every finding, alert and rule parameter, lowest first.
Severity = Literal["low", "medium", "high", "critical"]
SEVERITIES: tuple[Severity, ...] = get_args(Severity)


P = TypeVar("P", bound="RuleParams")


class ConfigError(ValueError):
    """A rules configuration that cannot be used (message is bilingual)."""


class BankParams(BaseModel):
    """Figures of the bank itself: denominators of every concentration limit."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="bank name, for reports")
    net_capital: PositiveFloat = Field(description="资本净额 net capital, CNY")
    tier1_capital: PositiveFloat = Field(description="一级资本净额 tier-1 capital, CNY")


class ControlParams(BaseModel):
    """How control is decided; shared by every rule that needs controllers (one computation per run)."""

    model_config = ConfigDict(extra="forbid")

    majority: float = Field(ge=0, le=100, description="控股: votes ≥ this pct control (公司法: 50)")
    plurality: float = Field(
        ge=0, le=100, description="relative control from this pct (收购管理办法 art. 84: 30)"
    )
    margin: float = Field(ge=0, le=100, description="plurality must lead the runner-up by this many points")
    board_roles: list[str] = Field(description="positions counted as board seats (appointing half the board)")
    family_as_one_controller: bool = Field(
        description="a person and near relatives vote as one block (集团客户指引 art. 3)"
    )
    family_scope: Literal["near", "extended"] = Field(
        description=(
            "near = a person and his or her own spouse, parents, children, siblings (关联交易管理办法 近亲属); "
            "extended = every chain of such ties (in-laws: a spouse's sibling, a sibling's spouse) as one block"
        )
    )


class RuleParams(BaseModel):
    """Base of every rule's parameter model: unknown keys are errors, not ignored."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(description="run this rule in `rules run` without --rule")


class RulesConfig(BaseModel):
    """The validated configuration: bank figures plus the raw per-rule sections.

    Rule sections are validated against each rule's own ``Params`` model by :func:`rule_params`
    (the registry knows the models; this module does not import the rules).
    """

    model_config = ConfigDict(extra="forbid")

    bank: BankParams
    control: ControlParams
    rules: dict[str, dict[str, Any]]
    source_files: list[str] = Field(default_factory=list)


def _deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError as exc:
        raise ConfigError(f"规则配置文件不存在：{path} / rules configuration file not found: {path}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"规则配置文件不是有效的 YAML：{path} / not valid YAML: {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"规则配置文件顶层必须是映射：{path} / top level must be a mapping: {path}")
    return data


def load_config(override: Path | str | None = None, *, extra: dict[str, Any] | None = None) -> RulesConfig:
    """Defaults, then the bank's override file (if any), then ``extra`` (used by tests and the CLI)."""
    data = _read_yaml(DEFAULTS_PATH)
    sources = [str(DEFAULTS_PATH)]
    if override:
        data = _deep_merge(data, _read_yaml(Path(override)))
        sources.append(str(override))
    if extra:
        data = _deep_merge(data, extra)
    data["source_files"] = sources
    try:
        cfg = RulesConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"规则配置无效 / invalid rules configuration:\n{exc}") from exc
    return cfg


def rule_params(config: RulesConfig, rule_id: str, model: type[P]) -> P:
    """Validate one rule's section against its model (bilingual error naming the rule)."""
    section = config.rules.get(rule_id)
    if section is None:
        raise ConfigError(
            f"配置中缺少规则 {rule_id} 的参数 / no parameters for rule {rule_id} in the configuration"
        )
    try:
        return model.model_validate(section)
    except ValidationError as exc:
        raise ConfigError(
            f"规则 {rule_id} 的参数无效 / invalid parameters for rule {rule_id}:\n{exc}"
        ) from exc
