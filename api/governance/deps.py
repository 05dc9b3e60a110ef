"""FastAPI glue for the governance routers: the stores and configuration of one app instance."""

from __future__ import annotations

from fastapi import Depends, Request

from api.dependencies import authenticated
from api.errors import ApiError
from api.governance.accounts import Config, GovernanceError
from api.governance.users import UserStore
from api.security.auth import Principal


def user_store(request: Request) -> UserStore:
    state = request.app.state
    store = getattr(state, "gov_users", None)
    if store is None:
        s = state.settings
        store = state.gov_users = UserStore(state.driver, s.neo4j_database, s.api_query_timeout_s)
    return store


def gov_config(request: Request) -> Config:
    state = request.app.state
    cfg = getattr(state, "gov_config", None)
    if cfg is None:
        cfg = state.gov_config = Config.from_settings(state.settings, state.authenticator.pepper)
    return cfg


def api_error(exc: GovernanceError) -> ApiError:
    return ApiError(exc.status, exc.message, code=exc.code, **exc.extra)


def forget_credentials(request: Request, lookups: list[str] | None = None) -> None:
    """Drop cached verifications so a lock, revocation or rotation takes effect at once."""
    auth = request.app.state.authenticator
    if lookups is None:
        auth.forget()
    for lookup in lookups or []:
        auth.forget(lookup)


async def head_office_only(request: Request, principal: Principal = Depends(authenticated)) -> None:
    """For the flat key endpoints (``/v1/keys``), which know no branches: head-office administrators
    only; branch administrators use ``/v1/admin/…``, where the two-level rules apply."""
    from api.governance.admin_policy import is_head_office

    user = await user_store(request).get(principal.user_id)
    if user is not None and not is_head_office(user["branch"], gov_config(request).head_office):
        raise ApiError(
            403,
            "分行管理员请使用 /v1/admin/ 下的接口（按分行授权）。/ Branch administrators manage keys through "
            "/v1/admin/… (branch-scoped).",
            code="not-your-branch",
        )
