"""API keys (admins) and who am I (everyone)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from api.dependencies import authenticated, repos, require
from api.errors import ApiError
from api.governance.deps import head_office_only  # governance (#8): two-level administration
from api.models.common import PROBLEM_RESPONSES, PageInfo
from api.models.investigations import KeyCreate, KeyCreated, KeyPage, Me
from api.pagination import decode_cursor, encode_cursor
from api.security.auth import Principal
from api.security.roles import PERMISSIONS

router = APIRouter(prefix="/v1", tags=["keys"], responses=PROBLEM_RESPONSES)


@router.get(
    "/me",
    response_model=Me,
    summary="The caller's identity, roles and permissions",
    dependencies=[Depends(require("whoami"))],
)
async def me(principal: Annotated[Principal, Depends(authenticated)]) -> Me:
    perms = sorted(p for p, roles in PERMISSIONS.items() if roles & principal.scopes)
    return Me(
        user_id=principal.user_id,
        key_id=principal.key_id,
        roles=principal.roles,
        pii=principal.pii,
        permissions=perms,
    )


@router.get(
    "/keys",
    response_model=KeyPage,
    summary="API keys (hashes never shown)",
    dependencies=[Depends(require("key:admin"))],
)
async def list_keys(
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
    r=Depends(repos),
) -> KeyPage:
    after = decode_cursor(cursor, {})
    rows = await r.keys.list(after, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return KeyPage(
        keys=rows,
        page=PageInfo(next_cursor=encode_cursor(rows[-1]["key_id"], {}) if more else None, limit=limit),
    )


@router.post(
    "/keys",
    response_model=KeyCreated,
    status_code=201,
    summary="Issue an API key (shown once)",
    dependencies=[Depends(require("key:admin")), Depends(head_office_only)],
)
async def create_key(body: KeyCreate, request: Request, r=Depends(repos)) -> KeyCreated:
    info, key = await r.keys.create(
        request.app.state.authenticator.pepper,
        user_id=body.user_id,
        name=body.name or body.user_id,
        scopes=list(body.scopes),
        label=body.label,
        ttl_days=body.ttl_days,
    )
    return KeyCreated(**info, key=key)


@router.post(
    "/keys/{key_id}/revoke",
    response_model=dict,
    summary="Revoke an API key at once",
    dependencies=[Depends(require("key:admin")), Depends(head_office_only)],
)
async def revoke_key(key_id: str, request: Request, r=Depends(repos)) -> dict:
    row = await r.keys.revoke(key_id)
    if row is None:
        raise ApiError(404, f"密钥不存在：{key_id} / No such key: {key_id}")
    request.app.state.authenticator.forget(row["lookup"])
    return {"key_id": row["key_id"], "revoked": True}
