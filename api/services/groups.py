"""The group view: read what the rule run found (the entity's risk profile), never a pre-loan check.

A visit to the group page must not act as a credit decision (no check record, nothing audited as
a check); so the members and balances come from the stored profile and the concentration limits
are computed by the rules' own function (:func:`risk_rules.findings.conclusions.limits`) with
nothing requested."""

from __future__ import annotations

from typing import Any

from risk_rules.config import RulesConfig
from risk_rules.findings import conclusions as C
from risk_rules.findings.params import FindingParams


def group_view(stored: dict[str, Any], config: RulesConfig) -> dict[str, Any] | None:
    """The group of ``stored['entity_id']`` with exposure and limits; None when no group was found.
    Every member is listed from the group's own profile; an entity's profile alone lists the
    largest ones (``size`` counts them all)."""
    body = stored.get("body") or {}
    g = body.get("group")
    if not g:
        return None
    eid = stored["entity_id"]
    fp = FindingParams.from_config(config)
    whole = stored.get("group")
    if whole and whole.get("group_id") == g["group_id"]:
        g = {**g, "members": whole["members"], "missing": whole.get("missing") or []}
    rows = g.get("members") or []
    exposure = body.get("exposure") or {}
    own = float(exposure.get("borrower_loans") or 0.0)
    balances = {
        m["entity_id"]: (own if m["entity_id"] == eid else float(m.get("balance") or 0.0)) for m in rows
    }
    sums = C.group_members(eid, body)
    total = (sums.others_loans if sums else 0.0) + own
    checks, _, _ = C.limits(eid, own, sums, None, 0.0, "loan", fp)
    members = [m["entity_id"] for m in rows]
    out: dict[str, Any] = {
        "entity_id": eid,
        "group_id": g["group_id"],
        "name": None,
        "source": "profile",
        "controller_ids": g.get("controller_ids") or [],
        "size": int(g.get("size") or len(rows)),
        "members": [
            {
                "entity_id": m["entity_id"],
                "name": m.get("name"),
                "balance": balances[m["entity_id"]],
                "share": round(balances[m["entity_id"]] / total, 6) if total else 0.0,
            }
            for m in rows
        ],
        "exposure": total,
        "missing": list(g.get("missing") or []),
        "limits": [c.as_json() for c in checks if c.name in ("group_customer", "large_exposure_group")],
        "run_id": stored.get("run_id"),
        "as_of": stored.get("as_of"),
        "group_run_id": None,
    }
    for w in stored.get("written") or []:
        if w["group_id"] == g["group_id"] or sorted(w["members"]) == sorted(members):
            out.update(
                group_id=w["group_id"], name=w.get("name"), source="rule_run", group_run_id=w.get("run_id")
            )
    return out
