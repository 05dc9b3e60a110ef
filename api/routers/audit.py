"""The audit log, read-only, for auditors."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request

from api.audit.chains import read_trail, trail_position, verify_trail
from api.dependencies import require
from api.models.common import PROBLEM_RESPONSES, PageInfo
from api.models.investigations import AuditPage, AuditVerification, ChainVerification
from api.pagination import decode_cursor, encode_cursor

router = APIRouter(prefix="/v1/audit", tags=["audit"], responses=PROBLEM_RESPONSES)


def _select(
    path, *, before: list[Any] | None, user_id, entity_id, purpose_ref, status, kind, since, until, limit
) -> list[dict[str, Any]]:
    """Matching records of all chains, newest first (``before``: the position of the last one seen)."""
    out: list[dict[str, Any]] = []
    stop = tuple(before) if isinstance(before, list) else None
    for rec in read_trail(path):
        if stop is not None and tuple(trail_position(rec)) >= stop:
            break
        if user_id and rec.get("user_id") != user_id:
            continue
        if entity_id and entity_id not in (rec.get("entity_ids") or []):
            continue
        if purpose_ref and rec.get("purpose_ref") != purpose_ref:
            continue
        if status and rec.get("status") != status:
            continue
        if kind and rec.get("kind") != kind:
            continue
        if since and str(rec.get("ts", "")) < since:
            continue
        if until and str(rec.get("ts", "")) > until:
            continue
        out.append(rec)
    return out[::-1][:limit]


@router.get(
    "",
    response_model=AuditPage,
    summary="Audit records, newest first, filtered",
    dependencies=[Depends(require("audit:read"))],
)
async def audit(
    request: Request,
    user_id: Annotated[str | None, Query(max_length=64)] = None,
    entity_id: Annotated[str | None, Query(max_length=90)] = None,
    purpose_ref: Annotated[str | None, Query(max_length=128)] = None,
    status: Annotated[int | None, Query(ge=100, le=599)] = None,
    kind: Literal["request", "intent", "cli", "recovery"] | None = None,
    since: Annotated[str | None, Query(max_length=40, description="ISO timestamp")] = None,
    until: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
) -> AuditPage:
    filters = {
        "user_id": user_id,
        "entity_id": entity_id,
        "purpose_ref": purpose_ref,
        "status": status,
        "kind": kind,
        "since": since,
        "until": until,
    }
    before = decode_cursor(cursor, filters)
    rows = await asyncio.to_thread(
        _select, request.app.state.settings.audit_log_path, before=before, limit=limit + 1, **filters
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return AuditPage(
        records=rows,
        page=PageInfo(
            next_cursor=encode_cursor(trail_position(rows[-1]), filters) if more and rows else None,
            limit=limit,
        ),
    )


@router.get(
    "/verify",
    response_model=AuditVerification,
    summary="Recompute every writer's hash chain",
    dependencies=[Depends(require("audit:read"))],
)
async def verify(request: Request) -> AuditVerification:
    trail = await asyncio.to_thread(verify_trail, request.app.state.settings.audit_log_path)
    main = trail.first_problem or trail.chains[0]
    return AuditVerification(
        **{**main.result.__dict__, "ok": trail.ok, "records": trail.records},
        chains=[ChainVerification(**c.as_dict()) for c in trail.chains],
    )
