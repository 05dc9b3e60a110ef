"""The automated pre-loan check."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from api.dependencies import Repos, request_context, require
from api.models.checks import PreLoanRequest, PreLoanResponse
from api.models.common import PROBLEM_RESPONSES
from api.services.preloan import CheckBounds, PreLoanCheck, rules_config

router = APIRouter(prefix="/v1/checks", tags=["checks"], responses=PROBLEM_RESPONSES)


@router.post(
    "/pre-loan",
    response_model=PreLoanResponse,
    summary="Pre-loan check: one deterministic verdict",
    description="Resolves the applicant (or lists candidates), finds related parties and the group, "
    "adds the requested amount to every concentration limit, reports guarantee structures, blacklist "
    "proximity and open alerts, and returns pass / refer / decline-suggested with every reason tied "
    "to evidence. An applicant that cannot be resolved never passes.",
    dependencies=[Depends(require("check:pre-loan"))],
)
async def pre_loan(r: Repos, body: PreLoanRequest, request: Request) -> PreLoanResponse:
    s = request.app.state.settings
    ctx = request_context(request)
    ctx.purpose_ref = body.application_ref
    bounds = CheckBounds(
        blacklist_hops=s.api_check_max_hops,
        supernode_degree=s.api_supernode_degree,
        max_candidates=s.api_check_max_candidates,
        refer_score=s.api_check_refer_score,
    )
    check = PreLoanCheck(r.checks, rules_config(str(s.rules_config) if s.rules_config else None), bounds)
    result = await check.run(body)
    ctx.verdict = result["verdict"]
    if result["applicant"]:
        ctx.touch(result["applicant"]["entity_id"])
    return PreLoanResponse(**result)
