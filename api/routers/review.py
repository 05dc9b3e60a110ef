"""Entity-resolution review queue: grey-zone pairs, pair judgements, entity splits."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from api.dependencies import Repos, require
from api.errors import ApiError
from api.models.common import PROBLEM_RESPONSES, PageInfo
from api.models.investigations import Judgement, JudgementPage, JudgementRequest, ReviewPairPage, SplitRequest
from api.pagination import decode_cursor, encode_cursor
from api.security.auth import Principal

router = APIRouter(prefix="/v1/review", tags=["entity-resolution review"], responses=PROBLEM_RESPONSES)


@router.get(
    "/pairs",
    response_model=ReviewPairPage,
    summary="Record pairs ingest's entity resolution left in the grey zone (decision 'review')",
    dependencies=[Depends(require("review:read"))],
)
async def pairs(
    r: Repos,
    pending_only: bool = False,
    limit: Annotated[int, Query(ge=1, le=200, description="record pairs per page")] = 50,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
) -> ReviewPairPage:
    filters = {"pending_only": pending_only}
    offset = decode_cursor(cursor, filters) or 0
    if not isinstance(offset, int) or offset < 0:
        raise ApiError(400, "分页游标无效。/ Invalid pagination cursor.", code="invalid-cursor")
    rows, total = await r.review.pairs(offset, limit, pending_only)
    more = offset + len(rows) < total
    return ReviewPairPage(
        pairs=rows,
        page=PageInfo(
            next_cursor=encode_cursor(offset + limit, filters) if more else None,
            limit=limit,
            total=total,
            offset=offset,
        ),
    )


@router.post(
    "/judgements",
    response_model=Judgement,
    status_code=201,
    summary="Judge a record pair same/different/unsure",
)
async def judge(
    r: Repos,
    body: JudgementRequest,
    principal: Annotated[Principal, Depends(require("review:write"))],
) -> Judgement:
    if body.record_id_a == body.record_id_b:
        raise ApiError(400, "两条记录相同。/ The two records are the same record.")
    j = await r.review.judge(
        body.record_id_a,
        body.record_id_b,
        body.verdict,
        principal.user_id,
        body.note,
        datetime.now(UTC).isoformat(),
    )
    if j is None:
        raise ApiError(404, "源记录不存在。/ One or both source records do not exist.")
    return Judgement(**j)


@router.post(
    "/splits", response_model=Judgement, status_code=201, summary="Split an entity's records into parts"
)
async def split(
    r: Repos, body: SplitRequest, principal: Annotated[Principal, Depends(require("review:write"))]
) -> Judgement:
    records = set(await r.review.entity_records(body.entity_id))
    if not records:
        raise ApiError(
            404, f"实体不存在或无源记录：{body.entity_id} / No such entity or it has no source records."
        )
    flat = [k for part in body.parts for k in part]
    if len(flat) != len(set(flat)) or not set(flat) <= records or any(not p for p in body.parts):
        raise ApiError(
            400,
            "拆分必须把该实体的源记录分成互不相交的非空部分。/ Parts must be disjoint, non-empty "
            "sets of this entity's source records.",
        )
    j = await r.review.split(
        body.entity_id,
        [sorted(p) for p in body.parts],
        principal.user_id,
        body.note,
        datetime.now(UTC).isoformat(),
    )
    if j is None:  # the entity vanished between the two queries
        raise ApiError(404, f"实体不存在：{body.entity_id} / No such entity: {body.entity_id}")
    return Judgement(**j)


@router.get(
    "/judgements",
    response_model=JudgementPage,
    summary="Stored judgements and splits",
    dependencies=[Depends(require("review:read"))],
)
async def judgements(
    r: Repos,
    kind: Literal["pair", "split"] | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
) -> JudgementPage:
    after = decode_cursor(cursor, {"kind": kind})
    rows = await r.review.judgements(after, kind, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    total, offset = await r.review.count_judgements(after, kind)
    return JudgementPage(
        judgements=rows,
        page=PageInfo(
            next_cursor=encode_cursor(rows[-1]["judgement_id"], {"kind": kind}) if more else None,
            limit=limit,
            total=total,
            offset=offset,
        ),
    )
