"""Ownership, groups, guarantee circles, alerts, blacklist spread, rule runs, review, audit, keys."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.models.common import ENTITY_ID_PATTERN, AsOf, PageInfo
from api.models.texts import LocalText


class Ownership(BaseModel):
    entity_id: str
    direct_holders: list[dict[str, Any]]
    integrated: list[dict[str, Any]] = Field(description="every holder's integrated share (all layers), pct")
    controller: dict[str, Any] | None = Field(
        description="ultimate controller and the control chain proving it"
    )
    beneficial_owners: dict[str, Any]
    rule_controls: list[dict[str, Any]] = Field(description="CONTROLS written by the latest rule run")
    edges: list[dict[str, Any]] = Field(description="the ownership edges examined (holder, company, pct)")
    max_hops: int
    truncated: bool
    ownership_consistent: bool = Field(
        description="false when a company among the entity and its holders has holdings summing over 100%"
    )
    data_quality: list[dict[str, Any]] = Field(
        description="those companies: company, total_pct, holdings [{holder, pct}] (the rows behind the sum)"
    )
    names: list[dict[str, Any]] = Field(
        default_factory=list,
        description="{entity_id, name} of every entity id in this answer, to show names beside ids",
    )


class Group(BaseModel):
    group_id: str
    name: str | None = None
    controller_ids: list[str] = Field(default_factory=list)
    size: int | None = None
    exposure: float | None = None
    run_id: str | None = None
    members: list[dict[str, Any]]
    names: list[dict[str, Any]] = Field(
        default_factory=list,
        description="{entity_id, name} of every entity id in this answer, to show names beside ids",
    )


class EntityGroups(BaseModel):
    entity_id: str
    groups: list[Group]


class CircleSummary(BaseModel):
    circle_id: str | None
    alert_id: str
    members: list[str]
    size: int
    edge_count: int | None = None
    internal_amount: float | None = None
    severity: str | None = None
    status: str | None = None


class CirclePage(BaseModel):
    circles: list[CircleSummary]
    page: PageInfo
    as_of: AsOf | None = Field(default=None, description="set when asked as of a past date")


class CircleDetail(BaseModel):
    circle: CircleSummary
    cycles: list[list[str]]
    edges: list[dict[str, Any]]
    members: list[dict[str, Any]]
    exposure: dict[str, Any]
    alert: dict[str, Any]
    names: list[dict[str, Any]] = Field(
        default_factory=list,
        description="{entity_id, name} of every entity id in this answer, to show names beside ids",
    )


class Alert(BaseModel):
    model_config = ConfigDict(extra="allow")

    alert_id: str
    rule_id: str | None = None
    severity: str | None = None
    status: str | None = None
    active: bool | None = None
    entity_ids: list[str] | None = None
    explanation_zh: str | None = None
    explanation_en: str | None = None
    title: LocalText | None = Field(default=None, description="the rule's title")
    message: LocalText | None = Field(
        default=None, description="rendered from the evidence: names beside ids, 万元/亿元, Markdown-safe"
    )
    severity_text: LocalText | None = None


class AlertPage(BaseModel):
    alerts: list[Alert]
    page: PageInfo
    as_of: AsOf | None = Field(
        default=None, description="set when asked as of a past date: snapshot alerts (no triage state)"
    )


class TriageRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["open", "confirmed", "dismissed"]
    comment: str | None = Field(default=None, max_length=2000)


class TriageResult(BaseModel):
    alert_id: str
    status: str
    comment: str | None = None
    user: str
    at: str | None = None


class SpreadPoint(BaseModel):
    as_of: str
    run_id: str
    source: Literal["snapshot", "live"]
    listed: int = Field(description="listed entities (seeds) on that date")
    reached: int = Field(description="entities within reach (score above the threshold)")
    newly_reached: int = Field(description="reached on this date, not on the previous one")
    no_longer_reached: int


class Spread(BaseModel):
    since: str
    current_run: dict[str, Any] | None
    baseline_run: dict[str, Any] | None
    threshold: float
    newly_reached: list[dict[str, Any]]
    no_longer_reached: list[dict[str, Any]]
    still_reached: int
    limit: int
    newly_reached_total: int
    no_longer_reached_total: int
    trend: list[SpreadPoint] = Field(
        default_factory=list,
        description="per as-of date the contagion rule ran for (snapshots and live runs), oldest first",
    )
    names: dict[str, str] = Field(
        default_factory=dict, description="entity id → name of every entity on the returned paths"
    )


class RuleRun(BaseModel):
    """One rule execution as stored (counts and parameters as the rule framework wrote them)."""

    model_config = ConfigDict(extra="allow")
    run_id: str
    rule_id: str | None = None
    status: str | None = None


class Judgement(BaseModel):
    """A stored review decision: a pair judged same/different/unsure, or an entity split into parts."""

    model_config = ConfigDict(extra="allow")
    judgement_id: str
    kind: Literal["pair", "split"]
    reviewer: str | None = None


class RuleRunPage(BaseModel):
    runs: list[dict[str, Any]]
    page: PageInfo


class ReviewPairPage(BaseModel):
    pairs: list[dict[str, Any]]
    page: PageInfo


class JudgementRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    record_id_a: str = Field(min_length=1, max_length=300)
    record_id_b: str = Field(min_length=1, max_length=300)
    verdict: Literal["same", "different", "unsure"]
    note: str | None = Field(default=None, max_length=2000)


class SplitRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    entity_id: str = Field(pattern=ENTITY_ID_PATTERN)
    parts: list[list[str]] = Field(min_length=2, max_length=50)
    note: str | None = Field(default=None, max_length=2000)


class JudgementPage(BaseModel):
    judgements: list[dict[str, Any]]
    page: PageInfo


class AuditPage(BaseModel):
    records: list[dict[str, Any]]
    page: PageInfo


class ChainVerification(BaseModel):
    """One writer's chain (see docs/governance.md: one chain per API worker process)."""

    chain: str
    ok: bool
    records: int
    last_seq: int
    last_hash: str
    first_bad_line: int | None = None
    reason: str | None = None
    code: str | None = None


class AuditVerification(BaseModel):
    """The whole trail: ``ok`` when every chain verifies; the other fields describe the first chain
    with a problem (else the configured log), ``records`` counts all chains."""

    ok: bool
    records: int
    last_seq: int
    last_hash: str
    first_bad_line: int | None = None
    reason: str | None = None
    chains: list[ChainVerification] = []
