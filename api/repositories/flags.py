"""Abnormal-use flags in Neo4j (``AuditFlag`` -[:FLAGS]-> ``User``).

Why a label of its own and not ``Alert``: alerts are read by approvers, examiners and supervisors —
the very people these flags are about. ``AuditFlag`` is readable by auditors only. Flags have
deterministic ids (check + user + day): re-checking a window updates the same flag (its evidence and
``last_seen_at``) and never resets an auditor's review.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from neo4j import AsyncDriver

from api.repositories.base import jsonable
from api.services.monitoring import Flag
from graph_model import schema as S

UPSERT = f"""
UNWIND $rows AS row
MERGE (f:{S.AUDIT_FLAG} {{flag_id: row.flag_id}})
  ON CREATE SET f.status = 'open', f.first_seen_at = datetime(), f.froze_account = false, f._new = true
SET f.check = row.check, f.user_id = row.user_id, f.window = row.window, f.severity = row.severity,
    f.explanation_zh = row.explanation_zh, f.explanation_en = row.explanation_en, f.evidence = row.evidence,
    f.last_seen_at = datetime()
WITH f, row
OPTIONAL MATCH (u:{S.USER} {{user_id: row.user_id}})
FOREACH (_ IN CASE WHEN u IS NULL THEN [] ELSE [1] END | MERGE (f)-[:{S.FLAGS}]->(u))
WITH f, coalesce(f._new, false) AS is_new
REMOVE f._new
RETURN f.flag_id AS flag_id, is_new, f.froze_account AS froze
"""

CREATED_AT = f"MATCH (u:{S.USER}) WHERE u.created_at IS NOT NULL RETURN u.user_id AS u, u.created_at AS c"

FREEZE = f"""
MATCH (u:{S.USER} {{user_id: $user_id}})
SET u.locked = true, u.locked_at = coalesce(CASE WHEN u.locked THEN u.locked_at END, datetime()),
    u.locked_reason = $reason
WITH u
OPTIONAL MATCH (k:{S.API_KEY} {{user_id: $user_id}}) WHERE k.kind = 'session' AND k.revoked_at IS NULL
SET k.revoked_at = datetime()
WITH DISTINCT u
MATCH (f:{S.AUDIT_FLAG} {{flag_id: $flag_id}}) SET f.froze_account = true
RETURN u.user_id AS user_id
"""

LIST = f"""
MATCH (f:{S.AUDIT_FLAG})
WHERE ($status IS NULL OR f.status = $status) AND ($check IS NULL OR f.check = $check)
  AND ($user_id IS NULL OR f.user_id = $user_id)
RETURN properties(f) AS f ORDER BY f.window DESC, f.severity, f.flag_id LIMIT $limit
"""

REVIEW = f"""
MATCH (f:{S.AUDIT_FLAG} {{flag_id: $flag_id}})
SET f.status = $status, f.reviewed_by = $user, f.review_comment = $comment, f.reviewed_at = datetime()
RETURN properties(f) AS f
"""


def flag_row(f: Flag) -> dict[str, Any]:
    return {
        "flag_id": f.flag_id,
        "check": f.check,
        "user_id": f.user_id,
        "window": f.window,
        "severity": f.severity,
        "explanation_zh": f.explanation_zh,
        "explanation_en": f.explanation_en,
        "evidence": json.dumps(f.evidence, ensure_ascii=False, sort_keys=True, default=str),
    }


class FlagStore:
    def __init__(self, driver: AsyncDriver, database: str) -> None:
        self.driver = driver
        self.database = database

    async def _q(self, query: str, **params: Any) -> list[dict[str, Any]]:
        records, _, _ = await self.driver.execute_query(query, params, database_=self.database)
        return [r.data() for r in records]

    async def created_at(self) -> dict[str, datetime]:
        return {r["u"]: r["c"].to_native() for r in await self._q(CREATED_AT)}

    async def upsert(self, flags: list[Flag]) -> list[dict[str, Any]]:
        if not flags:
            return []
        return await self._q(UPSERT, rows=[flag_row(f) for f in flags])

    async def freeze(self, user_id: str, flag: Flag) -> bool:
        reason = f"审计冻结 / audit freeze: {flag.check} {flag.window} ({flag.flag_id})"
        return bool(await self._q(FREEZE, user_id=user_id, reason=reason, flag_id=flag.flag_id))

    async def list(
        self, *, status: str | None, check: str | None, user_id: str | None, limit: int = 200
    ) -> list[dict[str, Any]]:
        rows = await self._q(LIST, status=status, check=check, user_id=user_id, limit=limit)
        return [_public(r["f"]) for r in rows]

    async def review(
        self, flag_id: str, status: str, user: str, comment: str | None
    ) -> dict[str, Any] | None:
        rows = await self._q(REVIEW, flag_id=flag_id, status=status, user=user, comment=comment)
        return _public(rows[0]["f"]) if rows else None


def _public(f: dict[str, Any]) -> dict[str, Any]:
    out = jsonable(dict(f))
    if isinstance(out.get("evidence"), str):
        try:
            out["evidence"] = json.loads(out["evidence"])
        except ValueError:
            pass
    return out
