"""Password sign-in for people (the explorer): session tokens, forced and periodic password change.

Sessions are short-lived bearer tokens accepted wherever an API key is (same header, same checks).
The password policy and lockout are in :mod:`api.services.passwords` / :mod:`api.services.accounts`;
an unknown user and a wrong password get the same 401 answer.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from api.context import RequestContext
from api.dependencies import AccountConfig, Users, api_error, forget_credentials, request_context, require
from api.errors import ApiError
from api.models.accounts import LoginRequest, PasswordChange, PasswordChanged, Session, SessionEnded
from api.models.common import PROBLEM_RESPONSES
from api.security.auth import Principal
from api.security.keys import lookup_hash
from api.services import accounts
from api.services.accounts import GovernanceError

router = APIRouter(prefix="/v1/auth", tags=["auth"], responses=PROBLEM_RESPONSES)


def _note_denied(ctx: RequestContext, action: str, user_id: str, exc: GovernanceError) -> None:
    # the audit record keeps who tried (the monitoring counts repeated denials per claimed user)
    ctx.note = f"{action} denied user={user_id} code={exc.code}"


@router.post(
    "/login",
    response_model=Session,
    summary="Sign in with user name and password → bearer session token",
    responses={403: {"description": "account locked, or the password must be changed first"}},
)
async def login(body: LoginRequest, request: Request, users: Users, cfg: AccountConfig) -> Session:
    ctx = request_context(request)
    ctx.mutating = True
    try:
        out = await accounts.sign_in(users, cfg, body.username, body.password)
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
    response_model=PasswordChanged,
    summary="Change the password (self-service; required at first sign-in and after max age)",
)
async def change_password(
    body: PasswordChange, request: Request, users: Users, cfg: AccountConfig
) -> PasswordChanged:
    ctx = request_context(request)
    try:
        out = await accounts.change_password(
            users, cfg, body.username, body.current_password, body.new_password
        )
    except GovernanceError as exc:
        _note_denied(ctx, "password-change", body.username, exc)
        raise api_error(exc) from None
    ctx.note = f"password changed user={body.username}"
    forget_credentials(request)
    return PasswordChanged(**out)


@router.post(
    "/logout",
    response_model=SessionEnded,
    summary="End the current session (its token stops working at once)",
)
async def logout(
    request: Request,
    principal: Annotated[Principal, Depends(require("whoami"))],
    users: Users,
    cfg: AccountConfig,
) -> SessionEnded:
    store = users
    key = await store.get_key(principal.key_id)
    if key is None or key["kind"] != "session":
        raise ApiError(
            400, "当前凭证不是登录会话。/ The credential in use is not a session.", code="not-a-session"
        )
    lookup = await store.revoke_key(principal.key_id)
    forget_credentials(request, [lookup] if lookup else [])
    auth_header = request.headers.get("authorization", "")
    if auth_header.lower().startswith("bearer "):
        forget_credentials(request, [lookup_hash(cfg.pepper, auth_header[7:].strip())])
    return SessionEnded(session_id=principal.key_id, revoked=True)
