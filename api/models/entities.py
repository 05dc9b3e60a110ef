"""Entity search, detail, neighbourhood and paths."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from api.models.common import AsOf, GraphEdge, GraphNode, GraphPath, PageInfo


class EntityHit(BaseModel):
    entity_id: str = Field(examples=["C:000123"])
    kind: Literal["company", "person"]
    name: str | None = Field(default=None, examples=["杭州某某科技有限公司"])
    uscc: str | None = Field(default=None, examples=["91330106MA2XXXXXXX"])
    id_number: str | None = Field(default=None, description="resident ID, masked without the pii scope")
    id_masked: str | None = None
    region: str | None = None
    status: str | None = None
    birth_date: str | None = None
    is_branch: bool | None = None
    bank_branch: str | None = None
    score: float = Field(description="match score: 100 exact name, 1 exact key, else fulltext score")
    matched_on: str = Field(examples=["name"])


class SearchResults(BaseModel):
    query_kind: Literal["uscc", "id_number", "entity_id", "name"]
    normalized_query: str
    results: list[EntityHit]
    page: PageInfo


class ProvenanceRecord(BaseModel):
    record_key: str
    source: str | None = None
    kind: str | None = None
    source_record_id: str | None = None
    batch_id: str | None = None
    source_file: str | None = None
    source_row: int | None = None
    ingested_at: str | None = None
    payload: Any = Field(
        default=None, description="the source row as received (PII masked without pii scope)"
    )
    match_evidence: Any = Field(default=None, description="entity-resolution evidence for this record")


class EntityDetail(BaseModel):
    entity_id: str
    kind: Literal["company", "person"]
    properties: dict[str, Any]
    record_keys: list[str]
    provenance: list[ProvenanceRecord]
    provenance_total: int
    phones: list[str]
    addresses: list[dict[str, Any]]
    listings: list[dict[str, Any]]
    loans: list[dict[str, Any]]
    groups: list[dict[str, Any]]
    versions: list[dict[str, Any]]
    relationship_counts: list[dict[str, Any]]
    risk_score: dict[str, Any] | None
    open_alerts: int
    disputes: list[dict[str, Any]] = Field(
        default_factory=list,
        description="open disputes (异议) about facts of this entity (docs/governance.md)",
    )
    ownership_consistent: bool | None = Field(
        default=None,
        description="false when the entity's ownership results rest on holdings summing over 100% "
        "(null: no risk profile yet)",
    )
    data_quality: list[dict[str, Any]] = Field(
        default_factory=list,
        description="companies whose holders sum over 100%: company, total_pct, holdings [{holder, pct}]",
    )
    as_of: AsOf | None = Field(
        default=None,
        description="set when asked as of a past date: how risk_profile, alerts_as_of and risk_score were made "
        "(the entity's properties, provenance and live alert count stay today's)",
    )
    risk_profile: dict[str, Any] | None = Field(
        default=None, description="as of a past date: what the rules found about the entity then"
    )
    alerts_as_of: list[dict[str, Any]] | None = Field(
        default=None,
        description="as of a past date: the snapshot's alerts about the entity (none when computed)",
    )


class LeftOut(BaseModel):
    supernodes: list[dict[str, Any]] = Field(description="nodes not expanded: id, degree, reason")
    nodes_over_cap: int = Field(description="neighbours not added because max_nodes was reached")
    max_nodes: int
    supernode_degree: int


class Neighbourhood(BaseModel):
    root: str
    hops: int
    types: list[str]
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    truncated: bool
    left_out: LeftOut


class Paths(BaseModel):
    source: str
    target: str
    max_hops: int
    paths: list[GraphPath]
