"""The resolution spec: what to compare, how to block, where the thresholds are — as data.

Like Splink's settings, a spec is configuration, not code: the same engine resolves Chinese
companies, Chinese persons or a Latin-script person file.  Load it from YAML with
:meth:`ResolutionSpec.from_yaml`; the shipped specs live in ``entity_resolution/specs/``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field, field_validator, model_validator

from entity_resolution import keys as _keys
from entity_resolution.normalize import NORMALIZERS

SPECS_DIR = Path(__file__).parent / "specs"

Comparator = Literal[
    "ratio", "jaro_winkler", "levenshtein", "damerau_levenshtein", "exact", "id", "partial_ratio", "overlap"
]


class StrongId(BaseModel):
    """An identifier that is a merge key when valid and a hard no-merge when two valid ones differ."""

    name: str
    column: str
    validator: Literal["cn_uscc", "cn_ric", "none"] = "none"


class Comparison(BaseModel):
    """One field compared on candidate pairs; its similarity falls into a level with its own m/u.

    ``levels`` are similarity thresholds, highest first (1.0 = exact after normalization).  A pair
    gets the first level whose threshold its similarity reaches, "else" below the last, "null" if
    either side is missing (weight 0).
    """

    name: str
    column: str
    normalizer: str = "plain"
    comparator: Comparator = "ratio"
    levels: list[float] = Field(default_factory=lambda: [1.0, 0.9, 0.75])
    tf_adjust: bool = False
    support: bool = False
    support_threshold: float = 0.9
    fill_birth_date_from: str | None = None
    m_prior: list[float] | None = None
    # Pairs of one source (needs the spec's source_column): "compare" as any pair; "ignore" (no
    # evidence); "conflict": agreement is evidence *against* — two records one source keeps apart
    # while both name the same company are two people (its positions list each person once), so
    # such a pair gets ``conflict_weight`` instead of a learned weight and never counts as support;
    # unless another support field agrees (a compatible ID, the birth date …) it is a hard no-merge.
    within_source: Literal["compare", "ignore", "conflict"] = "compare"
    conflict_weight: float = -8.0
    # A pair whose similarity here is known and below this value is never merged (hard no-merge),
    # e.g. identity numbers whose visible digits disagree.
    hard_no_below: float | None = None
    # ... unless one of these comparisons agrees at its support threshold (a mistyped name with the
    # same birth date and phone is still one person; a mistyped name with only a masked ID is not)
    hard_no_unless: list[str] = Field(default_factory=list)
    # The rule vetoes only the pair's own edge instead of forbidding the two records one entity:
    # a mistyped name beside a masked ID proves nothing by itself, but when a third record agrees
    # with both (the full ID on one side, the phone on the other) they are one person after all.
    hard_no_pair_only: bool = False
    # A part of the name (given name, surname, a Chinese full name): what a person is never merged
    # on alone (``require_support``), and what the training guard weighs identifiers against.
    name_part: bool = False
    # The name of another comparison whose value this one is often entered in (given name and
    # surname swapped by a clerk): a pair whose two values cross-agree gets a level of its own,
    # "swapped", with its own m/u; the other comparison reads as missing on that pair, so the
    # evidence is counted once.
    swapped_with: str | None = None

    @field_validator("normalizer")
    @classmethod
    def _known_normalizer(cls, v: str) -> str:
        if v not in NORMALIZERS:
            raise ValueError(f"未知的规范化器 / unknown normalizer {v!r}; known: {sorted(NORMALIZERS)}")
        return v

    @field_validator("levels")
    @classmethod
    def _descending(cls, v: list[float]) -> list[float]:
        if not v or any(b >= a for a, b in zip(v, v[1:], strict=False)):
            raise ValueError("levels 必须严格递减 / levels must be strictly descending")
        return v

    @property
    def n_levels(self) -> int:
        """Number of non-null levels including 'else' (and 'swapped' where the comparison has it)."""
        return len(self.levels) + 1 + (1 if self.swapped_with else 0)

    @property
    def swapped_level(self) -> int | None:
        """Index of the "swapped" level (after the threshold levels), None without one."""
        return len(self.levels) + 1 if self.swapped_with else None

    def level_label(self, level: int) -> str:
        if level < 0:
            return "null"
        if level == self.swapped_level:
            return f"swapped with {self.swapped_with}"
        if level == 0:
            return f"else (<{self.levels[-1]:g})"
        thr = self.levels[len(self.levels) - level]
        return "exact" if thr >= 1.0 else f">={thr:g}"


class BlockingRule(BaseModel):
    """Records sharing all key parts become candidate pairs.  A key part is ``field`` or
    ``field:transform`` where field is a comparison or strong-id name (see keys.transform)."""

    name: str
    keys: list[str]
    max_block_size: int | None = None

    @field_validator("keys")
    @classmethod
    def _known_transforms(cls, v: list[str]) -> list[str]:
        for part in v:
            if ":" in part:
                _keys.transform(part.split(":", 1)[1])
        return v


class Thresholds(BaseModel):
    """Decision thresholds on the total match weight (log2 Bayes factor, prior included)."""

    match: float = 6.0
    review: float = 0.0
    cannot_link: float = -4.0


class EMSettings(BaseModel):
    enabled: bool = True
    estimate_u: bool = True
    max_iter: int = 60
    tol: float = 1e-5
    u_sample_pairs: int = 300_000
    min_pairs: int = 200
    seed: int = 42
    # "per_comparison": each comparison's m on the pairs of blocking rules not involving it (see
    # entity_resolution/training.py); "all_candidates": one EM over every candidate pair
    training: Literal["per_comparison", "all_candidates"] = "per_comparison"
    # what to do when the trained weights contradict the evidence: fall back (and report) or stop
    on_rejected: Literal["fallback", "error"] = "fallback"


class ResolutionSpec(BaseModel):
    """Everything the engine needs to know about one entity kind."""

    kind: str = "entity"
    record_id: str = "record_id"
    source_column: str | None = None
    mode: Literal["dedupe", "link_only", "link_and_dedupe"] = "dedupe"
    strong_ids: list[StrongId] = Field(default_factory=list)
    comparisons: list[Comparison]
    blocking: list[BlockingRule]
    branch_field: str | None = None
    require_support: bool = False
    max_block_size: int = 60
    thresholds: Thresholds = Field(default_factory=Thresholds)
    em: EMSettings = Field(default_factory=EMSettings)
    max_cluster_check: int = 400
    representatives_per_entity: int = 3

    @model_validator(mode="after")
    def _references_exist(self) -> ResolutionSpec:
        known = {c.name for c in self.comparisons} | {s.name for s in self.strong_ids}
        for rule in self.blocking:
            for part in rule.keys:
                field = part.split(":", 1)[0]
                if field not in known:
                    raise ValueError(
                        f"分块规则 {rule.name} 引用了未知字段 / blocking rule references unknown field {field!r}"
                    )
        if self.branch_field and self.branch_field not in {c.name for c in self.comparisons}:
            raise ValueError(f"branch_field {self.branch_field!r} 不是比较字段 / is not a comparison")
        if self.mode != "dedupe" and not self.source_column:
            raise ValueError("链接模式需要 source_column / link modes need source_column")
        names = {c.name for c in self.comparisons}
        for comp in self.comparisons:
            if unknown := set(comp.hard_no_unless) - names:
                raise ValueError(
                    f"{comp.name}.hard_no_unless 引用了未知字段 / names unknown comparisons {unknown}"
                )
            if comp.swapped_with is not None and (
                comp.swapped_with not in names or comp.swapped_with == comp.name
            ):
                raise ValueError(
                    f"{comp.name}.swapped_with 必须是另一个比较字段 / must name another comparison: "
                    f"{comp.swapped_with!r}"
                )
        if self.require_support and not any(c.support for c in self.comparisons):
            raise ValueError(
                "require_support 需要至少一个 support 字段 / needs at least one support comparison"
            )
        return self

    @classmethod
    def from_yaml(cls, path: str | Path) -> ResolutionSpec:
        """Load a spec from a YAML file (a bare name like ``company_cn`` means a shipped spec)."""
        p = Path(path)
        if not p.exists() and (SPECS_DIR / f"{path}.yaml").exists():
            p = SPECS_DIR / f"{path}.yaml"
        with open(p, encoding="utf-8") as fh:
            return cls.model_validate(yaml.safe_load(fh))

    def comparison(self, name: str) -> Comparison:
        return next(c for c in self.comparisons if c.name == name)

    def fingerprint(self) -> str:
        """Hash of the spec, stored in the prior state (parameters are reused only for the same spec)."""
        return hashlib.sha1(json.dumps(self.model_dump(), sort_keys=True).encode()).hexdigest()[:12]
