"""The automated pre-loan check."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from api.dependencies import repos, request_context, require, sync_driver
from api.models.checks import PreLoanRequest, PreLoanResponse
from api.models.common import PROBLEM_RESPONSES
from api.services.preloan import CheckBounds, PreLoanCheck, rules_config

router = APIRouter(prefix="/v1/checks", tags=["checks"], responses=PROBLEM_RESPONSES)


@router.post(
    "/pre-loan",
    response_model=PreLoanResponse,
    summary="Pre-loan check: one deterministic verdict",
    description="Resolves the applicant (or lists candidates), reads what the last rule run found about it "
    "(its risk profile; recomputed live by the same rules when facts loaded since reach its neighbourhood), "
    "adds the requested amount to every concentration limit and returns pass / refer / decline-suggested "
    "with at most five decisive reasons first and the rest grouped by kind, each tied to evidence and "
    "saying how fresh it is. An applicant that cannot be resolved never passes.",
    dependencies=[Depends(require("check:pre-loan"))],
)
async def pre_loan(body: PreLoanRequest, request: Request, r=Depends(repos)) -> PreLoanResponse:
    s = request.app.state.settings
    ctx = request_context(request)
    ctx.purpose_ref = body.application_ref
    # hops and thresholds are the rules' own parameters; only the search bounds are settings here
    bounds = CheckBounds(supernode_degree=s.api_supernode_degree, max_candidates=s.api_check_max_candidates)
    check = PreLoanCheck(
        r.checks,
        rules_config(str(s.rules_config) if s.rules_config else None),
        bounds,
        sync_driver=sync_driver(request),
        database=s.neo4j_database,
    )
    result = await check.run(body)
    ctx.verdict = result["verdict"]
    if result["applicant"]:
        ctx.touch(result["applicant"]["entity_id"])
    return PreLoanResponse(**result)
