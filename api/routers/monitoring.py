"""Abnormal-use flags for auditors: list, review, and run a check now."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from api.dependencies import Repos, require
from api.errors import ApiError
from api.models.common import PROBLEM_RESPONSES
from api.models.governance import CheckRun, FlagList, FlagView
from api.security.auth import Principal
from api.services.monitoring import CHECKS
from api.services.scheduler import check_once

router = APIRouter(prefix="/v1/audit/flags", tags=["audit"], responses=PROBLEM_RESPONSES)
Auditor = Annotated[Principal, Depends(require("audit:flags"))]


class Review(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["open", "confirmed", "dismissed"]
    comment: str | None = Field(default=None, max_length=2000)


@router.get("", response_model=FlagList, summary="Abnormal-use flags (newest window first)")
async def list_flags(
    r: Repos,
    _: Auditor,
    status: Annotated[Literal["open", "confirmed", "dismissed"] | None, Query()] = None,
    check: Annotated[Literal[CHECKS] | None, Query()] = None,  # type: ignore[valid-type]
    user_id: Annotated[str | None, Query(max_length=90)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> FlagList:
    rows = await r.flags.list(status=status, check=check, user_id=user_id, limit=limit)
    return FlagList(flags=[FlagView(**f) for f in rows])


@router.post("/{flag_id}/review", response_model=FlagView, summary="Record the auditor's decision on a flag")
async def review_flag(flag_id: str, body: Review, r: Repos, principal: Auditor) -> FlagView:
    out = await r.flags.review(flag_id, body.status, principal.user_id, body.comment)
    if out is None:
        raise ApiError(404, f"标记不存在：{flag_id} / No such flag: {flag_id}")
    return FlagView(**out)


@router.post("/check", response_model=CheckRun, summary="Run the abnormal-use check over the last window now")
async def check_now(request: Request, _: Auditor) -> CheckRun:
    summary = await check_once(request.app)
    out = summary.as_dict()
    out["flags"] = [
        {k: f[k] for k in ("flag_id", "check", "user_id", "window", "severity")} for f in out["flags"]
    ]
    return CheckRun(**out)
