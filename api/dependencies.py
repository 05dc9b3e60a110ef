"""FastAPI dependencies: the one place credentials, permissions, rate limits and purpose are checked.

Every router declares ``Depends(require("<permission>"))``; the permission → roles table lives in
:mod:`api.security.roles`. The principal and purpose land in the request context the audit
middleware writes out, so nothing else in a router deals with security.
"""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from api.context import RequestContext
from api.errors import ApiError
from api.governance.purpose import enforce_purpose
from api.security.auth import Principal
from api.security.roles import PERMISSIONS

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


def require(permission: str):
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
        # governance (#8): approvers' queries about a person or company carry a purpose reference
        await enforce_purpose(request, principal.scopes, permission, request_context(request))
        return principal

    _check.permission = permission  # type: ignore[attr-defined] — read by the role-matrix test
    return _check


def repos(request: Request):
    return request.app.state.repos


def sync_driver(request: Request):
    """A synchronous driver for the rule framework's functions (triage, reach diff), opened on first use."""
    state = request.app.state
    if getattr(state, "sync_driver", None) is None:
        from graph_model.connection import open_driver

        s = state.settings
        state.sync_driver = open_driver(
            s.bolt_uri, s.neo4j_user, s.resolved_password(), notifications_min_severity="OFF"
        )
    return state.sync_driver
