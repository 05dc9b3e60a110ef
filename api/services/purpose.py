"""Purpose references (查询事由): an approver's query about a person or company must say why.

The reference — a loan application number, a case number — comes in the ``X-Purpose-Ref`` header
or, for calls with a JSON body, in an ``application_ref`` / ``purpose_ref`` field. Without one the
request is refused before any data is read; with one, it is written to the audit log with the
request (the audit middleware records ``purpose_ref``), where the monitoring checks later compare it
with the applications seen in pre-loan checks.
"""

from __future__ import annotations

import re
from functools import lru_cache

from fastapi import Request

from api.errors import ApiError

#: permissions whose endpoints read data about a person or company
PURPOSE_BOUND_PERMISSIONS = frozenset({"entity:read", "check:pre-loan"})
BODY_FIELDS = ("application_ref", "purpose_ref")

MISSING = (
    "缺少查询事由：审批人员查询个人或企业须提供授权/用途编号（如贷款申请号），请在请求头 X-Purpose-Ref "
    "或请求体 application_ref 字段中提供。/ Purpose reference required: approvers must give an "
    "authorization reference (e.g. the loan application number) for every query about a person or "
    "company, in the X-Purpose-Ref header or the application_ref body field."
)


@lru_cache(maxsize=8)
def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(text)


def needs_purpose(scopes: frozenset[str], permission: str, purpose_roles: list[str]) -> bool:
    return permission in PURPOSE_BOUND_PERMISSIONS and bool(scopes & set(purpose_roles))


async def body_reference(request: Request) -> str | None:
    """``application_ref`` / ``purpose_ref`` from a JSON body (the body is cached for the handler)."""
    if request.method in ("GET", "HEAD", "OPTIONS", "DELETE"):
        return None
    if not request.headers.get("content-type", "").startswith("application/json"):
        return None
    try:
        body = await request.json()
    except ValueError:
        return None
    if isinstance(body, dict):
        for field in BODY_FIELDS:
            value = body.get(field)
            if isinstance(value, str) and value.strip():
                return value.strip()
    return None


async def enforce_purpose(request: Request, scopes: frozenset[str], permission: str, ctx) -> None:
    """Refuse (403) a purpose-bound request without a reference; 422 when it is malformed."""
    s = request.app.state.settings
    if not needs_purpose(scopes, permission, s.gov_purpose_roles):
        return
    ref = (ctx.purpose_ref or "").strip() or await body_reference(request)
    if not ref:
        raise ApiError(403, MISSING, code="purpose-required", permission=permission)
    if not _pattern(s.gov_purpose_pattern).match(ref):
        raise ApiError(
            422,
            f"查询事由编号格式无效（须匹配 {s.gov_purpose_pattern}）。/ The purpose reference is malformed "
            f"(must match {s.gov_purpose_pattern}).",
            code="invalid-purpose-ref",
        )
    ctx.purpose_ref = ref
