"""Guarantee circles (担保圈) found by the circle rule: list and detail with edges and exposure."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.dependencies import Repos, require
from api.errors import ApiError
from api.models.common import PROBLEM_RESPONSES, AsOf, PageInfo
from api.models.investigations import CircleDetail, CirclePage, CircleSummary
from api.pagination import decode_cursor, encode_cursor
from api.repositories.alerts import CIRCLE_RULE
from api.services.as_of import block, listing_snapshot, past_date
from api.services.texts import names_in
from risk_rules.framework import alert_id as make_alert_id

router = APIRouter(prefix="/v1/guarantee-circles", tags=["guarantee circles"], responses=PROBLEM_RESPONSES)


@router.get(
    "",
    response_model=CirclePage,
    summary="Active guarantee circles",
    dependencies=[Depends(require("entity:read"))],
)
async def list_circles(
    r: Repos,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    min_size: Annotated[int | None, Query(ge=2, le=100000)] = None,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
    as_of: Annotated[
        dt.date | None,
        Query(
            description="a past date: the circles of the latest snapshot on or before it that holds the circle rule"
        ),
    ] = None,
) -> CirclePage:
    day = past_date(as_of)
    if day is not None:
        snap = await listing_snapshot(r.snapshots, day, CIRCLE_RULE)
        sfilters = {"min_size": min_size, "as_of": day.isoformat()}
        found = await r.snapshots.alerts(
            dt.date.fromisoformat(snap["as_of"]),
            rule_id=CIRCLE_RULE,
            min_size=min_size,
            after=decode_cursor(cursor, sfilters),
            limit=limit + 1,
        )
        more = len(found) > limit
        found = found[:limit]
        run_id = next((x for x in snap.get("run_ids") or [] if x.startswith(CIRCLE_RULE + "@")), None)
        return CirclePage(
            circles=[
                CircleSummary(
                    circle_id=(a.get("evidence") or {}).get("circle_id"),
                    alert_id=a["alert_id"],
                    members=sorted(a.get("entity_ids") or []),
                    size=len(a.get("entity_ids") or []),
                    edge_count=(a.get("evidence") or {}).get("edge_count"),
                    internal_amount=(a.get("evidence") or {}).get("internal_amount"),
                    severity=a.get("severity"),
                )
                for a in found
            ],
            page=PageInfo(
                next_cursor=encode_cursor(found[-1]["alert_id"], sfilters) if more else None, limit=limit
            ),
            as_of=AsOf(**block(day, "snapshot", run_id, snap["as_of"])),
        )
    filters = {"min_size": min_size}
    after = decode_cursor(cursor, filters)
    rows = await r.alerts.circles(after, limit + 1, min_size)
    more = len(rows) > limit
    rows = rows[:limit]
    total, offset = await r.alerts.count_circles(after, min_size)
    return CirclePage(
        circles=[CircleSummary(**c) for c in rows],
        page=PageInfo(
            next_cursor=encode_cursor(rows[-1]["alert_id"], filters) if more else None,
            limit=limit,
            total=total,
            offset=offset,
        ),
    )


@router.get(
    "/{circle_id}",
    response_model=CircleDetail,
    summary="One circle: members, edges, cycles, exposure",
    dependencies=[Depends(require("entity:read"))],
)
async def circle_detail(r: Repos, circle_id: str) -> CircleDetail:
    alert = await r.alerts.get(make_alert_id(CIRCLE_RULE, circle_id))
    if alert is None:
        raise ApiError(404, f"担保圈不存在：{circle_id} / No such guarantee circle: {circle_id}")
    ev = alert.get("evidence") or {}
    members = sorted(ev.get("members") or alert.get("entity_ids") or [])
    facts = await r.alerts.member_facts(members)
    loans = sum(float(lo.get("balance") or 0.0) for f in facts for lo in f["loans"])
    distressed = sorted(
        {
            f["entity_id"]
            for f in facts
            if f["listed"] or any(lo.get("status") in ("overdue", "defaulted") for lo in f["loans"])
        }
    )
    summary = CircleSummary(
        circle_id=circle_id,
        alert_id=alert["alert_id"],
        members=members,
        size=len(members),
        edge_count=ev.get("edge_count"),
        internal_amount=ev.get("internal_amount"),
        severity=alert.get("severity"),
        status=alert.get("status"),
    )
    return CircleDetail(
        circle=summary,
        cycles=ev.get("paths") or [],
        edges=await r.alerts.circle_edges(members),
        members=facts,
        exposure={"loan_balance": loans, "distressed_members": distressed},
        alert=alert,
        names=await names_in([members, alert], r.names),
    )
