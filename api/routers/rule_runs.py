"""Rule runs: what ran, when, with which parameters and counts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.dependencies import Repos, require
from api.errors import ApiError
from api.models.common import PROBLEM_RESPONSES, PageInfo
from api.models.investigations import RuleRun, RuleRunPage
from api.pagination import decode_cursor, encode_cursor

router = APIRouter(prefix="/v1/rule-runs", tags=["rule runs"], responses=PROBLEM_RESPONSES)


@router.get(
    "",
    response_model=RuleRunPage,
    summary="Rule runs, newest run id first",
    dependencies=[Depends(require("rule:read"))],
)
async def list_runs(
    r: Repos,
    rule_id: Annotated[str | None, Query(max_length=100)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
) -> RuleRunPage:
    filters = {"rule_id": rule_id, "status": status}
    after = decode_cursor(cursor, filters)
    rows = await r.alerts.runs(rule_id, status, after, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    total, offset = await r.alerts.count_runs(rule_id, status, after)
    return RuleRunPage(
        runs=rows,
        page=PageInfo(
            next_cursor=encode_cursor(rows[-1]["run_id"], filters) if more else None,
            limit=limit,
            total=total,
            offset=offset,
        ),
    )


@router.get(
    "/{run_id}", response_model=RuleRun, summary="One rule run", dependencies=[Depends(require("rule:read"))]
)
async def get_run(r: Repos, run_id: str) -> RuleRun:
    run = await r.alerts.run(run_id)
    if run is None:
        raise ApiError(404, f"规则运行不存在：{run_id} / No such rule run: {run_id}")
    return RuleRun(**run)
