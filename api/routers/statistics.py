"""Statistics: entities, exposures and alerts by branch / industry / region; alerts over time.
Every endpoint answers JSON, or CSV with ``?format=csv``."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from api.dependencies import Repos, require
from api.models.common import PROBLEM_RESPONSES
from api.models.governance import StatisticTable
from api.repositories.statistics import PERIODS, to_csv

router = APIRouter(
    prefix="/v1/statistics",
    tags=["statistics"],
    responses={
        **PROBLEM_RESPONSES,
        200: {
            "description": "rows as JSON, or with ?format=csv a CSV download",
            "content": {"application/json": {}, "text/csv": {"schema": {"type": "string"}}},
        },
    },
    dependencies=[Depends(require("statistics:read"))],
)
By = Annotated[Literal["branch", "industry", "region"], Query(description="bank branch, industry or region")]
Format = Annotated[Literal["json", "csv"], Query(description="csv: a spreadsheet-ready export")]
Period = Literal[PERIODS]  # type: ignore[valid-type]


def _answer(name: str, rows: list[dict[str, Any]], fmt: str, **meta: Any) -> StatisticTable | Response:
    if fmt == "csv":
        return Response(
            to_csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    return StatisticTable(
        statistic=name, generated_at=datetime.now(UTC).isoformat(timespec="seconds"), rows=rows, **meta
    )


@router.get(
    "/entities",
    response_model=StatisticTable,
    summary="Companies and persons by branch / industry / region",
)
async def entities(r: Repos, by: By = "branch", format: Format = "json") -> StatisticTable | Response:
    return _answer(f"entities-by-{by}", await r.statistics.entities(by), format, by=by)


@router.get(
    "/exposures",
    response_model=StatisticTable,
    summary="Outstanding loans (balance, overdue, defaulted) by branch / industry / region",
)
async def exposures(r: Repos, by: By = "branch", format: Format = "json") -> StatisticTable | Response:
    rows = await r.statistics.exposures(by)
    return _answer(f"exposures-by-{by}", rows, format, by=by, currency="CNY")


@router.get(
    "/alerts",
    response_model=StatisticTable,
    summary="Active alerts by branch / industry / region of the entities they concern",
)
async def alerts(r: Repos, by: By = "branch", format: Format = "json") -> StatisticTable | Response:
    return _answer(f"alerts-by-{by}", await r.statistics.alerts(by), format, by=by)


@router.get(
    "/alerts/timeline",
    response_model=StatisticTable,
    summary="Alerts raised, resolved, confirmed, dismissed per rule and period",
)
async def alert_timeline(
    r: Repos,
    period: Annotated[Period, Query()] = "month",
    since: Annotated[date | None, Query(description="first day (YYYY-MM-DD), a real calendar date")] = None,
    until: Annotated[date | None, Query(description="last day (YYYY-MM-DD), a real calendar date")] = None,
    rule_id: Annotated[str | None, Query(max_length=80)] = None,
    format: Format = "json",
) -> StatisticTable | Response:
    first = since.isoformat() if since else None
    last = until.isoformat() if until else None
    rows = await r.statistics.alert_timeline(period, first, last, rule_id)
    return _answer(f"alerts-timeline-{period}", rows, format, period=period, since=first, until=last)


@router.get(
    "/alerts/status",
    response_model=StatisticTable,
    summary="Alerts per rule and triage status (active and resolved)",
)
async def alert_status(
    r: Repos, rule_id: Annotated[str | None, Query(max_length=80)] = None, format: Format = "json"
) -> StatisticTable | Response:
    return _answer("alerts-by-rule-status", await r.statistics.alert_status(rule_id), format)
