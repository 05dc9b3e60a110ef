"""What follows a dispute outside its own record: the rules re-run after a correction, and the
``disputed_fact`` reasons the pre-loan check adds while a fact it relies on is disputed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from neo4j import Driver

from api.models.facts import NODE_KINDS, REL_KINDS
from api.repositories.base import Neo4jRepository
from api.repositories.disputes import open_disputes_among


def affected_rules(fact_kind: str) -> list[str]:
    """The rules that read the corrected fact, derived from what each rule declares it reads."""
    from risk_rules.reads import rules_to_rerun

    changed = REL_KINDS[fact_kind].type if fact_kind in REL_KINDS else NODE_KINDS[fact_kind].label
    return [r.id for r in rules_to_rerun([changed])]


def rerun_rules(
    sync_driver: Driver, database: str, rules_config_path: str | None, fact_kind: str
) -> dict[str, Any]:
    """Re-run the rules that read ``fact_kind`` (whole-graph runs: rules cannot be scoped to entities)."""
    from risk_rules.config import load_config
    from risk_rules.runner import run_rules

    rule_ids = affected_rules(fact_kind)
    out: dict[str, Any] = {
        "scope": "whole graph: the rule framework cannot scope a run to entities, so the affected rules re-ran",
        "rules": rule_ids,
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    if not rule_ids:
        return {**out, "status": "nothing to re-run", "runs": []}
    try:
        summaries = run_rules(
            sync_driver,
            load_config(rules_config_path),
            rule_ids=rule_ids,
            database=database,
            profiles=True,  # a correction is not an ingest batch: refresh the profiles it changes
        )
    except Exception as exc:  # noqa: BLE001 — recorded on the dispute, the correction itself stands
        return {**out, "status": "failed", "error": repr(exc)[:500], "runs": []}
    runs = [{"rule_id": s.rule_id, "run_id": s.run_id, "status": s.status} for s in summaries]
    status = "completed" if all(r["status"] == "completed" for r in runs) else "partly failed"
    return {
        **out,
        "status": status,
        "runs": runs,
        "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


async def disputed_fact_reasons(
    repo: Neo4jRepository, entity_ids: list[str], prefetched: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """One ``disputed_fact`` reason (effect ``info``) per open dispute about a fact among ``entity_ids``:
    the verdict still counts the fact (it stands until corrected) but says it is disputed.
    ``prefetched``: every open dispute, already read (the check's applicant read brings them)."""
    ids = sorted({e for e in entity_ids if e})
    if not ids:
        return []
    rows = await open_disputes_among(repo, ids, prefetched)
    return [
        {
            "code": "disputed_fact",
            "effect": "info",
            "message_zh": f"本次检查涉及的事实存在未决异议：{r['subject']}（异议 {r['dispute_id']}，理由：{r['reason']}）。",
            "message_en": f"A fact this check relies on is disputed: {r['subject']} (dispute {r['dispute_id']}, "
            f"reason: {r['reason']}).",
            "evidence": {
                "dispute_id": r["dispute_id"],
                "fact_kind": r["fact_kind"],
                "subject": r["subject"],
                "entity_ids": r["entity_ids"],
                "raised_at": r["raised_at"],
            },
        }
        for r in rows
    ]
