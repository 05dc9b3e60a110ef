"""Request and response of the default-cascade simulation (DebtRank over guarantees and stakes)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from api.models.common import ENTITY_ID_PATTERN


class DefaultSimulationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    entity_ids: list[str] = Field(
        min_length=1, description="entities assumed to default (each starts at distress 1.0)"
    )
    max_rounds: int | None = Field(
        default=None, ge=1, description="rounds of spreading (default and cap: the API's setting)"
    )

    def ids(self) -> list[str]:
        import re

        bad = [x for x in self.entity_ids if not re.fullmatch(ENTITY_ID_PATTERN, x)]
        if bad:
            raise ValueError(f"entity_ids: not an entity id: {bad[:3]}")
        return sorted(set(self.entity_ids))


class PathHop(BaseModel):
    nodes: list[str] = Field(description="defaulted entity first, the distressed entity last")
    names: list[str | None]
    rels: list[str] = Field(
        description="guarantee (pays for the next node's debt) / stake (holds its shares)"
    )
    impact: float = Field(description="product of W along the path")


class DistressedEntity(BaseModel):
    entity_id: str
    name: str | None
    kind: str
    h: float = Field(description="final distress 0–1 (DebtRank h; 1 = equity wiped out)")
    round: int = Field(description="round in which the entity was first distressed (0 = assumed default)")
    assumed_default: bool
    equity: float | None = Field(description="net assets (元) used as equity; null when unknown")
    open_balance: float = Field(description="open loan balances of this entity at the bank (元)")
    paths: list[PathHop]


class LoanAtRisk(BaseModel):
    loan_id: str
    entity_id: str
    name: str | None
    balance: float = Field(description="元")
    status: str | None
    h: float = Field(description="the borrower's distress")


class DefaultSimulation(BaseModel):
    defaulted: list[str]
    unknown: list[str] = Field(description="requested ids that are no entity of the graph")
    rounds: int
    truncated: bool = Field(description="true when a bound (rounds, entities, rows) cut the answer")
    debtrank: float = Field(description="DebtRank R: equity-weighted distress beyond the assumed defaults")
    distressed_count: int
    exposure_at_risk: float = Field(description="open balances of every distressed entity (元)")
    expected_exposure_at_risk: float = Field(description="Σ balance × h over distressed borrowers (元)")
    entities: list[DistressedEntity] = Field(description="by h, highest first (ties by id)")
    loans_at_risk: list[LoanAtRisk] = Field(description="by balance, largest first (ties by loan id)")
    missing_equity: list[str] = Field(
        description="exposed parties without net assets: not distressed (W = 0)"
    )
    summary_zh: str
    summary_en: str
    params: dict[str, int | float]
