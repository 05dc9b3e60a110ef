"""The automated pre-loan check, with admission control ahead of the transaction timeout."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from neo4j.exceptions import ClientError, ServiceUnavailable, SessionExpired, TransientError

from api.dependencies import Repos, request_context, require, sync_driver
from api.errors import ApiError
from api.masking import masked_digest
from api.models.checks import PreLoanRequest, PreLoanResponse
from api.models.common import PROBLEM_RESPONSES
from api.repositories.registry import Repositories
from api.security.auth import Principal
from api.services.preloan import CheckBounds, PreLoanCheck, rules_config
from api.services.texts import rendered_check

router = APIRouter(prefix="/v1/checks", tags=["checks"], responses=PROBLEM_RESPONSES)

#: a check beyond the api_check_max_in_flight setting is turned away at once with 503 and this
#: Retry-After, instead of queueing into the database's transaction timeout
RETRY_AFTER_S = "1"


class Admission:
    """A counter of checks in flight (the event loop is one thread: no lock is needed)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.in_flight = 0

    @contextmanager
    def admit(self) -> Iterator[None]:
        if self.in_flight >= self.limit:
            raise _overloaded("正在处理的检查过多", "too many checks in flight")
        self.in_flight += 1
        try:
            yield
        finally:
            self.in_flight -= 1


def _overloaded(zh: str, en: str) -> ApiError:
    return ApiError(
        503,
        f"{zh}，请稍后重试。/ The service is busy ({en}); retry shortly.",
        code="overloaded",
        headers={"Retry-After": RETRY_AFTER_S},
    )


def admission(request: Request) -> Admission:
    state = request.app.state
    adm = getattr(state, "check_admission", None)
    if adm is None:
        limit = int(state.settings.api_check_max_in_flight)
        adm = state.check_admission = Admission(limit)
    return adm


async def run_check(
    r: Repositories, body: PreLoanRequest, request: Request, *, complete: bool = False
) -> dict[str, Any]:
    """The check as the route runs it (admission control, database errors as 503); the loan-file
    report runs exactly this, so it never holds a second definition. ``complete``: every row listed
    (the report's appendix), not the first ones with their totals."""
    s = request.app.state.settings
    ctx = request_context(request)
    ctx.purpose_ref = body.application_ref
    # hops and thresholds are the rules' own parameters; only the search bounds are settings here
    kw = {"supernode_degree": s.api_supernode_degree, "max_candidates": s.api_check_max_candidates}
    bounds = CheckBounds.complete(**kw) if complete else CheckBounds(**kw)
    check = PreLoanCheck(
        r.checks,
        rules_config(str(s.rules_config) if s.rules_config else None),
        bounds,
        sync_driver=sync_driver(request),
        database=s.neo4j_database,
        snapshots=r.snapshots,
    )
    try:
        with admission(request).admit():
            result = await check.run(body)
    except (TransientError, ServiceUnavailable, SessionExpired) as exc:
        raise _overloaded("数据库繁忙", "the database is busy") from exc
    except ClientError as exc:
        if "TransactionTimedOut" not in (exc.code or ""):
            raise
        raise _overloaded("数据库查询超时", "a database query timed out") from exc
    ctx.verdict = result["verdict"]
    if result["applicant"]:
        ctx.touch(result["applicant"]["entity_id"])
    return result


@router.post(
    "/pre-loan",
    response_model=PreLoanResponse,
    summary="Pre-loan check: one deterministic verdict",
    description="Resolves the applicant (or lists candidates), reads what the last rule run found about it "
    "(its risk profile; recomputed live by the same rules when facts loaded since reach its neighbourhood), "
    "adds the requested amount to every concentration limit and returns pass / refer / decline-suggested "
    "with at most five decisive reasons first and the rest grouped by kind, each tied to evidence and "
    "saying how fresh it is. An applicant that cannot be resolved never passes.",
)
async def pre_loan(
    r: Repos,
    body: PreLoanRequest,
    request: Request,
    principal: Annotated[Principal, Depends(require("check:pre-loan"))],
) -> Response:
    result = await run_check(r, body, request)
    rendered = await rendered_check(result, r.names, pii=principal.pii)
    # validating and encoding the answer is CPU work in proportion to its size: a worker thread does it
    payload = await asyncio.to_thread(_render, rendered)
    if not principal.pii:  # rendered_check masked it (mask_pii) before writing the texts
        request_context(request).masked_body = masked_digest(payload)
    return Response(payload, media_type="application/json")


def _render(result: dict[str, Any]) -> bytes:
    """The answer as ``PreLoanResponse`` JSON (the same model the route declares)."""
    return PreLoanResponse(**result).model_dump_json().encode()
