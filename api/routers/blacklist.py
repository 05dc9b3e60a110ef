"""Blacklist spread for supervisors: what newly came within reach of listed entities since a date."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from api.dependencies import Repos, require, sync_driver
from api.errors import ApiError
from api.models.common import PROBLEM_RESPONSES
from api.models.investigations import Spread
from api.repositories.base import jsonable

router = APIRouter(prefix="/v1/blacklist", tags=["blacklist"], responses=PROBLEM_RESPONSES)


@router.get(
    "/spread",
    response_model=Spread,
    summary="Newly reached / no longer reached since a date, and the trend over every run's date",
    dependencies=[Depends(require("blacklist:read"))],
)
async def spread(
    r: Repos,
    request: Request,
    since: dt.date,
    threshold: Annotated[float, Query(ge=0, le=1)] = 0.0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> Spread:
    from risk_rules.reach import reach_diff, spread_trend

    s = request.app.state.settings
    try:
        d = await asyncio.to_thread(
            reach_diff, sync_driver(request), since, threshold=threshold, database=s.neo4j_database
        )
    except LookupError as exc:
        raise ApiError(404, str(exc), code="no-contagion-run") from exc
    trend = await asyncio.to_thread(
        spread_trend, sync_driver(request), threshold=threshold, database=s.neo4j_database
    )
    d = jsonable(d)
    key = lambda row: (-float(row.get("score") or 0.0), row["entity_id"])  # noqa: E731
    newly, gone = sorted(d["newly_reached"], key=key), sorted(d["no_longer_reached"], key=key)
    on_paths = {
        str(x)
        for row in newly[:limit] + gone[:limit]
        for p in row.get("paths") or []
        for x in (p.get("nodes") if isinstance(p, dict) else p) or []
    }
    return Spread(
        **{
            **d,
            "newly_reached": newly[:limit],
            "no_longer_reached": gone[:limit],
            "limit": limit,
            "newly_reached_total": len(newly),
            "no_longer_reached_total": len(gone),
            "names": await r.entities.names(sorted(on_paths)),
            "still_reached": d["still_reached"]
            if isinstance(d["still_reached"], int)
            else len(d["still_reached"]),
            "trend": trend,
        }
    )
