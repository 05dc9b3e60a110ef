"""Alert persistence: deterministic ids, new / changed / unchanged / resolved, triage kept.

One rule run reconciles its findings with the alerts the rule raised before:
- a finding whose alert id is unknown creates an ``Alert`` (status ``open``);
- a known alert whose content hash is unchanged is left as it is (only ``last_run_id`` and a
  ``RAISED_IN`` link to the new run record the sighting);
- a known alert whose content changed (or that had become inactive) is updated and reactivated;
- an active alert of the rule that the run did not find becomes ``active = false`` — never
  deleted, so its history and triage stay auditable.
Triage fields (``status``, ``triaged_by``, ``triage_comment``, ``triaged_at``) are never touched by
a run. All writes are ``UNWIND`` batches.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from neo4j import Driver

from graph_model import schema as S
from risk_rules.framework import Finding, alert_id, content_hash

BATCH = 5000
TRIAGE_STATUSES = ("open", "confirmed", "dismissed")


def batches(rows: list, size: int = BATCH) -> Iterator[list]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


@dataclass(frozen=True)
class AlertCounts:
    new: int
    changed: int
    unchanged: int
    resolved: int
    reactivated: int

    @property
    def active(self) -> int:
        return self.new + self.changed + self.unchanged + self.reactivated

    def as_dict(self) -> dict[str, int]:
        return {
            "new": self.new,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "reactivated": self.reactivated,
            "resolved": self.resolved,
            "active": self.active,
        }


def _row(rule_id: str, rule_version: str, f: Finding) -> dict[str, Any]:
    return {
        "alert_id": alert_id(rule_id, f.subject_key),
        "props": {
            "rule_id": rule_id,
            "rule_version": rule_version,
            "kind": f.kind,
            "subject_key": f.subject_key,
            "severity": f.severity,
            "entity_ids": sorted(f.entity_ids),
            "explanation_zh": f.explanation_zh,
            "explanation_en": f.explanation_en,
            "evidence": json.dumps(f.evidence, ensure_ascii=False, sort_keys=True, default=str),
            "content_hash": content_hash(rule_version, f),
        },
    }


_CREATE = f"""
UNWIND $rows AS row
CREATE (a:{S.ALERT} {{alert_id: row.alert_id}})
SET a += row.props, a.status = 'open', a.active = true,
    a.first_run_id = $run_id, a.last_run_id = $run_id, a.updated_run_id = $run_id,
    a.created_at = datetime(), a.updated_at = datetime()
WITH a, row
MATCH (r:{S.RULE_RUN} {{run_id: $run_id}})
CREATE (a)-[:{S.RAISED_IN}]->(r)
WITH a, row
UNWIND row.props.entity_ids AS eid
CALL (a, eid) {{ MATCH (e:{S.COMPANY} {{entity_id: eid}}) MERGE (a)-[:{S.CONCERNS}]->(e) }}
CALL (a, eid) {{ MATCH (e:{S.PERSON} {{entity_id: eid}}) MERGE (a)-[:{S.CONCERNS}]->(e) }}
"""

_UPDATE = f"""
UNWIND $rows AS row
MATCH (a:{S.ALERT} {{alert_id: row.alert_id}})
SET a += row.props, a.active = true, a.last_run_id = $run_id, a.updated_run_id = $run_id,
    a.updated_at = datetime(), a.resolved_run_id = null, a.resolved_at = null
