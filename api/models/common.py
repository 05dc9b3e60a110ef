"""Models shared by every resource: problem details, graph elements, pages."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

#: riskgraph entity ids: ``C:…``/``P:…`` (ingest's strong-key and provisional ids) or ``C-…``/``P-…``
#: (entity_resolution's stable ids)
ENTITY_ID_PATTERN = r"^[CP][:\-][^/\s]{1,100}$"


class Problem(BaseModel):
    """RFC 9457 problem details."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(examples=["https://riskgraph.invalid/problems/not-found"])
    title: str = Field(examples=["未找到 / Not found"])
    status: int = Field(examples=[404])
    detail: str = Field(examples=["实体不存在。/ No such entity: C:0001"])
    instance: str | None = None


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "content": {"application/problem+json": {}}, "description": desc}
    for code, desc in (
        (400, "bad request (e.g. an invalid cursor)"),
        (401, "missing, invalid, expired or revoked API key"),
        (403, "the key's roles do not allow this endpoint"),
        (404, "not found"),
        (409, "conflicts with the current state (e.g. a taken user id, a key that cannot be changed)"),
        (413, "request body too large"),
        (422, "request does not match the schema"),
        (429, "rate limit exceeded (see Retry-After)"),
        (503, "audit log or database unavailable"),
    )
}


class NodeStyling(BaseModel):
    """What a drawing needs to mark an entity, from its facts and the latest rule run's profile."""

    listed: bool = Field(default=False, description="on an active blacklist entry")
    loan_status: str | None = Field(default=None, description="defaulted / overdue: its worst open loan")
    contagion_score: float | None = Field(default=None, description="the contagion rule's measure")
    contagion_band: str | None = Field(
        default=None, description="high (≥ the rule's high_score) / elevated (≥ its threshold) / none"
    )
    circle_id: str | None = Field(default=None, description="the guarantee circle it belongs to")


class GraphNode(BaseModel):
    id: str = Field(description="public id: entity id (C:…/P:…) or Label:key (phones/addresses hashed)")
    label: str
    caption: str
    properties: dict[str, Any] = Field(default_factory=dict)
    hop: int | None = None
    expanded: bool | None = Field(default=None, description="false when left unexpanded as a supernode")
    styling: NodeStyling | None = Field(default=None, description="entities only")


class GraphEdge(BaseModel):
    id: str
    type: str
    source: str
    target: str
    properties: dict[str, Any] = Field(default_factory=dict)


class GraphPath(BaseModel):
    length: int
    nodes: list[GraphNode]
    edges: list[GraphEdge]


class PageInfo(BaseModel):
    next_cursor: str | None = Field(default=None, description="opaque; pass as ?cursor= for the next page")
    limit: int
    total: int | None = Field(default=None, description="items matching the filters, all pages together")
    offset: int | None = Field(default=None, description="position of this page's first item in the total")
    total_at_least: bool | None = Field(
        default=None,
        description="true: counting stopped at a limit, so at least ``total`` items match (search only)",
    )


class AsOf(BaseModel):
    """How an answer ``as_of`` a past date was made: from that date's snapshot (a rule run as of it)
    or computed now from the facts valid on that date."""

    date: str = Field(description="the date asked for", examples=["2025-06-30"])
    source: Literal["snapshot", "computed"]
    run_id: str | None = Field(default=None, description="the run that wrote the snapshot read")
    snapshot_as_of: str | None = Field(
        default=None, description="the snapshot's date (listings read the latest on or before the date)"
    )
    message_zh: str
    message_en: str
