"""The thin app: settings in, routers mounted, one startup path (the lifespan below).

``create_app(settings)`` is all a server or a test needs; `riskgraph serve` runs it under uvicorn.
The lifespan opens the one async Neo4j driver and the audit log, builds the repositories, and runs
the background work of the process: the abnormal-use monitor, the chaining of CLI audit records,
and (at shutdown) waiting for rule re-runs started by dispute corrections.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.audit.chains import open_writer
from api.errors import install_error_handlers
from api.middleware import GuardMiddleware
from api.repositories.graphview import set_public_id_secret
from api.repositories.registry import Repositories
from api.routers import (
    admin,
    alerts,
    audit,
    auth,
    blacklist,
    checks,
    circles,
    disputes,
    entities,
    groups,
    health,
    keys,
    monitoring,
    ownership,
    reports,
    review,
    rule_runs,
    simulations,
    statistics,
)
from api.routers.options import options_router
from api.security.auth import Authenticator
from api.security.keys import load_or_create_pepper
from api.security.ratelimit import TokenBucketLimiter
from api.services.cli_audit import spool_drainer
from api.services.scheduler import monitor_forever
from api.settings import ApiSettings
from graph_model.connection import open_async_driver

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


#: the investigation and operation routers (every /v1 route authorised by one permission)
ROUTERS = (
    health,
    checks,
    reports,
    entities,
    groups,
    ownership,
    circles,
    alerts,
    blacklist,
    simulations,
    rule_runs,
    review,
    audit,
    keys,
)
#: sign-in, two-level administration, disputes, statistics and audit flags
GOVERNANCE_ROUTERS = (auth, admin, disputes, statistics, monitoring)


def create_app(settings: ApiSettings | None = None) -> FastAPI:
    s = settings or ApiSettings()

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
        audit = open_writer(s.audit_log_path)  # this worker's own chain of the trail
        repositories = Repositories.build(driver, s.neo4j_database, s.api_query_timeout_s)
        app.state.settings = s
        app.state.driver = driver
        app.state.audit = audit
        app.state.repos = repositories
        pepper = load_or_create_pepper(s.api_key_pepper, s.api_dir)
        # phone/address node ids are keyed hashes: one secret per installation keeps them stable
        # across restarts and identical in every worker process
        set_public_id_secret(hmac.new(pepper.encode(), b"public-node-ids", hashlib.sha256).digest())
        app.state.authenticator = Authenticator(repositories.users, pepper, s.api_auth_cache_s)
        app.state.limiter = TokenBucketLimiter(s.api_rate_per_s, s.api_rate_burst)
        app.state.rerun_tasks = set()
        monitor = (
            asyncio.create_task(monitor_forever(app), name="riskgraph-audit-monitor")
            if s.gov_monitor_interval_min > 0
            else None
        )
        try:
            async with spool_drainer(audit):
                yield
        finally:
            # graceful: uvicorn has stopped accepting and drained requests before this runs
            if (
                app.state.rerun_tasks
            ):  # rule re-runs after dispute corrections finish before the drivers close
                await asyncio.wait(set(app.state.rerun_tasks), timeout=120)
            if monitor is not None:
                monitor.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await monitor
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
            {"name": "simulations", "description": "default cascade (DebtRank) from assumed defaults"},
            {"name": "rule runs", "description": "rule executions"},
            {"name": "entity-resolution review", "description": "grey-zone pairs, judgements, splits"},
            {"name": "audit", "description": "the audit log (auditors only)"},
            {"name": "keys", "description": "API keys (admins) and whoami"},
            {"name": "auth", "description": "password sign-in, sessions, password change"},
            {"name": "administration", "description": "users and keys, two-level (head office / branch)"},
            {
                "name": "disputes",
                "description": "异议: contest a fact, correct it keeping history, or uphold it",
            },
            {"name": "statistics", "description": "portfolio and alert statistics (JSON or CSV)"},
        ],
    )
    install_error_handlers(app)
    app.add_middleware(GuardMiddleware, max_body_bytes=s.api_max_body_bytes)
    modules = (*ROUTERS, *GOVERNANCE_ROUTERS)
    for module in modules:
        app.include_router(module.router)
    app.include_router(options_router(r for module in modules for r in module.router.routes))
    return app
