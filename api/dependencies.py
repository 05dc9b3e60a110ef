"""FastAPI dependencies: the one place credentials, permissions, rate limits and purpose are checked.

Every router declares ``Depends(require("<permission>"))``; the permission → roles table lives in
:mod:`api.security.roles`. The principal and purpose land in the request context the audit
middleware writes out, so nothing else in a router deals with security.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from neo4j import Driver

from api.context import RequestContext
from api.errors import ApiError
from api.repositories.registry import Repositories
from api.repositories.users import UserRepository
from api.security.auth import Principal
from api.security.roles import PERMISSIONS, ROLES
from api.services.accounts import Config, GovernanceError
from api.services.admin_policy import Actor, is_head_office
from api.services.purpose import enforce_purpose

_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="riskgraph API key")
_bearer = HTTPBearer(auto_error=False, description="the same API key as a Bearer token")


def request_context(request: Request) -> RequestContext:
    ctx = getattr(request.state, "rg_ctx", None)
    if ctx is None:  # only when the middleware is not installed (never in the app)
        ctx = RequestContext(request_id="-")
        request.state.rg_ctx = ctx
    return ctx


async def authenticated(
    request: Request,
    api_key: Annotated[str | None, Depends(_api_key_header)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    purpose: Annotated[
        str | None,
        Header(
            alias="X-Purpose-Ref",
            max_length=128,
            description="business reference for the lookup (loan application, case number); audited",
        ),
    ] = None,
) -> Principal:
    ctx = request_context(request)
    ctx.purpose_ref = purpose or ctx.purpose_ref
    key = api_key or (bearer.credentials if bearer else None)
    if not key:
        raise ApiError(
            401,
            "缺少凭证：请提供 X-API-Key 或 Authorization: Bearer。/ Missing credentials: "
            "send X-API-Key or Authorization: Bearer.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    principal = await request.app.state.authenticator.authenticate(key)
    if principal is None:
        raise ApiError(
            401,
            "凭证无效、已过期或已吊销。/ The API key is invalid, expired or revoked.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    ctx.principal = principal
    wait = request.app.state.limiter.take(principal.key_id)
    if wait > 0:
        raise ApiError(
            429,
            "请求过于频繁，请稍后重试。/ Rate limit exceeded, retry later.",
            headers={"Retry-After": str(max(1, math.ceil(wait)))},
        )
    return principal


def require(permission: str) -> Callable[..., Awaitable[Principal]]:
    """A dependency that lets the request through only when the key holds a role of ``permission``."""
    allowed = PERMISSIONS[permission]

    async def _check(request: Request, principal: Annotated[Principal, Depends(authenticated)]) -> Principal:
        if not allowed & principal.scopes:
            raise ApiError(
                403,
                f"角色无权执行此操作（需要：{', '.join(sorted(allowed))}）。/ Your roles do not "
                f"allow this (needs one of: {', '.join(sorted(allowed))}).",
                permission=permission,
            )
        # approvers' queries about a person or company carry a purpose reference
        await enforce_purpose(request, principal.scopes, permission, request_context(request))
        return principal

    setattr(_check, "permission", permission)  # read by the role-matrix test  # noqa: B010
    return _check


def repositories(request: Request) -> Repositories:
    return request.app.state.repos


def user_repository(request: Request) -> UserRepository:
    return repositories(request).users


def account_config(request: Request) -> Config:
    """The account policy (passwords, key and session lifetimes, head office) of this app instance."""
    state = request.app.state
    cfg = getattr(state, "account_config", None)
    if cfg is None:
        cfg = state.account_config = Config.from_settings(state.settings, state.authenticator.pepper)
    return cfg


Repos = Annotated[Repositories, Depends(repositories)]
Users = Annotated[UserRepository, Depends(user_repository)]
AccountConfig = Annotated[Config, Depends(account_config)]


def api_error(exc: GovernanceError) -> ApiError:
    return ApiError(exc.status, exc.message, code=exc.code, **exc.extra)


def forget_credentials(request: Request, lookups: list[str] | None = None) -> None:
    """Drop cached verifications so a lock, revocation or rotation takes effect at once."""
    auth = request.app.state.authenticator
    if lookups is None:
        auth.forget()
    for lookup in lookups or []:
        auth.forget(lookup)


async def acting_admin(principal: Principal, users: UserRepository) -> Actor:
    """The administrator behind a request, with the branch of its user record (head office if none)."""
    user = await users.get(principal.user_id)
    branch: Any = (user or {}).get("branch")
    return Actor(principal.user_id, branch, frozenset(principal.scopes) & frozenset(ROLES))


async def head_office_only(
    principal: Annotated[Principal, Depends(authenticated)], users: Users, cfg: AccountConfig
) -> None:
    """For the flat key endpoints (``/v1/keys``), which know no branches: head-office administrators
    only; branch administrators use ``/v1/admin/…``, where the two-level rules apply."""
    user = await users.get(principal.user_id)
    if user is not None and not is_head_office(user["branch"], cfg.head_office):
        raise ApiError(
            403,
            "分行管理员请使用 /v1/admin/ 下的接口（按分行授权）。/ Branch administrators manage keys through "
            "/v1/admin/… (branch-scoped).",
            code="not-your-branch",
        )


def sync_driver(request: Request) -> Driver:
    """A synchronous driver for the rule framework's functions (triage, reach diff), opened on first use."""
    state = request.app.state
    if getattr(state, "sync_driver", None) is None:
        from graph_model.connection import open_driver

        s = state.settings
        state.sync_driver = open_driver(
            s.bolt_uri, s.neo4j_user, s.resolved_password(), notifications_min_severity="OFF"
        )
    return state.sync_driver
