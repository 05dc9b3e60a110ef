"""FastAPI glue for the governance routers: the stores and configuration of one app instance."""

from __future__ import annotations

from fastapi import Request

from api.errors import ApiError
from api.governance.accounts import Config, GovernanceError
from api.governance.users import UserStore


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
