"""Mount the governance routers and start the abnormal-use monitor with the app (one call in app.py)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

log = logging.getLogger("riskgraph.api.governance")


def install_governance(app: FastAPI) -> None:
    from api.routers import admin, auth, disputes, monitoring, statistics

    for module in (auth, admin, disputes, statistics, monitoring):
        app.include_router(module.router)
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: FastAPI) -> AsyncIterator[None]:
        async with inner(a):
            task = _start_monitor(a)
            try:
                yield
            finally:
                reruns = getattr(a.state, "gov_rerun_tasks", None)
                if reruns:  # rule re-runs after dispute corrections finish before the drivers close
                    await asyncio.wait(set(reruns), timeout=120)
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await task

    app.router.lifespan_context = lifespan


def _start_monitor(app: FastAPI) -> asyncio.Task | None:
    s = app.state.settings
    if s.gov_monitor_interval_min <= 0:
        return None
    from api.governance.scheduler import monitor_forever

    return asyncio.create_task(monitor_forever(app), name="riskgraph-audit-monitor")
