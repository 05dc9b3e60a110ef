"""The loan-file report of a pre-loan check: the check's answer, named and masked, as HTML or PDF."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from api.rendering import report as R
from api.rendering.naming import prepared
from api.rendering.reasons import render_check
from api.rendering.text import plain
from api.repositories.registry import Repositories

_UNSAFE_IN_NAME = re.compile(r"[^\w.\-]+")


async def report_document(
    r: Repositories,
    result: dict[str, Any],
    *,
    pii: bool,
    appendix: bool,
    bank: str,
    generated_by: str,
    purpose: str | None,
) -> tuple[str, str]:
    """(HTML, file stem) of the report of ``result`` (a pre-loan check's answer, unmasked)."""
    app = result.get("applicant") or {}
    ids = sorted({str(p["entity_id"]) for p in result.get("related_parties") or []})
    facts = await r.alerts.member_facts(ids) if ids else []
    members = [str(m) for m in ((result.get("group") or {}).get("members") or [])]
    prov = await r.reports.provenance([str(app["entity_id"]), *members[:50]]) if app.get("entity_id") else []
    extra = {str(app["entity_id"]): app.get("name")} if app.get("entity_id") else {}
    data, n = await prepared(
        {"check": result, "facts": facts, "provenance": prov}, r.names, pii=pii, esc=plain, extra=extra
    )
    check = render_check(data["check"], n)
    meta = {
        "bank": bank,
        "application_ref": check.get("application_ref"),
        "purpose": purpose,
        "generated_by": generated_by,
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }
    ctx = R.context(
        check, n, facts=data["facts"], provenance=data["provenance"], meta=meta, appendix=appendix
    )
    subject = str((check.get("applicant") or {}).get("entity_id") or "unresolved")
    stem = "report-" + (_UNSAFE_IN_NAME.sub("-", subject.replace("*", "x")).strip("-") or "applicant")
    return R.report_html(ctx), stem
