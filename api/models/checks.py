"""The pre-loan check: request and the one response an automated gate or an approver reads."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.models.common import ENTITY_ID_PATTERN, AsOf
from api.models.texts import LocalText


class ApplicantHints(BaseModel):
    model_config = ConfigDict(extra="forbid")

    region: str | None = Field(default=None, max_length=50, description="region prefix, e.g. 浙江省杭州市")
    birth_date: dt.date | None = Field(default=None, description="persons: date of birth")


class Applicant(BaseModel):
    """Who applies: a USCC (company), a resident ID (person), an entity id, or a name with hints."""

    model_config = ConfigDict(extra="forbid")

    uscc: str | None = Field(default=None, min_length=18, max_length=18, examples=["91330106MA2B000013"])
    resident_id: str | None = Field(default=None, min_length=18, max_length=18)
    entity_id: str | None = Field(default=None, pattern=ENTITY_ID_PATTERN)
    name: str | None = Field(default=None, min_length=1, max_length=100, examples=["杭州甲科技有限公司"])
    kind: Literal["company", "person"] | None = None
    hints: ApplicantHints = Field(default_factory=ApplicantHints)

    @model_validator(mode="after")
    def _one_identifier(self) -> Applicant:
        if not (self.uscc or self.resident_id or self.entity_id or self.name):
            raise ValueError(
                "需要 uscc、resident_id、entity_id 或 name 之一 / one of uscc, resident_id, entity_id, name"
            )
        return self


class PreLoanRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "application_ref": "LA-2026-000123",
                    "applicant": {"uscc": "91330106MA2B000013"},
                    "requested_amount": 20000000,
                    "purpose": "working capital",
                }
            ]
        },
    )

    application_ref: str = Field(min_length=1, max_length=64, description="loan application number (audited)")
    applicant: Applicant
    requested_amount: float = Field(
        ge=0, le=1e13, strict=True, description="CNY (a number; true/false is refused)"
    )
    requested_kind: Literal["loan", "guarantee"] = "loan"
    purpose: str | None = Field(default=None, max_length=200)
    as_of: dt.date | None = Field(
        default=None,
        description="check as of a past date: that date's snapshot, else computed from the facts valid then",
    )


class Reason(BaseModel):
    code: str = Field(examples=["guarantee_circle"])
    effect: Literal["decline-suggested", "refer", "info"]
    kind: str = Field(
        default="applicant",
        description="applicant / limits / guarantees / contagion / alerts / resolution / disputes",
    )
    message_zh: str
    message_en: str
    evidence: dict[str, Any] = Field(default_factory=dict, description="ids, paths, arithmetic")
    freshness: str = Field(
        default="live", description="how fresh: 'run <run id> (as of <date>)' or 'live' (read at check time)"
    )
    message: LocalText | None = Field(
        default=None, description="the reason as users read it: names beside ids, 万元/亿元, Markdown-safe"
    )


class LimitResult(BaseModel):
    name: str
    source: str
    numerator: float = Field(description="current exposure counted by the limit, CNY")
    requested: float
    denominator: float
    denominator_name: str
    ratio: float = Field(description="(numerator + requested) / denominator")
    limit: float
    breach: bool
    headroom: float = Field(description="limit × denominator − numerator − requested")
    members: list[str] = Field(
        default_factory=list, description="entities whose exposure is counted (the first 50)"
    )
    members_total: int | None = Field(default=None, description="how many entities the limit counts")


class RelatedPartyOut(BaseModel):
    entity_id: str
    name: str | None = None
    kinds: list[str]
    paths: list[list[dict[str, str]]] = Field(description="relation paths from the applicant (the first 3)")
    paths_total: int | None = Field(default=None, description="set when more paths were found than listed")


class GroupOut(BaseModel):
    group_id: str | None
    source: Literal["rule_run", "computed"]
    name: str | None = None
    controller_ids: list[str] = Field(default_factory=list)
    members: list[str]
    size: int
    run_id: str | None = None


class GuaranteeStructures(BaseModel):
    guarantees_given: list[dict[str, Any]] = Field(description="the first 20 guarantees given")
    guarantees_given_total: int | None = Field(default=None, description="how many the applicant gives")
    guarantees_received: list[dict[str, Any]] = Field(description="the first 20 guarantees received")
    guarantees_received_total: int | None = Field(default=None, description="how many it receives")
    mutual: list[dict[str, Any]]
    circle: dict[str, Any] | None = Field(
        description="the circle containing the applicant (members within the "
        "searched radius) with its shortest cycle through it"
    )
    chain: dict[str, Any] | None = Field(
        default=None, description="guarantee chain depth through the applicant"
    )
    fans: dict[str, Any] = Field(default_factory=dict, description="out- and in-degree of guarantees")
    leverage: dict[str, Any] | None = Field(default=None, description="total guaranteed ÷ net assets")
    searched_hops: int
    truncated: bool


class BlacklistProximity(BaseModel):
    source: Literal["snapshot", "on_the_fly", "self_listed", "none"]
    score: float
    hops: int | None
    run_id: str | None = None
    as_of: str | None = None
    threshold: float | None = Field(
        default=None, description="the contagion rule's alert threshold: refer from here"
    )
    nearest: list[dict[str, Any]] = Field(description="nearest listed entities with their listings")
    paths: list[dict[str, Any]] = Field(description="the strongest paths (at most 3)")
    paths_total: int | None = Field(default=None, description="how many paths the rule found")
    searched_hops: int
    truncated: bool


class PreLoanResponse(BaseModel):
    check_id: str = Field(description="hash of request and result: equal inputs on equal data give equal ids")
    application_ref: str
    checked_at: str = Field(description="the only time-dependent field")
    verdict: Literal["pass", "refer", "decline-suggested"]
    verdict_text: LocalText | None = Field(default=None, description="the verdict in words")
    summary: LocalText | None = Field(
        default=None, description="the verdict and its first reason in one sentence"
    )
    reasons: list[Reason] = Field(description="at most five decisive reasons, strongest first")
    details: dict[str, list[Reason]] = Field(default_factory=dict, description="the other reasons, by kind")
    freshness: dict[str, Any] | None = Field(
        default=None, description="where the findings come from: the profile of a run, or computed live"
    )
    resolution: Literal["resolved", "ambiguous", "not_found"]
    applicant: dict[str, Any] | None
    candidates: list[dict[str, Any]]
    related_parties: list[RelatedPartyOut] = Field(description="the first 20 related parties")
    related_parties_total: int | None = Field(default=None, description="how many related parties there are")
    group: GroupOut | None
    exposure: dict[str, Any] | None
    limits: list[LimitResult]
    guarantees: GuaranteeStructures | None
    blacklist: BlacklistProximity | None
    open_alerts: list[dict[str, Any]]
    ownership: dict[str, Any] | None = Field(
        default=None, description="owners, controller, beneficial owners"
    )
    shared_contacts: list[dict[str, Any]] = Field(
        default_factory=list, description="entities sharing a contact (the first 20)"
    )
    shared_contacts_total: int | None = Field(default=None, description="how many share a contact")
    more: dict[str, str] = Field(
        default_factory=dict,
        description="the endpoints that list in full what the answer lists in part (group, ownership, "
        "neighbourhood, circle)",
    )
    bounds: dict[str, Any] = Field(description="the search limits used (hops, caps) — what was not looked at")
    as_of: AsOf | None = Field(
        default=None, description="set for a check as of a past date: snapshot or computed"
    )
