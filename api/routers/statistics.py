"""Statistics: entities, exposures and alerts by branch / industry / region; alerts over time.
Every endpoint answers JSON, or CSV with ``?format=csv``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from api.dependencies import require
from api.governance.statistics import PERIODS, StatisticsRepository, to_csv
from api.models.common import PROBLEM_RESPONSES

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


def _repo(request: Request) -> StatisticsRepository:
    s = request.app.state.settings
    return StatisticsRepository(request.app.state.driver, s.neo4j_database, s.api_query_timeout_s)


def _answer(name: str, rows: list[dict[str, Any]], fmt: str, **meta: Any):
    if fmt == "csv":
        return Response(
            to_csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    return {
        "statistic": name,
        **meta,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "rows": rows,
    }


@router.get("/entities", summary="Companies and persons by branch / industry / region")
async def entities(request: Request, by: By = "branch", format: Format = "json"):
    return _answer(f"entities-by-{by}", await _repo(request).entities(by), format, by=by)


@router.get(
    "/exposures", summary="Outstanding loans (balance, overdue, defaulted) by branch / industry / region"
)
async def exposures(request: Request, by: By = "branch", format: Format = "json"):
    return _answer(f"exposures-by-{by}", await _repo(request).exposures(by), format, by=by, currency="CNY")


@router.get("/alerts", summary="Active alerts by branch / industry / region of the entities they concern")
async def alerts(request: Request, by: By = "branch", format: Format = "json"):
    return _answer(f"alerts-by-{by}", await _repo(request).alerts(by), format, by=by)


@router.get("/alerts/timeline", summary="Alerts raised, resolved, confirmed, dismissed per rule and period")
async def alert_timeline(
    request: Request,
    period: Annotated[Period, Query()] = "month",
    since: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")] = None,
    until: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")] = None,
    rule_id: Annotated[str | None, Query(max_length=80)] = None,
    format: Format = "json",
):
    rows = await _repo(request).alert_timeline(period, since, until, rule_id)
    return _answer(f"alerts-timeline-{period}", rows, format, period=period, since=since, until=until)


@router.get("/alerts/status", summary="Alerts per rule and triage status (active and resolved)")
async def alert_status(
    request: Request, rule_id: Annotated[str | None, Query(max_length=80)] = None, format: Format = "json"
):
    return _answer("alerts-by-rule-status", await _repo(request).alert_status(rule_id), format)
