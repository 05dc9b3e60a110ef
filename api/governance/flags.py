"""Abnormal-use flags in Neo4j (``AuditFlag`` -[:FLAGS]-> ``User``) and one monitoring pass.

Why a label of its own and not ``Alert``: alerts are read by approvers, examiners and supervisors —
the very people these flags are about. ``AuditFlag`` is readable by auditors only. Flags have
deterministic ids (check + user + day): re-checking a window updates the same flag (its evidence and
``last_seen_at``) and never resets an auditor's review.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from neo4j import AsyncDriver

from api.audit.log import read_records, verify_chain
from api.governance.monitoring import Flag, MonitorParams, detect
from api.repositories.base import jsonable
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


@dataclass
class CheckSummary:
    since: str
    until: str
    records: int
    chain_ok: bool
    chain_problem: str | None
    flags: list[dict[str, Any]] = field(default_factory=list)
    new_flags: int = 0
    frozen: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def _row(f: Flag) -> dict[str, Any]:
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


def load_records(path: Path) -> list[dict[str, Any]]:
    """The request records of the log, reduced to the fields the checks read (memory: one small dict each)."""
    keep = (
        "kind",
        "seq",
        "ts",
        "user_id",
        "roles",
        "path",
        "status",
        "outcome",
        "purpose_ref",
        "entity_ids",
        "client",
        "note",
    )
    return [{k: r.get(k) for k in keep} for r in read_records(path) if r.get("kind") == "request"]


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
        return await self._q(UPSERT, rows=[_row(f) for f in flags])

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


async def run_check(
    store: FlagStore,
    audit_path: Path,
    params: MonitorParams,
    *,
    until: datetime | None = None,
    window: timedelta = timedelta(hours=24),
    auto_freeze: bool = False,
    freeze_checks: tuple[str, ...] = (),
    write: bool = True,
) -> CheckSummary:
    """One monitoring pass: verify the chain, detect over ``[until - window, until)``, store flags and,
    when configured, freeze the accounts behind new flags of the freezing checks."""
    until = until or datetime.now(UTC)
    since = until - window
    chain = await asyncio.to_thread(verify_chain, audit_path)
    records = await asyncio.to_thread(load_records, audit_path)
    created = await store.created_at()
    flags = detect(records, since=since, until=until, params=params, created_at=created)
    summary = CheckSummary(
        since.isoformat(),
        until.isoformat(),
        len(records),
        chain.ok,
        chain.reason,
        [{"flag_id": f.flag_id, **_row(f), "evidence": f.evidence} for f in flags],
    )
    if not write:
        return summary
    stored = {r["flag_id"]: r for r in await store.upsert(flags)}
    summary.new_flags = sum(1 for r in stored.values() if r["is_new"])
    if auto_freeze:
        users_with_account = set(created)
        for f in flags:
            row = stored.get(f.flag_id, {})
            if (
                f.check in freeze_checks
                and f.user_id in users_with_account
                and not row.get("froze")
                and await store.freeze(f.user_id, f)
            ):
                summary.frozen.append(f.user_id)
    return summary
