"""What came within reach of listed entities since a date, and what left (for supervisors).

Compares two RiskScore snapshots of the blacklist-contagion rule: the latest completed run, and
the latest completed run whose as-of date is on or before ``since``. :func:`spread_trend` gives the
same counts for every as-of date the rule ran for (live runs and the snapshots a backfill writes). An entity is "within reach"
in a snapshot when it has a score there above ``threshold`` (snapshots already keep only entities
at or above the rule's snapshot level).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from neo4j import READ_ACCESS, Driver

from graph_model import schema as S
from risk_rules.algorithms import diff_snapshots

CONTAGION_RULE = "contagion.blacklist"


def _run(session, before: dt.date | None) -> dict[str, Any] | None:
    rec = session.run(
        f"""
        MATCH (r:{S.RULE_RUN} {{rule_id: $rule}})
        WHERE r.status = 'completed' AND ($before IS NULL OR r.as_of <= $before)
        RETURN r.run_id AS run_id, r.as_of AS as_of, toString(r.finished_at) AS finished_at
        ORDER BY r.as_of DESC, r.started_at DESC LIMIT 1
        """,
        rule=CONTAGION_RULE,
        before=before,
    ).single()
    return dict(rec) if rec else None


def _scores(session, run_id: str | None) -> dict[str, dict[str, Any]]:
    if run_id is None:
        return {}
    return {
        r["id"]: {
            "score": r["score"],
            "hops": r["hops"],
            "paths": json.loads(r["paths"] or "[]"),
            "name": r["name"],
        }
        for r in session.run(
            f"""
            MATCH (e)-[:{S.SCORED}]->(s:{S.RISK_SCORE})
            WHERE s.run_id = $run_id AND NOT coalesce(s.is_seed, false)
            RETURN s.entity_id AS id, s.score AS score, s.hops AS hops, s.paths AS paths, e.name AS name
            """,
            run_id=run_id,
        )
    }


def reach_diff(
    driver: Driver, since_date: dt.date | str, *, threshold: float = 0.0, database: str = "neo4j"
) -> dict[str, Any]:
    """Entities newly within reach since ``since_date`` and those no longer within reach.

    Returns ``{current_run, baseline_run, newly_reached: [...], no_longer_reached: [...],
    still_reached}``; each entity row has ``entity_id, name, score, hops, paths`` (paths from the
    snapshot in which it is reached). ``baseline_run`` is None when no run is that old — then
    everything currently reached counts as new, and the answer says so.
    """
    since = dt.date.fromisoformat(since_date) if isinstance(since_date, str) else since_date
    with driver.session(
        database=database, default_access_mode=READ_ACCESS, notifications_min_severity="OFF"
    ) as session:
        current = _run(session, None)
        if current is None:
            raise LookupError(
                "尚无黑名单传染规则的运行结果 / the blacklist-contagion rule has not run yet (riskgraph rules run)"
            )
        baseline = _run(session, since)
        if baseline and baseline["run_id"] == current["run_id"]:
            baseline_scores = new_scores = _scores(session, current["run_id"])
        else:
            new_scores = _scores(session, current["run_id"])
            baseline_scores = _scores(session, baseline["run_id"] if baseline else None)
    d = diff_snapshots(
        {k: v["score"] for k, v in baseline_scores.items()},
        {k: v["score"] for k, v in new_scores.items()},
        threshold,
    )

    def rows(pairs, source) -> list[dict[str, Any]]:
        return [{"entity_id": e, **source[e], "score": score} for e, score in pairs]

    for run in (current, baseline):
        if run:
            run["as_of"] = str(run["as_of"])
    return {
        "since": since.isoformat(),
        "current_run": current,
        "baseline_run": baseline,
        "threshold": threshold,
        "newly_reached": rows(d.newly_reached, new_scores),
        "no_longer_reached": rows(d.no_longer_reached, baseline_scores),
        "still_reached": d.still_reached,
    }


_RUNS_BY_DATE = f"""
MATCH (r:{S.RULE_RUN} {{rule_id: $rule}}) WHERE r.status = 'completed'
WITH r ORDER BY r.started_at DESC
WITH r.as_of AS as_of, collect(r)[0] AS r
RETURN as_of, r.run_id AS run_id, coalesce(r.snapshot, false) AS snapshot,
  COLLECT {{ MATCH (s:{S.RISK_SCORE}) WHERE s.run_id = r.run_id AND coalesce(s.is_seed, false)
            RETURN s.entity_id }} AS listed,
  COLLECT {{ MATCH (s:{S.RISK_SCORE}) WHERE s.run_id = r.run_id AND NOT coalesce(s.is_seed, false)
              AND s.score > $threshold RETURN s.entity_id }} AS reached
ORDER BY as_of
"""


def spread_trend(driver: Driver, *, threshold: float = 0.0, database: str = "neo4j") -> list[dict[str, Any]]:
    """Per as-of date the contagion rule ran for (its latest completed run of that date), oldest
    first: ``{as_of, run_id, source: "snapshot"|"live", listed, reached, newly_reached,
    no_longer_reached}`` — listed entities, entities within reach (score above ``threshold``), and
    the change against the previous date (the first date counts everything reached as new)."""
    with driver.session(
        database=database, default_access_mode=READ_ACCESS, notifications_min_severity="OFF"
    ) as session:
        rows = [dict(r) for r in session.run(_RUNS_BY_DATE, rule=CONTAGION_RULE, threshold=threshold)]
    out: list[dict[str, Any]] = []
    previous: dict[str, float] = {}
    for r in rows:
        reached = dict.fromkeys(r["reached"], 1.0)
        d = diff_snapshots(previous, reached, threshold=0.0)
        out.append(
            {
                "as_of": str(r["as_of"]),
                "run_id": r["run_id"],
                "source": "snapshot" if r["snapshot"] else "live",
                "listed": len(set(r["listed"])),
                "reached": len(reached),
                "newly_reached": len(d.newly_reached),
                "no_longer_reached": len(d.no_longer_reached),
            }
        )
        previous = reached
    return out
