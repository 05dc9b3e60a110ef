"""Snapshots (the rules' picture as of a past date): snapshot profiles, alerts, scores."""

from __future__ import annotations

import datetime as dt
from typing import Any

from api.repositories.base import Neo4jRepository, jsonable, parse_json
from graph_model import schema as S

#: the latest snapshot on or before a date that holds a rule (any rule when $rule_id is null)
SNAPSHOT_ON_OR_BEFORE = f"""
MATCH (n:{S.SNAPSHOT}) WHERE n.as_of <= $as_of AND ($rule_id IS NULL OR $rule_id IN n.rule_ids)
RETURN n.as_of AS as_of, n.run_ids AS run_ids, n.rule_ids AS rule_ids ORDER BY n.as_of DESC LIMIT 1
"""

PROFILE = f"""
MATCH (p:{S.SNAPSHOT_PROFILE} {{entity_id: $id}}) WHERE p.as_of = $as_of
RETURN p.body AS body, p.run_id AS run_id, p.params_digest AS params_digest
"""

_FIELDS = """
  alert_id: a.alert_id, rule_id: a.rule_id, rule_version: a.rule_version, severity: a.severity,
  entity_ids: a.entity_ids, explanation_zh: a.explanation_zh, explanation_en: a.explanation_en,
  run_id: a.run_id, as_of: a.as_of
"""

ALERTS = f"""
MATCH (a:{S.SNAPSHOT_ALERT}) WHERE a.as_of = $as_of
  AND ($entity_id IS NULL OR $entity_id IN a.entity_ids)
  AND ($severity IS NULL OR a.severity = $severity) AND ($rule_id IS NULL OR a.rule_id = $rule_id)
  AND ($min_size IS NULL OR size(a.entity_ids) >= $min_size)
  AND ($after IS NULL OR a.alert_id > $after)
RETURN a {{ {_FIELDS}, evidence: a.evidence }} AS alert ORDER BY a.alert_id LIMIT $limit
"""

SCORE = f"""
MATCH (r:{S.RULE_RUN})-[:{S.IN_SNAPSHOT}]->(:{S.SNAPSHOT} {{as_of: $as_of}})
WHERE r.rule_id = $rule AND r.status = 'completed'
WITH r ORDER BY r.started_at DESC LIMIT 1
MATCH (s:{S.RISK_SCORE} {{entity_id: $id}}) WHERE s.run_id = r.run_id
RETURN properties(s) AS score
"""


class SnapshotRepository(Neo4jRepository):
    async def on_or_before(self, as_of: dt.date, rule_id: str | None = None) -> dict[str, Any] | None:
        """The latest snapshot dated on or before ``as_of`` (holding ``rule_id`` when given)."""
        rows = await self.read(SNAPSHOT_ON_OR_BEFORE, as_of=as_of, rule_id=rule_id)
        return jsonable(rows[0]) if rows else None

    async def profile(self, entity_id: str, as_of: dt.date) -> dict[str, Any] | None:
        """The snapshot profile of ``entity_id`` of exactly ``as_of`` (body decoded)."""
        rows = await self.read(PROFILE, id=entity_id, as_of=as_of)
        if not rows:
            return None
        return {**rows[0], "body": parse_json(rows[0]["body"])}

    async def alerts(
        self,
        as_of: dt.date,
        *,
        entity_id: str | None = None,
        severity: str | None = None,
        rule_id: str | None = None,
        min_size: int | None = None,
        after: str | None = None,
        limit: int = 50,
    ) -> list[dict[str, Any]]:
        rows = await self.read(
            ALERTS,
            as_of=as_of,
            entity_id=entity_id,
            severity=severity,
            rule_id=rule_id,
            min_size=min_size,
            after=after,
            limit=limit,
        )
        return [jsonable({**r["alert"], "evidence": parse_json(r["alert"]["evidence"])}) for r in rows]

    async def score(self, entity_id: str, as_of: dt.date, rule_id: str) -> dict[str, Any] | None:
        rows = await self.read(SCORE, id=entity_id, as_of=as_of, rule=rule_id)
        return jsonable(rows[0]["score"]) if rows else None
