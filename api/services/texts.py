"""The rendered texts of an answer: alerts and pre-loan checks, named in one read, masked per role."""

from __future__ import annotations

from typing import Any

from api.rendering import alerts as A
from api.rendering.naming import NameLookup, names_carried, prepared
from api.rendering.reasons import render_check
from api.rendering.text import entity_ids_in


async def rendered_alerts(
    alerts: list[dict[str, Any]], names: NameLookup, *, pii: bool, keep_evidence: bool
) -> list[dict[str, Any]]:
    """Alerts with ``title``, ``message`` and ``severity_text``; evidence dropped unless asked for."""
    data, n = await prepared(alerts, names, pii=pii)
    out = []
    for a in data:
        t = A.rendered(a, n)
        a.update(title=t["title"], message=t["message"], severity_text=t["severity"])
        if not keep_evidence:
            a.pop("evidence", None)
        out.append(a)
    return out


async def rendered_check(result: dict[str, Any], names: NameLookup, *, pii: bool) -> dict[str, Any]:
    """The check's answer with every reason's ``message``, ``verdict_text`` and ``summary``.

    The texts name the applicant and the ids of the reasons (and the alerts they cite); most of them
    are in the answer's labelled rows already (the profile carries names), so the names read is
    made only for the rest, and not at all when the rows carry them all."""
    extra: dict[str, str | None] = {}
    app = result.get("applicant") or {}
    if app.get("entity_id"):
        extra[app["entity_id"]] = app.get("name")
    for c in result.get("candidates") or []:
        extra[c["entity_id"]] = c.get("name")
    names_carried(result, extra)
    named = [result.get("reasons"), result.get("details"), result.get("open_alerts"), app]
    data, n = await prepared(result, names, pii=pii, extra=extra, named=named)
    return render_check(data, n)


async def names_in(data: Any, names: NameLookup) -> list[dict[str, Any]]:
    """``[{entity_id, name}]`` of every entity id in ``data`` (a list, so the masking walk sees the ids
    as values and masks them like every other id)."""
    found = await names.names(sorted(entity_ids_in(data)))
    return [{"entity_id": k, "name": v} for k, v in sorted(found.items())]
