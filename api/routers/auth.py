"""Password sign-in for people (the explorer): session tokens, forced and periodic password change.

Sessions are short-lived bearer tokens accepted wherever an API key is (same header, same checks).
The password policy and lockout are in :mod:`api.governance.passwords` / :mod:`api.governance.accounts`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from api.context import RequestContext
from api.dependencies import request_context, require
from api.errors import ApiError
from api.governance import accounts
from api.governance.accounts import GovernanceError
from api.governance.deps import api_error, forget_credentials, gov_config, user_store
from api.models.common import PROBLEM_RESPONSES
from api.security.auth import Principal
from api.security.keys import lookup_hash

router = APIRouter(prefix="/v1/auth", tags=["auth"], responses=PROBLEM_RESPONSES)


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class Session(BaseModel):
    access_token: str = Field(description="send as Authorization: Bearer <token>; shown once")
    token_type: str = "bearer"
    expires_at: str
    expires_in: int = Field(description="seconds")
    session_id: str
    user_id: str
    name: str | None = None
    branch: str | None = None
    roles: list[str]
    pii: bool
    password_expires_at: str | None = None


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=64)
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)


def _note_denied(ctx: RequestContext, action: str, user_id: str, exc: GovernanceError) -> None:
    # the audit record keeps who tried (the monitoring counts repeated denials per claimed user)
    ctx.note = f"{action} denied user={user_id} code={exc.code}"


@router.post(
    "/login",
    response_model=Session,
    summary="Sign in with user name and password → bearer session token",
    responses={403: {"description": "account locked, or the password must be changed first"}},
)
async def login(body: LoginRequest, request: Request) -> Session:
    ctx = request_context(request)
    ctx.mutating = True
    try:
        out = await accounts.sign_in(user_store(request), gov_config(request), body.username, body.password)
    except GovernanceError as exc:
        _note_denied(ctx, "login", body.username, exc)
        if exc.code == "account-locked":
            forget_credentials(request)  # the account's keys and sessions stop now, not after the cache
        raise api_error(exc) from None
    ctx.note = f"login ok user={body.username} session={out['session_id']}"
    ctx.principal = Principal(
        key_id=out["session_id"],
        user_id=out["user_id"],
        user_name=out["name"],
        scopes=frozenset(out["roles"]) | ({"pii"} if out["pii"] else set()),
    )
    return Session(**out)


@router.post(
    "/password",
    summary="Change the password (self-service; required at first sign-in and after max age)",
)
async def change_password(body: PasswordChange, request: Request) -> dict:
    ctx = request_context(request)
    try:
        out = await accounts.change_password(
            user_store(request), gov_config(request), body.username, body.current_password, body.new_password
        )
    except GovernanceError as exc:
        _note_denied(ctx, "password-change", body.username, exc)
        raise api_error(exc) from None
    ctx.note = f"password changed user={body.username}"
    forget_credentials(request)
    return out


@router.post("/logout", summary="End the current session (its token stops working at once)")
async def logout(request: Request, principal: Annotated[Principal, Depends(require("whoami"))]) -> dict:
    store = user_store(request)
    key = await store.get_key(principal.key_id)
    if key is None or key["kind"] != "session":
        raise ApiError(
            400, "当前凭证不是登录会话。/ The credential in use is not a session.", code="not-a-session"
        )
    lookup = await store.revoke_key(principal.key_id)
    forget_credentials(request, [lookup] if lookup else [])
    auth_header = request.headers.get("authorization", "")
    if auth_header.lower().startswith("bearer "):
        forget_credentials(request, [lookup_hash(gov_config(request).pepper, auth_header[7:].strip())])
    return {"session_id": principal.key_id, "revoked": True}
