"""Abnormal-use flags for auditors: list, review, and run a check now."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from api.dependencies import require
from api.errors import ApiError
from api.governance.flags import FlagStore
from api.governance.monitoring import CHECKS
from api.governance.scheduler import check_once
from api.models.common import PROBLEM_RESPONSES
from api.security.auth import Principal

router = APIRouter(prefix="/v1/audit/flags", tags=["audit"], responses=PROBLEM_RESPONSES)
Auditor = Annotated[Principal, Depends(require("audit:flags"))]


class Review(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["open", "confirmed", "dismissed"]
    comment: str | None = Field(default=None, max_length=2000)


def _store(request: Request) -> FlagStore:
    return FlagStore(request.app.state.driver, request.app.state.settings.neo4j_database)


@router.get("", summary="Abnormal-use flags (newest window first)")
async def list_flags(
    request: Request,
    _: Auditor,
    status: Annotated[Literal["open", "confirmed", "dismissed"] | None, Query()] = None,
    check: Annotated[Literal[CHECKS] | None, Query()] = None,  # type: ignore[valid-type]
    user_id: Annotated[str | None, Query(max_length=90)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> dict:
    return {"flags": await _store(request).list(status=status, check=check, user_id=user_id, limit=limit)}


@router.post("/{flag_id}/review", summary="Record the auditor's decision on a flag")
async def review_flag(flag_id: str, body: Review, request: Request, principal: Auditor) -> dict:
    out = await _store(request).review(flag_id, body.status, principal.user_id, body.comment)
    if out is None:
        raise ApiError(404, f"标记不存在：{flag_id} / No such flag: {flag_id}")
    return out


@router.post("/check", summary="Run the abnormal-use check over the last window now")
async def check_now(request: Request, _: Auditor) -> dict:
    summary = await check_once(request.app)
    out = summary.as_dict()
    out["flags"] = [
        {k: f[k] for k in ("flag_id", "check", "user_id", "window", "severity")} for f in out["flags"]
    ]
    return out
