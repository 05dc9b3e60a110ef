"""The styling facts of a drawing's entity nodes, decided once here from the rules' own parameters.

A drawing marks listed entities, defaulted/overdue borrowers, members of a guarantee circle and
how strongly contagion from listed entities reaches each one. The contagion band compares the
profile's measure with the contagion rule's ``threshold`` and ``high_score`` — the same numbers
that decide the rule's alerts and their severity — so the explorer states no threshold of its own."""

from __future__ import annotations

from typing import Any

from risk_rules.config import RulesConfig
from risk_rules.findings.params import FindingParams

#: a loan's worst status first
LOAN_SEVERITY = ("defaulted", "overdue")


def contagion_band(score: float | None, fp: FindingParams) -> str | None:
    """'high' from the rule's high_score on, 'elevated' from its alert threshold on, else None.

    >>> from risk_rules.config import load_config
    >>> fp = FindingParams.from_config(load_config())
    >>> contagion_band(fp.contagion.high_score, fp), contagion_band(fp.contagion.threshold, fp)
    ('high', 'elevated')
    >>> contagion_band(None, fp) is None and contagion_band(0.0, fp) is None
    True
    """
    if score is None:
        return None
    if score >= fp.contagion.high_score:
        return "high"
    if score >= fp.contagion.threshold:
        return "elevated"
    return None


def node_styling(facts: list[dict[str, Any]], config: RulesConfig) -> dict[str, dict[str, Any]]:
    """entity id → :class:`api.models.common.NodeStyling` fields, from the repository's facts."""
    fp = FindingParams.from_config(config)
    out: dict[str, dict[str, Any]] = {}
    for f in facts:
        c = f.get("contagion") or {}
        score = c.get("score") if c else None
        statuses = set(f.get("loan_statuses") or [])
        out[f["entity_id"]] = {
            "listed": bool(f.get("listed")),
            "loan_status": next((s for s in LOAN_SEVERITY if s in statuses), None),
            "contagion_score": float(score) if score else None,
            "contagion_band": contagion_band(float(score) if score else None, fp),
            "circle_id": (f.get("circle") or {}).get("circle_id"),
        }
    return out


def styled(nodes: list[dict[str, Any]], styling: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The nodes with their ``styling`` (entities only; others unchanged)."""
    return [{**n, "styling": styling[n["id"]]} if n["id"] in styling else n for n in nodes]
