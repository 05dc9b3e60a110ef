"""User administration with two levels: head office manages branch administrators, a branch
administrator manages the staff of their own branch (rules: :mod:`api.services.admin_policy`)."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import timedelta
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, Query, Request

from api.dependencies import (
    AccountConfig,
    Users,
    acting_admin,
    api_error,
    forget_credentials,
    request_context,
    require,
)
from api.errors import ApiError
from api.models.accounts import (
    CreatedUser,
    IssuedKey,
    KeyRecord,
    KeyRevoked,
    LockRequest,
    LockState,
    NewKey,
    NewUser,
    Rotate,
    TemporaryPassword,
    UserDetail,
    UserList,
    UserView,
)
from api.models.common import PROBLEM_RESPONSES
from api.security.auth import Principal
from api.services import accounts
from api.services.accounts import GovernanceError
from api.services.admin_policy import admin_level

router = APIRouter(prefix="/v1/admin", tags=["administration"], responses=PROBLEM_RESPONSES)
Admin = Annotated[Principal, Depends(require("user:admin"))]
T = TypeVar("T")


async def _run(coro: Awaitable[T]) -> T:
    try:
        return await coro
    except GovernanceError as exc:
        raise api_error(exc) from None


@router.get(
    "/users",
    response_model=UserList,
    summary="Users this administrator may see (a branch administrator: own branch)",
)
async def list_users(
    principal: Admin,
    users: Users,
    cfg: AccountConfig,
    branch: Annotated[str | None, Query(max_length=64)] = None,
) -> UserList:
    actor = await acting_admin(principal, users)
    if admin_level(actor, cfg.head_office) == "branch":
        if branch not in (None, actor.branch):
            raise ApiError(
                403,
                "分行管理员只能查看本分行。/ Branch administrators see their own branch only.",
                code="not-your-branch",
            )
        branch = actor.branch
    rows = await users.list_users(branch)
    return UserList(users=[UserView(**accounts.admin_view(u, cfg)) for u in rows])


@router.post(
    "/users",
    response_model=CreatedUser,
    status_code=201,
    summary="Create a user (a temporary password is returned once)",
    responses={409: {"description": "the user id is taken"}},
)
async def create_user(
    body: NewUser, request: Request, principal: Admin, users: Users, cfg: AccountConfig
) -> CreatedUser:
    actor = await acting_admin(principal, users)
    out = await _run(
        accounts.create_user(
            users,
            cfg,
            actor,
            user_id=body.user_id,
            name=body.name,
            branch=body.branch,
            roles=[r.value for r in body.roles],
            pii=body.pii,
            interactive=body.interactive,
        )
    )
    request_context(request).note = f"user created {body.user_id} roles={','.join(out['roles'])}"
    return CreatedUser(**out)


@router.get("/users/{user_id}", response_model=UserDetail, summary="One user")
async def get_user(user_id: str, principal: Admin, users: Users, cfg: AccountConfig) -> UserDetail:
    user = await users.get(user_id)
    if user is None:
        raise ApiError(404, f"用户不存在：{user_id} / No such user: {user_id}")
    actor = await acting_admin(principal, users)
    # viewing: the head office sees every account (as in the list); a branch admin its own branch
    if actor.user_id != user_id and admin_level(actor, cfg.head_office) == "branch":
        try:
            accounts.authorize(actor, user, cfg)
        except GovernanceError as exc:
            raise api_error(exc) from None
    keys = [KeyRecord(**k) for k in await users.keys_of(user_id)]
    return UserDetail(**accounts.admin_view(user, cfg), keys=keys)


@router.post(
    "/users/{user_id}/lock",
    response_model=LockState,
    summary="Lock an account (its keys and sessions stop at once)",
)
async def lock(
    user_id: str, body: LockRequest, request: Request, principal: Admin, users: Users, cfg: AccountConfig
) -> LockState:
    actor = await acting_admin(principal, users)
    await _run(accounts.lock_user(users, cfg, actor, user_id, body.reason))
    forget_credentials(request)
    request_context(request).note = f"user locked {user_id}"
    return LockState(user_id=user_id, locked=True)


@router.post(
    "/users/{user_id}/unlock",
    response_model=LockState,
    summary="Unlock an account (resets the failed sign-in count)",
)
async def unlock(
    user_id: str, request: Request, principal: Admin, users: Users, cfg: AccountConfig
) -> LockState:
    actor = await acting_admin(principal, users)
    await _run(accounts.unlock_user(users, cfg, actor, user_id))
    request_context(request).note = f"user unlocked {user_id}"
    return LockState(user_id=user_id, locked=False)


@router.post(
    "/users/{user_id}/reset-password",
    response_model=TemporaryPassword,
    summary="New temporary password (change at next sign-in)",
)
async def reset_password(
    user_id: str, request: Request, principal: Admin, users: Users, cfg: AccountConfig
) -> TemporaryPassword:
    actor = await acting_admin(principal, users)
    out = await _run(accounts.reset_password(users, cfg, actor, user_id))
    forget_credentials(request)
    request_context(request).note = f"password reset {user_id}"
    return TemporaryPassword(**out)


@router.post(
    "/users/{user_id}/keys",
    response_model=IssuedKey,
    status_code=201,
    summary="Issue an API key (shown once)",
)
async def issue_key(
    user_id: str, body: NewKey, request: Request, principal: Admin, users: Users, cfg: AccountConfig
) -> IssuedKey:
    actor = await acting_admin(principal, users)
    record, key = await _run(
        accounts.issue_key(
            users, cfg, actor, user_id, scopes=body.scopes, label=body.label, ttl_days=body.ttl_days
        )
    )
    request_context(request).note = f"key issued {record['key_id']} for {user_id}"
    return IssuedKey(**record, key=key)


@router.post(
    "/keys/{key_id}/rotate",
    response_model=IssuedKey,
    summary="Rotate a key: a new key; the old one expires after the grace",
    responses={409: {"description": "only an active API key (not a session) can be rotated"}},
)
async def rotate_key(
    key_id: str, body: Rotate, request: Request, principal: Admin, users: Users, cfg: AccountConfig
) -> IssuedKey:
    actor = await acting_admin(principal, users)
    grace = timedelta(hours=body.grace_hours) if body.grace_hours is not None else None
    record, key, lookups = await _run(accounts.rotate_key(users, cfg, actor, key_id, grace=grace))
    forget_credentials(request, lookups)
    request_context(request).note = f"key rotated {key_id} -> {record['key_id']}"
    return IssuedKey(**record, key=key, replaces=key_id)


@router.post(
    "/keys/{key_id}/revoke",
    response_model=KeyRevoked,
    summary="Revoke a key at once (not the one this request uses)",
    responses={409: {"description": "the key is the one this request is made with"}},
)
async def revoke_key(
    key_id: str, request: Request, principal: Admin, users: Users, cfg: AccountConfig
) -> KeyRevoked:
    actor = await acting_admin(principal, users)
    lookups = await _run(accounts.revoke_key(users, cfg, actor, key_id, current_key_id=principal.key_id))
    forget_credentials(request, lookups)
    request_context(request).note = f"key revoked {key_id}"
    return KeyRevoked(key_id=key_id, revoked=True)
