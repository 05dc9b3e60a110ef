"""API keys (admins) and who am I (everyone).

Keys are issued only through :func:`api.services.accounts.issue_key`: the user must exist, the scopes
must lie within the user's roles and the lifetime within ``api_key_ttl_days``. A branch administrator
lists only the keys of its own branch; issuing and revoking here is for the head office (branch
administrators use ``/v1/admin/…``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from api.dependencies import (
    AccountConfig,
    Users,
    acting_admin,
    api_error,
    authenticated,
    forget_credentials,
    head_office_only,
    request_context,
    require,
)
from api.models.accounts import IssuedKey, KeyCreate, KeyPage, KeyRecord, KeyRevoked, Me
from api.models.common import PROBLEM_RESPONSES, PageInfo
from api.pagination import decode_cursor, encode_cursor
from api.security.auth import Principal
from api.security.roles import PERMISSIONS
from api.services import accounts
from api.services.accounts import GovernanceError

router = APIRouter(prefix="/v1", tags=["keys"], responses=PROBLEM_RESPONSES)
KeyAdmin = Annotated[Principal, Depends(require("key:admin"))]


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
    summary="API keys (hashes never shown); a branch administrator sees its own branch's only",
)
async def list_keys(
    principal: KeyAdmin,
    users: Users,
    cfg: AccountConfig,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
) -> KeyPage:
    after = decode_cursor(cursor, {})
    actor = await acting_admin(principal, users)
    rows = await accounts.list_keys(users, cfg, actor, after=after, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return KeyPage(
        keys=[KeyRecord(**r) for r in rows],
        page=PageInfo(next_cursor=encode_cursor(rows[-1]["key_id"], {}) if more else None, limit=limit),
    )


@router.post(
    "/keys",
    response_model=IssuedKey,
    status_code=201,
    summary="Issue an API key to an existing user, within its roles (shown once)",
    dependencies=[Depends(head_office_only)],
)
async def create_key(
    body: KeyCreate, request: Request, principal: KeyAdmin, users: Users, cfg: AccountConfig
) -> IssuedKey:
    actor = await acting_admin(principal, users)
    try:
        record, key = await accounts.issue_key(
            users,
            cfg,
            actor,
            body.user_id,
            scopes=list(body.scopes),
            label=body.label,
            ttl_days=body.ttl_days,
        )
    except GovernanceError as exc:
        raise api_error(exc) from None
    request_context(request).note = f"key issued {record['key_id']} for {body.user_id}"
    return IssuedKey(**record, key=key)


@router.post(
    "/keys/{key_id}/revoke",
    response_model=KeyRevoked,
    summary="Revoke an API key at once (not the one this request uses)",
    responses={409: {"description": "the key is the one this request is made with"}},
    dependencies=[Depends(head_office_only)],
)
async def revoke_key(
    key_id: str, request: Request, principal: KeyAdmin, users: Users, cfg: AccountConfig
) -> KeyRevoked:
    actor = await acting_admin(principal, users)
    try:
        lookups = await accounts.revoke_key(users, cfg, actor, key_id, current_key_id=principal.key_id)
    except GovernanceError as exc:
        raise api_error(exc) from None
    forget_credentials(request, lookups)
    request_context(request).note = f"key revoked {key_id}"
    return KeyRevoked(key_id=key_id, revoked=True)
