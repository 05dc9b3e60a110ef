"""Alert queues: filter, detail, triage (through the rule framework's triage function)."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request

from api.dependencies import Repos, require, sync_driver
from api.errors import ApiError
from api.models.common import ENTITY_ID_PATTERN, PROBLEM_RESPONSES, AsOf, PageInfo
from api.models.investigations import Alert, AlertPage, TriageRequest, TriageResult
from api.pagination import decode_cursor, encode_cursor
from api.security.auth import Principal
from api.services.as_of import block, listing_snapshot, past_date
from api.services.texts import rendered_alerts

router = APIRouter(prefix="/v1/alerts", tags=["alerts"], responses=PROBLEM_RESPONSES)


def _run_of(snap: dict, rule_id: str | None) -> str | None:
    """The snapshot's run of ``rule_id`` (run ids start with the rule id), or None for all rules."""
    if rule_id is None:
        return None
    return next((x for x in snap.get("run_ids") or [] if x.startswith(rule_id + "@")), None)


@router.get(
    "",
    response_model=AlertPage,
    summary="Alerts, filtered, worst first (severity, then the newest), with the total",
)
async def list_alerts(
    r: Repos,
    principal: Annotated[Principal, Depends(require("alert:read"))],
    status: Literal["open", "confirmed", "dismissed"] | None = None,
    severity: Literal["low", "medium", "high", "critical"] | None = None,
    rule_id: Annotated[str | None, Query(max_length=100)] = None,
    entity_id: Annotated[str | None, Query(pattern=ENTITY_ID_PATTERN)] = None,
    branch: Annotated[
        str | None, Query(max_length=100, description="only alerts concerning a customer of this bank branch")
    ] = None,
    active: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
    as_of: Annotated[
        dt.date | None,
        Query(
            description="a past date: the alerts of the latest snapshot on or before it (no triage state; "
            "status and active filter live alerts only)"
        ),
    ] = None,
) -> AlertPage:
    day = past_date(as_of)
    if day is not None:
        if status is not None or active is not None:
            raise ApiError(
                400,
                "快照预警没有处理状态：as_of 不能与 status/active 同用 / snapshot alerts have no triage "
                "state: as_of cannot be combined with status or active",
                code="as-of-with-triage-filter",
            )
        snap = await listing_snapshot(r.snapshots, day, rule_id)
        sfilters = {
            "severity": severity,
            "rule_id": rule_id,
            "entity_id": entity_id,
            "as_of": day.isoformat(),
        }
        rows = await r.snapshots.alerts(
            dt.date.fromisoformat(snap["as_of"]),
            entity_id=entity_id,
            severity=severity,
            rule_id=rule_id,
            after=decode_cursor(cursor, sfilters),
            limit=limit + 1,
        )
        more = len(rows) > limit
        rows = await rendered_alerts(rows[:limit], r.names, pii=principal.pii, keep_evidence=False)
        return AlertPage(
            alerts=[Alert(**a) for a in rows],
            page=PageInfo(
                next_cursor=encode_cursor(rows[-1]["alert_id"], sfilters) if more else None, limit=limit
            ),
            as_of=AsOf(**block(day, "snapshot", _run_of(snap, rule_id), snap["as_of"])),
        )
    filters = {
        "status": status,
        "severity": severity,
        "rule_id": rule_id,
        "entity_id": entity_id,
        "active": active,
        "branch": branch,
    }
    offset = decode_cursor(cursor, filters) or 0
    if not isinstance(offset, int) or offset < 0:
        raise ApiError(400, "分页游标无效。/ Invalid pagination cursor.", code="invalid-cursor")
    rows, total = await r.alerts.list_alerts(**filters, offset=offset, limit=limit + 1)
    more = len(rows) > limit
    rows = await rendered_alerts(rows[:limit], r.names, pii=principal.pii, keep_evidence=False)
    return AlertPage(
        alerts=[Alert(**a) for a in rows],
        page=PageInfo(
            next_cursor=encode_cursor(offset + limit, filters) if more else None,
            limit=limit,
            total=total,
            offset=offset,
        ),
    )


@router.get(
    "/{alert_id}",
    response_model=Alert,
    summary="One alert with its evidence and runs",
)
async def get_alert(
    r: Repos, alert_id: str, principal: Annotated[Principal, Depends(require("alert:read"))]
) -> Alert:
    a = await r.alerts.get(alert_id)
    if a is None:
        raise ApiError(404, f"预警不存在：{alert_id} / No such alert: {alert_id}")
    (shown,) = await rendered_alerts([a], r.names, pii=principal.pii, keep_evidence=True)
    return Alert(**shown)


@router.post("/{alert_id}/triage", response_model=TriageResult, summary="Triage an alert with a comment")
async def triage(
    r: Repos,
    alert_id: str,
    body: TriageRequest,
    request: Request,
    principal: Annotated[Principal, Depends(require("alert:triage"))],
) -> TriageResult:
    try:
        from risk_rules.alerts import TriageError, triage_alert
    except ImportError:  # the rule framework is optional for the API
        res = await r.alerts.triage_fallback(alert_id, body.status, body.comment, principal.user_id)
    else:
        driver = sync_driver(request)
        s = request.app.state.settings
        try:
            res = await asyncio.to_thread(
                triage_alert,
                driver,
                alert_id,
                body.status,
                body.comment,
                principal.user_id,
                database=s.neo4j_database,
            )
        except TriageError as exc:
            if "no such alert" in str(exc):
                res = None
            else:
                raise ApiError(400, str(exc)) from exc
    if res is None:
        raise ApiError(404, f"预警不存在：{alert_id} / No such alert: {alert_id}")
    return TriageResult(**{k: (str(v) if k == "at" and v is not None else v) for k, v in res.items()})
