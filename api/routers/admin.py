"""User administration with two levels: head office manages branch administrators, a branch
administrator manages the staff of their own branch (rules: :mod:`api.governance.admin_policy`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from api.dependencies import request_context, require
from api.errors import ApiError
from api.governance import accounts
from api.governance.accounts import GovernanceError
from api.governance.admin_policy import admin_level
from api.governance.deps import api_error, forget_credentials, gov_config, user_store
from api.models.common import PROBLEM_RESPONSES
from api.security.auth import Principal
from api.security.roles import Role

router = APIRouter(prefix="/v1/admin", tags=["administration"], responses=PROBLEM_RESPONSES)
Admin = Annotated[Principal, Depends(require("user:admin"))]


class NewUser(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user_id: str = Field(min_length=2, max_length=64, examples=["zhang.san"])
    name: str = Field(min_length=1, max_length=100, examples=["张三"])
    branch: str | None = Field(default=None, max_length=64, description="default: the head office")
    roles: list[Role] = Field(min_length=1)
    pii: bool = False
    interactive: bool = Field(default=True, description="false: a service account (API keys, no password)")


class LockRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(default="administrator", max_length=200)


class NewKey(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scopes: list[str] | None = Field(default=None, description="default: the user's roles (+ pii if allowed)")
    label: str = Field(default="api", max_length=64)
    ttl_days: int | None = Field(default=None, ge=1, le=3650)


class Rotate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    grace_hours: float | None = Field(default=None, ge=0, le=24 * 30)


async def _actor(request: Request, principal: Principal) -> accounts.Actor:
    store = user_store(request)
    user = await store.get(principal.user_id)
    row = user or {"user_id": principal.user_id, "branch": None}
    return accounts.Actor(row["user_id"], row["branch"], frozenset(principal.roles))


async def _run(coro):
    try:
        return await coro
    except GovernanceError as exc:
        raise api_error(exc) from None


@router.get("/users", summary="Users this administrator may see (a branch administrator: own branch)")
async def list_users(
    request: Request, principal: Admin, branch: Annotated[str | None, Query(max_length=64)] = None
) -> dict:
    cfg = gov_config(request)
    actor = await _actor(request, principal)
    if admin_level(actor, cfg.head_office) == "branch":
        if branch not in (None, actor.branch):
            raise ApiError(
                403,
                "分行管理员只能查看本分行。/ Branch administrators see their own branch only.",
                code="not-your-branch",
            )
        branch = actor.branch
    users = await user_store(request).list(branch)
    return {"users": [accounts.admin_view(u, cfg) for u in users]}


@router.post("/users", status_code=201, summary="Create a user (a temporary password is returned once)")
async def create_user(body: NewUser, request: Request, principal: Admin) -> dict:
    actor = await _actor(request, principal)
    out = await _run(
        accounts.create_user(
            user_store(request),
            gov_config(request),
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
    return out


@router.get("/users/{user_id}", summary="One user")
async def get_user(user_id: str, request: Request, principal: Admin) -> dict:
    cfg = gov_config(request)
    store = user_store(request)
    user = await store.get(user_id)
    if user is None:
        raise ApiError(404, f"用户不存在：{user_id} / No such user: {user_id}")
    actor = await _actor(request, principal)
    # viewing: the head office sees every account (as in the list); a branch admin its own branch
    if actor.user_id != user_id and admin_level(actor, cfg.head_office) == "branch":
        await _run(_authorize_only(actor, user, cfg))
    return {**accounts.admin_view(user, cfg), "keys": await store.keys_of(user_id)}


async def _authorize_only(actor, user, cfg) -> None:
    accounts._authorize(actor, user, cfg)


@router.post("/users/{user_id}/lock", summary="Lock an account (its keys and sessions stop at once)")
async def lock(user_id: str, body: LockRequest, request: Request, principal: Admin) -> dict:
    actor = await _actor(request, principal)
    await _run(accounts.lock_user(user_store(request), gov_config(request), actor, user_id, body.reason))
    forget_credentials(request)
    request_context(request).note = f"user locked {user_id}"
    return {"user_id": user_id, "locked": True}


@router.post("/users/{user_id}/unlock", summary="Unlock an account (resets the failed sign-in count)")
async def unlock(user_id: str, request: Request, principal: Admin) -> dict:
    actor = await _actor(request, principal)
    await _run(accounts.unlock_user(user_store(request), gov_config(request), actor, user_id))
    request_context(request).note = f"user unlocked {user_id}"
    return {"user_id": user_id, "locked": False}


@router.post("/users/{user_id}/reset-password", summary="New temporary password (change at next sign-in)")
async def reset_password(user_id: str, request: Request, principal: Admin) -> dict:
    actor = await _actor(request, principal)
    out = await _run(accounts.reset_password(user_store(request), gov_config(request), actor, user_id))
    forget_credentials(request)
    request_context(request).note = f"password reset {user_id}"
    return out


@router.post("/users/{user_id}/keys", status_code=201, summary="Issue an API key (shown once)")
async def issue_key(user_id: str, body: NewKey, request: Request, principal: Admin) -> dict:
    actor = await _actor(request, principal)
    record, key = await _run(
        accounts.issue_key(
            user_store(request),
            gov_config(request),
            actor,
            user_id,
            scopes=body.scopes,
            label=body.label,
            ttl_days=body.ttl_days,
        )
    )
    request_context(request).note = f"key issued {record['key_id']} for {user_id}"
    return {**record, "key": key}


@router.post("/keys/{key_id}/rotate", summary="Rotate a key: a new key; the old one expires after the grace")
async def rotate_key(key_id: str, body: Rotate, request: Request, principal: Admin) -> dict:
    from datetime import timedelta

    actor = await _actor(request, principal)
    grace = timedelta(hours=body.grace_hours) if body.grace_hours is not None else None
    record, key, lookups = await _run(
        accounts.rotate_key(user_store(request), gov_config(request), actor, key_id, grace=grace)
    )
    forget_credentials(request, lookups)
    request_context(request).note = f"key rotated {key_id} -> {record['key_id']}"
    return {**record, "key": key, "replaces": key_id}


@router.post("/keys/{key_id}/revoke", summary="Revoke a key at once")
async def revoke_key(key_id: str, request: Request, principal: Admin) -> dict:
    actor = await _actor(request, principal)
    lookups = await _run(accounts.revoke_key(user_store(request), gov_config(request), actor, key_id))
    forget_credentials(request, lookups)
    request_context(request).note = f"key revoked {key_id}"
    return {"key_id": key_id, "revoked": True}
