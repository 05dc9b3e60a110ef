"""The group customer of an entity, read-only: what the rule run found, no pre-loan check run."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from api.dependencies import Repos, require
from api.errors import ApiError
from api.models.common import PROBLEM_RESPONSES
from api.models.groups import GroupView
from api.routers.entities import EntityId, not_found
from api.services.groups import group_view
from api.services.preloan import rules_config

router = APIRouter(prefix="/v1/entities", tags=["ownership & groups"], responses=PROBLEM_RESPONSES)


@router.get(
    "/{entity_id}/group",
    response_model=GroupView,
    summary="The entity's group customer (集团客户): members, aggregated exposure, concentration limits",
    dependencies=[Depends(require("entity:read"))],
)
async def entity_group(r: Repos, entity_id: EntityId, request: Request) -> GroupView:
    stored = await r.groups.profile(entity_id)
    if stored is None:
        raise not_found(entity_id)
    s = request.app.state.settings
    view = group_view(stored, rules_config(str(s.rules_config) if s.rules_config else None))
    if view is None:
        raise ApiError(
            404,
            f"{entity_id} 不属于任何集团（按最近一次规则运行）/ {entity_id} is in no group customer "
            "(as of the latest rule run).",
        )
    return GroupView(**view)
