"""The loan-file report (授信档案关联风险报告) of a pre-loan check, as HTML or PDF."""

from __future__ import annotations

import asyncio
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.dependencies import Repos, request_context, require
from api.models.checks import Applicant, PreLoanRequest
from api.models.common import PROBLEM_RESPONSES
from api.rendering.report import html_to_pdf
from api.routers.checks import run_check
from api.routers.entities import EntityId
from api.security.auth import Principal
from api.services.preloan import rules_config
from api.services.report import report_document

router = APIRouter(prefix="/v1/reports", tags=["reports"], responses=PROBLEM_RESPONSES)


@router.get(
    "/preloan/{entity_id}",
    response_class=HTMLResponse,
    summary="The loan-file report of a pre-loan check (HTML or PDF)",
    description="Runs the pre-loan check for the entity (the same check as POST /v1/checks/pre-loan, audited "
    "as one) and renders its answer for the loan file: title block, verdict and decisive reasons, group "
    "exposure against the limits, guarantee circle, ownership and control, blacklist proximity, related "
    "parties rated by their own facts, provenance. Masked for the caller's role; appendices (every "
    "member, every further reason, the evidence) only with appendix=true.",
    responses={
        200: {
            "description": "the report",
            "content": {
                "text/html": {},
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
async def preloan_report(
    r: Repos,
    request: Request,
    entity_id: EntityId,
    principal: Annotated[Principal, Depends(require("check:pre-loan"))],
    application_ref: Annotated[str, Query(min_length=1, max_length=64)] = "REPORT",
    requested_amount: Annotated[float, Query(ge=0, le=1e13)] = 0.0,
    requested_kind: Literal["loan", "guarantee"] = "loan",
    format: Literal["html", "pdf"] = "html",
    appendix: bool = False,
) -> Response:
    purpose = request_context(request).purpose_ref
    body = PreLoanRequest(
        application_ref=application_ref,
        applicant=Applicant(entity_id=entity_id),
        requested_amount=float(requested_amount),
        requested_kind=requested_kind,
    )
    result = await run_check(r, body, request, complete=True)
    s = request.app.state.settings
    html, stem = await report_document(
        r,
        result,
        pii=principal.pii,
        appendix=appendix,
        bank=rules_config(str(s.rules_config) if s.rules_config else None).bank.name,
        generated_by=principal.user_name or principal.user_id,
        purpose=purpose,
    )
    if format == "pdf":
        return Response(
            await asyncio.to_thread(html_to_pdf, html),
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{stem}.pdf"'},
        )
    return HTMLResponse(html, headers={"Content-Disposition": f'inline; filename="{stem}.html"'})
