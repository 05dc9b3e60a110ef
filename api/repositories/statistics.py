"""Portfolio statistics by bank branch, industry and region; alerts by rule and status over time.

Each function is one aggregate Cypher query returning plain rows, so the same rows serve the JSON
answer and the CSV export. A missing dimension value is reported as ``null`` (not dropped), so the
totals add up to the whole portfolio.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from api.repositories.base import Neo4jRepository, jsonable
from graph_model import schema as S

PERIODS = ("day", "week", "month", "quarter", "year")
_PROP = {"branch": "bank_branch", "industry": "industry", "region": "region"}

ENTITIES = {
    "branch": f"""
        CALL () {{
          MATCH (c:{S.COMPANY}) RETURN c.bank_branch AS value, 1 AS company, 0 AS person
          UNION ALL
          MATCH (p:{S.PERSON}) RETURN p.bank_branch AS value, 0 AS company, 1 AS person
        }}
        RETURN value, sum(company) AS companies, sum(person) AS persons, sum(company) + sum(person) AS entities
        ORDER BY entities DESC, value
    """,
    **{
        dim: f"""
        MATCH (c:{S.COMPANY})
        RETURN c.{prop} AS value, count(*) AS companies, count(*) AS entities,
               sum(CASE WHEN coalesce(c.is_branch, false) THEN 1 ELSE 0 END) AS branch_offices
        ORDER BY entities DESC, value
        """
        for dim, prop in (("industry", "industry"), ("region", "region"))
    },
}


def _exposures(dim: str) -> str:
    value = "coalesce(l.bank_branch, b.bank_branch)" if dim == "branch" else f"b.{_PROP[dim]}"
    return f"""
        MATCH (b)-[:{S.BORROWED}]->(l:{S.LOAN})
        WHERE (b:{S.COMPANY} OR b:{S.PERSON}) AND coalesce(l.status, 'normal') <> 'closed'
        WITH {value} AS value, l, b, coalesce(l.balance, l.amount, 0.0) AS bal
        RETURN value, count(DISTINCT l) AS loans, count(DISTINCT b) AS borrowers, sum(bal) AS balance,
               sum(coalesce(l.amount, 0.0)) AS amount,
               sum(CASE WHEN l.status = 'overdue' THEN bal ELSE 0.0 END) AS overdue_balance,
               sum(CASE WHEN l.status = 'defaulted' THEN bal ELSE 0.0 END) AS defaulted_balance
        ORDER BY balance DESC, value
    """


def _alerts(dim: str) -> str:
    return f"""
        MATCH (a:{S.ALERT})-[:{S.CONCERNS}]->(e)
        WHERE coalesce(a.active, true) AND (e:{S.COMPANY} OR e:{S.PERSON})
        WITH a, collect(DISTINCT [e.{_PROP[dim]}]) AS values  // wrapped: a null value is kept as [null]
        UNWIND values AS wrapped
        WITH wrapped[0] AS value, a
        RETURN value, count(DISTINCT a) AS alerts,
          count(DISTINCT CASE WHEN a.status = 'open' THEN a END) AS open,
          count(DISTINCT CASE WHEN a.status = 'confirmed' THEN a END) AS confirmed,
          count(DISTINCT CASE WHEN a.status = 'dismissed' THEN a END) AS dismissed,
          count(DISTINCT CASE WHEN a.severity = 'critical' THEN a END) AS critical,
          count(DISTINCT CASE WHEN a.severity = 'high' THEN a END) AS high,
          count(DISTINCT CASE WHEN a.severity = 'medium' THEN a END) AS medium,
          count(DISTINCT CASE WHEN a.severity = 'low' THEN a END) AS low
        ORDER BY alerts DESC, value
    """


ALERT_TIMELINE = f"""
CALL () {{
  MATCH (a:{S.ALERT}) WHERE a.created_at IS NOT NULL
    AND ($since IS NULL OR date(a.created_at) >= date($since)) AND ($until IS NULL OR date(a.created_at) <= date($until))
    AND ($rule_id IS NULL OR a.rule_id = $rule_id)
  RETURN toString(date.truncate($period, a.created_at)) AS period, a.rule_id AS rule_id, 'raised' AS event,
         a.status AS status
  UNION ALL
  MATCH (a:{S.ALERT}) WHERE a.resolved_at IS NOT NULL AND NOT coalesce(a.active, true)
    AND ($since IS NULL OR date(a.resolved_at) >= date($since)) AND ($until IS NULL OR date(a.resolved_at) <= date($until))
    AND ($rule_id IS NULL OR a.rule_id = $rule_id)
  RETURN toString(date.truncate($period, a.resolved_at)) AS period, a.rule_id AS rule_id, 'resolved' AS event,
         a.status AS status
  UNION ALL
  MATCH (a:{S.ALERT}) WHERE a.triaged_at IS NOT NULL
    AND ($since IS NULL OR date(a.triaged_at) >= date($since)) AND ($until IS NULL OR date(a.triaged_at) <= date($until))
    AND ($rule_id IS NULL OR a.rule_id = $rule_id)
  RETURN toString(date.truncate($period, a.triaged_at)) AS period, a.rule_id AS rule_id, 'triaged' AS event,
         a.status AS status
}}
RETURN period, rule_id,
  sum(CASE WHEN event = 'raised' THEN 1 ELSE 0 END) AS raised,
  sum(CASE WHEN event = 'raised' AND status = 'open' THEN 1 ELSE 0 END) AS raised_still_open,
  sum(CASE WHEN event = 'resolved' THEN 1 ELSE 0 END) AS resolved,
  sum(CASE WHEN event = 'triaged' AND status = 'confirmed' THEN 1 ELSE 0 END) AS confirmed,
  sum(CASE WHEN event = 'triaged' AND status = 'dismissed' THEN 1 ELSE 0 END) AS dismissed
ORDER BY period, rule_id
"""

ALERT_STATUS = f"""
MATCH (a:{S.ALERT}) WHERE $rule_id IS NULL OR a.rule_id = $rule_id
RETURN a.rule_id AS rule_id, a.status AS status, coalesce(a.active, true) AS active, count(*) AS alerts
ORDER BY rule_id, status, active DESC
"""


class StatisticsRepository(Neo4jRepository):
    async def entities(self, by: str) -> list[dict[str, Any]]:
        return jsonable(await self.read(ENTITIES[by]))

    async def exposures(self, by: str) -> list[dict[str, Any]]:
        return jsonable(await self.read(_exposures(by)))

    async def alerts(self, by: str) -> list[dict[str, Any]]:
        return jsonable(await self.read(_alerts(by)))

    async def alert_timeline(
        self, period: str, since: str | None, until: str | None, rule_id: str | None
    ) -> list[dict[str, Any]]:
        return jsonable(
            await self.read(ALERT_TIMELINE, period=period, since=since, until=until, rule_id=rule_id)
        )

    async def alert_status(self, rule_id: str | None) -> list[dict[str, Any]]:
        return jsonable(await self.read(ALERT_STATUS, rule_id=rule_id))


def to_csv(rows: list[dict[str, Any]], columns: list[str] | None = None) -> str:
    """Rows as CSV (UTF-8 with BOM so that Excel opens Chinese text correctly)."""
    cols = columns or (list(rows[0]) if rows else [])
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: ("" if r.get(k) is None else r.get(k)) for k in cols})
    return "\ufeff" + buf.getvalue()
