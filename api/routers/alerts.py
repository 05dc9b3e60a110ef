"""Alert queues: filter, detail, triage (through the rule framework's triage function)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request

from api.dependencies import Repos, require, sync_driver
from api.errors import ApiError
from api.models.common import ENTITY_ID_PATTERN, PROBLEM_RESPONSES, PageInfo
from api.models.investigations import Alert, AlertPage, TriageRequest, TriageResult
from api.pagination import decode_cursor, encode_cursor
from api.security.auth import Principal

router = APIRouter(prefix="/v1/alerts", tags=["alerts"], responses=PROBLEM_RESPONSES)


@router.get(
    "",
    response_model=AlertPage,
    summary="Alerts, filtered, worst first (severity, then the newest), with the total",
    dependencies=[Depends(require("alert:read"))],
)
async def list_alerts(
    r: Repos,
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
) -> AlertPage:
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
    rows = rows[:limit]
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
    dependencies=[Depends(require("alert:read"))],
)
async def get_alert(r: Repos, alert_id: str) -> Alert:
    a = await r.alerts.get(alert_id)
    if a is None:
        raise ApiError(404, f"预警不存在：{alert_id} / No such alert: {alert_id}")
    return Alert(**a)


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
