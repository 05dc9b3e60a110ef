"""The thin app: settings in, routers mounted, one async Neo4j driver per process (lifespan).

``create_app(settings)`` is all a server or a test needs; `riskgraph serve` runs it under uvicorn.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.audit.log import AuditLog
from api.errors import install_error_handlers
from api.governance.install import install_governance
from api.middleware import GuardMiddleware
from api.repositories.registry import Repositories
from api.routers import (
    alerts,
    audit,
    blacklist,
    checks,
    circles,
    entities,
    health,
    keys,
    ownership,
    review,
    rule_runs,
)
from api.security.auth import Authenticator
from api.security.keys import load_or_create_pepper
from api.security.ratelimit import TokenBucketLimiter
from graph_model.connection import open_async_driver
from riskgraph.settings import Settings, get_settings

log = logging.getLogger("riskgraph.api")

API_VERSION = "1.0.0"
DESCRIPTION = """
riskgraph 征信关系与风险关联图谱 API.

Every endpoint except `/livez` and `/readyz` needs an API key (`X-API-Key: rg_…` or
`Authorization: Bearer rg_…`). Roles are scopes on the key; resident IDs and phone numbers are masked
unless the key holds the `pii` scope. Every request is written to a hash-chained audit log before
its answer leaves; send `X-Purpose-Ref` (loan application / case number) with investigative calls.
Errors are `application/problem+json` (RFC 9457).
"""


ROUTERS = (health, checks, entities, ownership, circles, alerts, blacklist, rule_runs, review, audit, keys)


def create_app(settings: Settings | None = None) -> FastAPI:
    s = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        driver = open_async_driver(
            s.bolt_uri,
            s.neo4j_user,
            s.resolved_password(),
            max_connection_pool_size=50,
            connection_acquisition_timeout=10,
            notifications_min_severity="OFF",
        )
        audit = AuditLog(s.audit_log_path)
        audit.open()
        repositories = Repositories.build(driver, s.neo4j_database, s.api_query_timeout_s)
        app.state.settings = s
        app.state.driver = driver
        app.state.audit = audit
        app.state.repos = repositories
        app.state.authenticator = Authenticator(
            repositories.keys, load_or_create_pepper(s.api_key_pepper, s.api_dir), s.api_auth_cache_s
        )
        app.state.limiter = TokenBucketLimiter(s.api_rate_per_s, s.api_rate_burst)
        try:
            yield
        finally:
            # graceful: uvicorn has stopped accepting and drained requests before this runs
            app.state.audit = None
            audit.close()
            await driver.close()
            if getattr(app.state, "sync_driver", None) is not None:
                app.state.sync_driver.close()
                app.state.sync_driver = None

    app = FastAPI(
        title="riskgraph API",
        version=API_VERSION,
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_tags=[
            {"name": "health", "description": "liveness and readiness (no credentials)"},
            {"name": "checks", "description": "automated pre-loan check"},
            {"name": "entities", "description": "search, detail, neighbourhood, paths"},
            {
                "name": "ownership & groups",
                "description": "ownership/control chains, beneficial owners, groups",
            },
            {"name": "guarantee circles", "description": "担保圈 found by the circle rule"},
            {"name": "alerts", "description": "alert queues and triage"},
            {"name": "blacklist", "description": "blacklist spread over time"},
            {"name": "rule runs", "description": "rule executions"},
            {"name": "entity-resolution review", "description": "grey-zone pairs, judgements, splits"},
            {"name": "audit", "description": "the audit log (auditors only)"},
            {"name": "keys", "description": "API keys (admins) and whoami"},
        ],
    )
    install_error_handlers(app)
    app.add_middleware(GuardMiddleware, max_body_bytes=s.api_max_body_bytes)
    install_governance(app)  # issue #8: sign-in, administration, disputes, statistics, monitoring
    for module in ROUTERS:
        app.include_router(module.router)
    return app
