"""The shape every rule has: metadata, parameters, a run over a context, findings out.

A rule is a small class ``class MyRule(Rule[MyParams])``: ``id``, ``version``, bilingual
title/description, its regulatory sources, the projections it reads (``shared_reads``) and
``evaluate(ctx, params: MyParams)``, which reads its projection through the context (shared, cached
reads), calls a pure algorithm from ``risk_rules.algorithms`` and returns :class:`Finding` objects.
The type argument is the rule's pydantic parameter model, stated once: the type checker sees
``params`` as ``MyParams`` and the runner finds the model as ``MyRule.Params``. Writing alerts, the ``RuleRun`` node and new/unchanged/resolved
bookkeeping is done once, by the runner, so no rule can get it subtly different.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar, get_args, get_origin

from neo4j import Driver

from risk_rules.config import SEVERITIES, BankParams, ControlParams, RuleParams, RulesConfig, Severity
from risk_rules.execution import Executor, InProcessExecutor

SEVERITY_RANK: dict[str, int] = {s: i for i, s in enumerate(SEVERITIES)}

P = TypeVar("P", bound=RuleParams)


def max_severity(*levels: Severity) -> Severity:
    return max(levels, key=SEVERITY_RANK.__getitem__)


@dataclass(frozen=True)
class Finding:
    """One result of a rule about one subject (a pair, a circle, a company, a group …).

    ``subject_key`` identifies the subject independently of the run: the alert id is derived from
    rule id + subject key, so re-running on unchanged data finds the same alert instead of a new
    one. ``evidence`` is JSON-serialisable: paths (lists of entity ids), subgraphs
    (``{"nodes": [...], "edges": [...]}``) and the arithmetic behind a number.
    """

    subject_key: str
    entity_ids: tuple[str, ...]
    severity: Severity
    explanation_zh: str
    explanation_en: str
    evidence: dict[str, Any]
    kind: str = ""

    def __post_init__(self) -> None:
        if self.severity not in SEVERITY_RANK:
            raise ValueError(f"未知严重程度 / unknown severity: {self.severity!r}")


def alert_id(rule_id: str, subject_key: str) -> str:
    """Deterministic alert id: readable rule prefix + hash of the subject key."""
    digest = hashlib.sha1(subject_key.encode("utf-8")).hexdigest()[:20]
    return f"{rule_id}:{digest}"


def content_hash(rule_version: str, f: Finding) -> str:
    """Hash of everything a user sees in an alert: unchanged hash ⇒ the alert is left untouched."""
    payload = json.dumps(
        [
            rule_version,
            f.kind,
            f.severity,
            sorted(f.entity_ids),
            f.explanation_zh,
            f.explanation_en,
            f.evidence,
        ],
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha1(payload.encode("utf-8")).hexdigest()


@dataclass
class RuleContext:
    """What a rule sees: the database, the as-of date, the bank's figures and a shared cache.

    The cache lets rules of one ``rules run`` share a projection (the guarantee graph, the
    ownership matrix …) instead of reading the same million rows once per rule.
    """

    driver: Driver
    database: str
    as_of: dt.date
    bank: BankParams
    control: ControlParams
    run_id: str = ""
    #: a run as of a past date: its results go to that date's snapshot, and it writes no derived
    #: fact that describes the current state (CONTROLS, groups) — see :mod:`risk_rules.snapshots`
    snapshot: bool = False
    #: in a snapshot, the (controller, company) pairs of actual control as of the date, computed
    #: from the shareholdings valid then; read instead of the graph's CONTROLS (which are today's)
    as_of_controls: Callable[[], list[tuple[str, str]]] | None = None
    cache: dict[str, Any] = field(default_factory=dict)
    progress: Callable[[str], None] = lambda _msg: None
    #: the whole validated configuration, for a rule that reads another rule's setting (the
    #: ownership computations mark results with the data-quality rule's own tolerance)
    rules_config: RulesConfig | None = None
    #: where a rule's independent units of work run (:mod:`risk_rules.execution`): in this
    #: process unless the run was given worker processes or Spark; the results are the same
    executor: Executor = field(default_factory=InProcessExecutor)

    def cached(self, key: str, loader: Callable[[], Any]) -> Any:
        if key not in self.cache:
            self.cache[key] = loader()
        return self.cache[key]


@dataclass
class RuleOutput:
    """Findings plus derived-fact counts (CONTROLS, groups, scores) a rule wrote itself."""

    findings: list[Finding]
    derived: dict[str, int] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)


class Rule(ABC, Generic[P]):
    """Base class of all rules (see module docstring); ``P`` is the rule's parameter model."""

    id: ClassVar[str]
    version: ClassVar[str]
    title_zh: ClassVar[str]
    title_en: ClassVar[str]
    description_zh: ClassVar[str]
    description_en: ClassVar[str]
    sources: ClassVar[tuple[str, ...]] = ()
    #: The parameter model, taken from the type argument of ``Rule[...]`` when the class is defined.
    Params: ClassVar[type[RuleParams]] = RuleParams
    #: The shared reads the rule uses (names in ``risk_rules.reads``; most are keys of the per-run
    #: cache; None: unknown). Two things follow from them: the runner drops cached projections no
    #: rule still to run reads (only memory is at stake: a dropped projection is read again), and
    #: ``risk_rules.reads.rules_to_rerun`` knows which rules a corrected fact touches.
    shared_reads: ClassVar[frozenset[str] | None] = None
    #: Labels and relationship types of derived facts the rule writes (``CONTROLS``, groups,
    #: scores): rules reading them are touched when this rule is.
    derived_writes: ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for base in getattr(cls, "__orig_bases__", ()):
            if get_origin(base) is Rule:
                (model,) = get_args(base)
                if isinstance(model, type) and issubclass(model, RuleParams):
                    cls.Params = model

    @abstractmethod
    def evaluate(self, ctx: RuleContext, params: P) -> RuleOutput:
        """Read the projection, call the pure algorithm, return findings (no alert writes here)."""
