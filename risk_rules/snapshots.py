"""Snapshots: what the rules found as of a past date, kept beside the live picture.

A run ``--as-of`` a date before today answers "what would the rules have said then?" from the
facts valid on that date. Its results are history, not news, so they never touch the live state:

- its findings become ``SnapshotAlert`` nodes of that date's ``Snapshot`` (no triage fields, no
  ``CONCERNS`` links); live ``Alert`` nodes — their activity, status, comments, triager — stay as
  they are;
- its risk profiles become ``SnapshotProfile`` nodes of the snapshot; the live ``RiskProfile``
  nodes stay;
- its contagion scores are ``RiskScore`` nodes of its run, as every run's are (they were already
  keyed by run and dated);
- it writes no derived fact that describes the current state (``CONTROLS``, groups).

Re-running a rule as of the same date replaces that rule's part of the snapshot (its snapshot
alerts, its scores), so a date holds one answer per rule; the run records (``RuleRun``) are kept as
the audit trail. A run as of today is the live run; a run as of a future date is refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from typing import Any

from neo4j import READ_ACCESS, Driver

from graph_model import schema as S
from risk_rules.alerts import _row, batches
from risk_rules.framework import Finding


class FutureAsOfError(ValueError):
    """An as-of date after today: the facts of that day are not known yet."""


def is_snapshot(as_of: dt.date, today: dt.date) -> bool:
    """Whether a run as of ``as_of`` is a snapshot (a past date) rather than the live run.

    >>> is_snapshot(dt.date(2024, 1, 1), dt.date(2026, 12, 2))
    True
    >>> is_snapshot(dt.date(2026, 12, 2), dt.date(2026, 12, 2))
    False
    """
    if as_of > today:
        raise FutureAsOfError(
            f"截止日期 {as_of} 晚于今天 {today}：未来的事实尚不可知 / "
            f"the as-of date {as_of} is after today ({today}): the facts of a future day are not known yet"
        )
    return as_of < today


def open_snapshot(driver: Driver, database: str, as_of: dt.date) -> None:
    """The ``Snapshot`` node of ``as_of`` (created by the first run of that date)."""
    with driver.session(database=database, notifications_min_severity="OFF") as s:
        s.run(
            f"MERGE (n:{S.SNAPSHOT} {{as_of: $as_of}}) ON CREATE SET n.created_at = datetime(), "
            "n.run_ids = [], n.rule_ids = []",
            as_of=as_of,
        ).consume()


def link_run(driver: Driver, database: str, run_id: str, as_of: dt.date) -> None:
    """Mark a ``RuleRun`` as a snapshot run and attach it to its date's snapshot."""
    with driver.session(database=database, notifications_min_severity="OFF") as s:
        s.run(
            f"MATCH (r:{S.RULE_RUN} {{run_id: $run_id}}) MATCH (n:{S.SNAPSHOT} {{as_of: $as_of}}) "
            f"SET r.snapshot = true MERGE (r)-[:{S.IN_SNAPSHOT}]->(n)",
            run_id=run_id,
            as_of=as_of,
        ).consume()


_EARLIER_RUNS = f"""
MATCH (r:{S.RULE_RUN} {{rule_id: $rule_id}})-[:{S.IN_SNAPSHOT}]->(:{S.SNAPSHOT} {{as_of: $as_of}})
WHERE r.run_id <> $run_id
RETURN collect(r.run_id) AS ids
"""

_CREATE = f"""
UNWIND $rows AS row
MATCH (n:{S.SNAPSHOT} {{as_of: $as_of}})
CREATE (a:{S.SNAPSHOT_ALERT} {{snapshot_alert_id: toString($as_of) + '|' + row.alert_id}})
SET a += row.props, a.alert_id = row.alert_id, a.as_of = $as_of, a.run_id = $run_id
CREATE (a)-[:{S.IN_SNAPSHOT}]->(n)
"""