WITH a, row
MATCH (r:{S.RULE_RUN} {{run_id: $run_id}})
CREATE (a)-[:{S.RAISED_IN}]->(r)
WITH a, row
CALL (a) {{ MATCH (a)-[c:{S.CONCERNS}]->() DELETE c }}
UNWIND row.props.entity_ids AS eid
CALL (a, eid) {{ MATCH (e:{S.COMPANY} {{entity_id: eid}}) MERGE (a)-[:{S.CONCERNS}]->(e) }}
CALL (a, eid) {{ MATCH (e:{S.PERSON} {{entity_id: eid}}) MERGE (a)-[:{S.CONCERNS}]->(e) }}
"""

_SEEN = f"""
UNWIND $ids AS id
MATCH (a:{S.ALERT} {{alert_id: id}})
SET a.last_run_id = $run_id
WITH a
MATCH (r:{S.RULE_RUN} {{run_id: $run_id}})
CREATE (a)-[:{S.RAISED_IN}]->(r)
"""

_RESOLVE = f"""
UNWIND $ids AS id
MATCH (a:{S.ALERT} {{alert_id: id}})
SET a.active = false, a.resolved_run_id = $run_id, a.resolved_at = datetime()
"""


def reconcile(
    driver: Driver,
    database: str,
    *,
    rule_id: str,
    rule_version: str,
    run_id: str,
    findings: Iterable[Finding],
) -> AlertCounts:
    """Write one run's findings of one rule and return the new/changed/unchanged/resolved counts."""
    rows: dict[str, dict[str, Any]] = {}
    for f in findings:
        row = _row(rule_id, rule_version, f)
        rows[row["alert_id"]] = row  # a subject reported twice keeps its last finding
    with driver.session(database=database, notifications_min_severity="OFF") as session:
        # one packed record instead of one Bolt record per alert (10^5 alerts per rule at scale)
        rec = session.run(
            f"MATCH (a:{S.ALERT}) WHERE a.rule_id = $rule_id "
            "RETURN collect([a.alert_id, a.content_hash, a.active]) AS rows",
            rule_id=rule_id,
        ).single()
        existing = {aid: (h, active) for aid, h, active in (rec["rows"] if rec else ())}
        new, changed, reactivated, unchanged = [], [], [], []
        for aid, row in rows.items():
            old = existing.get(aid)
            if old is None:
                new.append(row)
            elif not old[1]:
                reactivated.append(row)
            elif old[0] != row["props"]["content_hash"]:
                changed.append(row)
            else:
                unchanged.append(aid)
        resolved = [aid for aid, (_, active) in existing.items() if active and aid not in rows]
        for chunk in batches(new):
            session.run(_CREATE, rows=chunk, run_id=run_id).consume()
        for chunk in batches(changed + reactivated):
            session.run(_UPDATE, rows=chunk, run_id=run_id).consume()
        for chunk in batches(unchanged, 20000):
            session.run(_SEEN, ids=chunk, run_id=run_id).consume()
        for chunk in batches(resolved, 20000):
            session.run(_RESOLVE, ids=chunk, run_id=run_id).consume()
    return AlertCounts(len(new), len(changed), len(unchanged), len(resolved), len(reactivated))


class TriageError(ValueError):
    """Bad triage request (unknown alert or status); the message is bilingual."""


def triage_alert(
    driver: Driver, alert_id: str, status: str, comment: str | None, user: str, *, database: str = "neo4j"
) -> dict[str, Any]:
    """Set an alert's triage state (open / confirmed / dismissed) with comment, user and time.

    Every decision is also appended to ``triage_history`` (one "status\tuser\ttime\tcomment" string per decision) so earlier decisions stay
    visible. Rule runs never change these fields. Returns the alert's triage fields.
    """
    if status not in TRIAGE_STATUSES:
        raise TriageError(
            f"无效的处理状态 {status!r}，应为 {'/'.join(TRIAGE_STATUSES)} / "
            f"invalid triage status {status!r}; expected one of {', '.join(TRIAGE_STATUSES)}"
        )
    if not user:
        raise TriageError("必须提供处理人 / a user is required for triage")
    with driver.session(database=database, notifications_min_severity="OFF") as session:
        rec = session.run(
            f"""
            MATCH (a:{S.ALERT} {{alert_id: $alert_id}})
            WITH a, datetime() AS now
            SET a.status = $status, a.triage_comment = $comment, a.triaged_by = $user, a.triaged_at = now,
                a.triage_history = coalesce(a.triage_history, [])
                    + [$status + '\t' + $user + '\t' + toString(now) + '\t' + coalesce($comment, '')]
            RETURN a.alert_id AS alert_id, a.status AS status, a.triage_comment AS comment,
                   a.triaged_by AS user, toString(a.triaged_at) AS at
            """,
            alert_id=alert_id,
            status=status,
            comment=comment,
            user=user,
        ).single()
    if rec is None:
        raise TriageError(f"预警不存在：{alert_id} / no such alert: {alert_id}")
    return dict(rec)
