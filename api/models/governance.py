"""Response models of disputes, audit flags and statistics.

Their records carry the stored properties of a node (a dispute, a flag) or the columns of an
aggregate; the models name the fields every record has and let the rest through, so the OpenAPI says
what a client can rely on without freezing every column."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class DisputeView(BaseModel):
    model_config = ConfigDict(extra="allow")
    dispute_id: str
    status: str
    fact_kind: str | None = None
    entity_ids: list[str] = Field(default_factory=list)


class DisputeList(BaseModel):
    disputes: list[DisputeView]


class FlagView(BaseModel):
    model_config = ConfigDict(extra="allow")
    flag_id: str
    check: str | None = None
    user_id: str | None = None
    window: str | None = None
    severity: str | None = None
    status: str | None = None


class FlagList(BaseModel):
    flags: list[FlagView]


class FlagSummary(BaseModel):
    flag_id: str
    check: str
    user_id: str
    window: str
    severity: str


class CheckRun(BaseModel):
    """One abnormal-use pass: the chain verdict and the flags of the window."""

    since: str
    until: str
    records: int
    chain_ok: bool
    chain_problem: str | None = None
    flags: list[FlagSummary]
    new_flags: int
    frozen: list[str]


class StatisticTable(BaseModel):
    """A statistic as JSON (``?format=csv`` answers the same rows as a CSV download)."""

    model_config = ConfigDict(extra="allow")
    statistic: str
    generated_at: str
    rows: list[dict[str, Any]]