def write_alerts(
    driver: Driver,
    database: str,
    *,
    as_of: dt.date,
    rule_id: str,
    rule_version: str,
    run_id: str,
    findings: Iterable[Finding],
) -> dict[str, int]:
    """Replace ``rule_id``'s part of the ``as_of`` snapshot by this run's findings and scores.

    Returns ``{"snapshot_alerts": written, "replaced": removed}`` (the removed ones are the
    rule's snapshot alerts of the same date from an earlier run)."""
    rows: dict[str, dict[str, Any]] = {}
    for f in findings:
        row = _row(rule_id, rule_version, f)
        rows[row["alert_id"]] = row  # a subject reported twice keeps its last finding, as live
    with driver.session(database=database, notifications_min_severity="OFF") as s:
        rec = s.run(_EARLIER_RUNS, rule_id=rule_id, as_of=as_of, run_id=run_id).single()
        earlier = list(rec["ids"]) if rec else []
        removed = 0
        while True:
            r = s.run(
                f"MATCH (a:{S.SNAPSHOT_ALERT} {{as_of: $as_of, rule_id: $rule_id}}) "
                "WITH a LIMIT 10000 DETACH DELETE a RETURN count(*) AS n",
                as_of=as_of,
                rule_id=rule_id,
            ).single()
            n = int(r["n"]) if r else 0
            removed += n
            if n == 0:
                break
        if earlier:  # the scores of the runs this one replaces
            s.run(f"MATCH (x:{S.RISK_SCORE}) WHERE x.run_id IN $ids DETACH DELETE x", ids=earlier).consume()
        for chunk in batches(list(rows.values())):
            s.run(_CREATE, rows=chunk, as_of=as_of, run_id=run_id).consume()
    return {"snapshot_alerts": len(rows), "replaced": removed}


def close_snapshot(driver: Driver, database: str, as_of: dt.date) -> dict[str, Any]:
    """Record on the ``Snapshot`` which runs it now holds (the latest completed run of each rule)
    and a digest of their versions and parameters (what :func:`holds` compares)."""
    with driver.session(database=database, notifications_min_severity="OFF") as s:
        runs = latest_runs(s, as_of)
        digest = _digest(runs)
        s.run(
            f"MATCH (n:{S.SNAPSHOT} {{as_of: $as_of}}) SET n.run_ids = $run_ids, n.rule_ids = $rule_ids, "
            "n.config_digest = $digest, n.updated_at = datetime()",
            as_of=as_of,
            run_ids=sorted(r["run_id"] for r in runs.values()),
            rule_ids=sorted(runs),
            digest=digest,
        ).consume()
    return {"as_of": as_of, "rules": sorted(runs), "digest": digest}


def latest_runs(session: Any, as_of: dt.date) -> dict[str, dict[str, Any]]:
    """{rule id: {run_id, rule_version, parameters}} of the latest completed run per rule of the
    ``as_of`` snapshot."""
    out: dict[str, dict[str, Any]] = {}
    for r in session.run(
        f"""
        MATCH (r:{S.RULE_RUN})-[:{S.IN_SNAPSHOT}]->(:{S.SNAPSHOT} {{as_of: $as_of}})
        WHERE r.status = 'completed'
        RETURN r.rule_id AS rule_id, r.run_id AS run_id, r.rule_version AS version, r.parameters AS params
        ORDER BY r.started_at
        """,
        as_of=as_of,
    ):
        out[r["rule_id"]] = {"run_id": r["run_id"], "rule_version": r["version"], "parameters": r["params"]}
    return out


def _digest(runs: dict[str, dict[str, Any]]) -> str:
    payload = json.dumps(
        {k: [v["rule_version"], v["parameters"]] for k, v in sorted(runs.items())}, sort_keys=True
    )
    return hashlib.sha1(payload.encode("utf-8")).hexdigest()


def holds(driver: Driver, database: str, as_of: dt.date, planned: dict[str, tuple[str, str]]) -> bool:
    """Whether the ``as_of`` snapshot already holds a completed run of every planned rule with the
    same version and parameters (``planned`` = {rule id: (version, parameters JSON)}): a backfill
    skips such a date, so running it again changes nothing."""
    with driver.session(
        database=database, default_access_mode=READ_ACCESS, notifications_min_severity="OFF"
    ) as s:
        runs = latest_runs(s, as_of)
    return all(
        rid in runs and (runs[rid]["rule_version"], runs[rid]["parameters"]) == want
        for rid, want in planned.items()
    )
