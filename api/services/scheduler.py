"""The API process checks its own audit log every ``gov_monitor_interval_min`` minutes."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from fastapi import FastAPI

from api.services.audit_check import CheckSummary, run_check
from api.services.monitoring import MonitorParams

log = logging.getLogger("riskgraph.api")


async def check_once(app: FastAPI) -> CheckSummary:
    s = app.state.settings
    summary = await run_check(
        app.state.repos.flags,
        s.audit_log_path,
        MonitorParams.from_settings(s),
        window=timedelta(hours=s.gov_monitor_window_h),
        auto_freeze=s.gov_auto_freeze,
        freeze_checks=tuple(s.gov_freeze_checks),
    )
    if summary.frozen:
        app.state.authenticator.forget()  # frozen accounts stop at once, not after the auth cache
    return summary


async def monitor_forever(app: FastAPI) -> None:
    interval = app.state.settings.gov_monitor_interval_min * 60
    while True:
        await asyncio.sleep(interval)
        try:
            summary = await check_once(app)
            log.info(
                "audit check: %d records, %d flags (%d new), frozen %s, chain ok=%s",
                summary.records,
                len(summary.flags),
                summary.new_flags,
                summary.frozen,
                summary.chain_ok,
            )
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 — a failed pass is logged; the next one tries again
            log.exception("audit check failed")
