"""Ownership and control chain with beneficial owners; the group an entity belongs to."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from api.dependencies import Repos, require
from api.errors import ApiError
from api.models.common import PROBLEM_RESPONSES
from api.models.investigations import EntityGroups, Group, Ownership
from api.routers.entities import EntityId, not_found
from api.services.ownership import ownership_view
from api.services.texts import names_in

router = APIRouter(prefix="/v1", tags=["ownership & groups"], responses=PROBLEM_RESPONSES)


@router.get(
    "/entities/{entity_id}/ownership",
    response_model=Ownership,
    summary="Ownership and control chain (股权穿透), beneficial owners (受益所有人)",
    dependencies=[Depends(require("entity:read"))],
)
async def ownership(
    r: Repos, entity_id: EntityId, request: Request, max_hops: Annotated[int, Query(ge=1, le=10)] = 6
) -> Ownership:
    s = request.app.state.settings
    view = await ownership_view(
        r.ownership, entity_id, max_hops, str(s.rules_config) if s.rules_config else None
    )
    if view is None:
        raise not_found(entity_id)
    view.names = await names_in(view.model_dump(), r.names)
    return view


@router.get(
    "/entities/{entity_id}/groups",
    response_model=EntityGroups,
    summary="The group customers (集团) an entity belongs to",
    dependencies=[Depends(require("entity:read"))],
)
async def entity_groups(r: Repos, entity_id: EntityId) -> EntityGroups:
    if not await r.entities.exists(entity_id):
        raise not_found(entity_id)
    groups = [await r.alerts.group(gid) for gid in await r.alerts.groups_of(entity_id)]
    return EntityGroups(
        entity_id=entity_id, groups=[Group(**g, names=await names_in(g, r.names)) for g in groups if g]
    )


@router.get(
    "/groups/{group_id}",
    response_model=Group,
    summary="A group customer with its members",
    dependencies=[Depends(require("entity:read"))],
)
async def group(r: Repos, group_id: str) -> Group:
    g = await r.alerts.group(group_id)
    if g is None:
        raise ApiError(404, f"集团不存在：{group_id} / No such group: {group_id}")
    return Group(**g, names=await names_in(g, r.names))
