"""The group customer (集团客户) of an entity as the rule run found it: members, exposure, limits."""

from __future__ import annotations

from pydantic import BaseModel, Field


class GroupMember(BaseModel):
    entity_id: str
    name: str | None = None
    balance: float = Field(description="outstanding loan balance, CNY")
    share: float = Field(description="the member's share of the group's exposure (0…1)")


class GroupLimit(BaseModel):
    """A concentration limit as it stands now (nothing requested): exposure / capital against the cap."""

    name: str
    source: str = Field(description="the regulation the limit comes from")
    numerator: float
    denominator: float
    denominator_name: str
    ratio: float
    limit: float
    breach: bool
    headroom: float


class GroupView(BaseModel):
    entity_id: str = Field(description="the member asked about")
    group_id: str
    name: str | None = None
    source: str = Field(
        description="rule_run: as the group rule wrote it; profile: as the profile computed it"
    )
    controller_ids: list[str] = Field(default_factory=list)
    size: int
    members: list[GroupMember]
    exposure: float = Field(description="aggregated outstanding loans of the members, CNY")
    missing: list[str] = Field(default_factory=list, description="members without loan figures")
    limits: list[GroupLimit]
    run_id: str | None = Field(default=None, description="the profile run these findings come from")
    as_of: str | None = None
    group_run_id: str | None = Field(default=None, description="the group rule's run that named the group")
    named_as: str | None = Field(
        default=None, description="the group rule's group of the entity, when its members differ from these"
    )
