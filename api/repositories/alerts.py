"""Alerts, guarantee circles (alerts of the circle rule), rule runs, groups."""

from __future__ import annotations

from typing import Any

from api.repositories.base import Neo4jRepository, jsonable, parse_json
from graph_model import schema as S

CIRCLE_RULE = "guarantee.circle"

_ALERT_FIELDS = """
  alert_id: a.alert_id, rule_id: a.rule_id, rule_version: a.rule_version, severity: a.severity,
  status: a.status, active: a.active, entity_ids: a.entity_ids, explanation_zh: a.explanation_zh,
  explanation_en: a.explanation_en, first_run_id: a.first_run_id, last_run_id: a.last_run_id,
  triaged_by: a.triaged_by, triage_comment: a.triage_comment, triaged_at: a.triaged_at
"""

_ALERT_MATCH = f"""
CALL () {{
  WITH 1 AS x WHERE $entity_id IS NULL
  MATCH (a:{S.ALERT}) RETURN a
  UNION
  WITH 1 AS x WHERE $entity_id IS NOT NULL
  CALL () {{ MATCH (e:{S.COMPANY} {{entity_id: $entity_id}}) RETURN e
    UNION MATCH (e:{S.PERSON} {{entity_id: $entity_id}}) RETURN e }}
  MATCH (a:{S.ALERT})-[:{S.CONCERNS}]->(e) RETURN a
}}
WITH a WHERE ($status IS NULL OR a.status = $status) AND ($severity IS NULL OR a.severity = $severity)
  AND ($rule_id IS NULL OR a.rule_id = $rule_id) AND ($active IS NULL OR coalesce(a.active, true) = $active)
  AND ($branch IS NULL OR EXISTS {{ MATCH (a)-[:{S.CONCERNS}]->(c) WHERE c.bank_branch = $branch }})
"""

#: the worst first: severity (critical … low), then the newest, then the id (a total order for paging)
LIST_ALERTS = f"""
{_ALERT_MATCH}
WITH a, CASE a.severity WHEN 'critical' THEN 4 WHEN 'high' THEN 3 WHEN 'medium' THEN 2 WHEN 'low' THEN 1
  ELSE 0 END AS rank, toString(coalesce(a.updated_at, a.created_at, '')) AS at
RETURN a {{ {_ALERT_FIELDS}, evidence: a.evidence, created_at: toString(a.created_at),
  updated_at: toString(a.updated_at) }} AS alert
ORDER BY rank DESC, at DESC, a.alert_id SKIP $offset LIMIT $limit
"""

COUNT_ALERTS = f"""
{_ALERT_MATCH}
RETURN count(a) AS n
"""

GET_ALERT = f"""
MATCH (a:{S.ALERT} {{alert_id: $alert_id}})
RETURN a {{ {_ALERT_FIELDS}, evidence: a.evidence, triage_history: a.triage_history }} AS alert,
  COLLECT {{ MATCH (a)-[:{S.RAISED_IN}]->(r:{S.RULE_RUN}) RETURN r.run_id AS x ORDER BY x }} AS runs
"""

TRIAGE = f"""
MATCH (a:{S.ALERT} {{alert_id: $alert_id}})
SET a.status = $status, a.triage_comment = $comment, a.triaged_by = $user, a.triaged_at = datetime()
RETURN a.alert_id AS alert_id, a.status AS status, a.triage_comment AS comment, a.triaged_by AS user,
       toString(a.triaged_at) AS at
"""

LIST_CIRCLES = f"""
MATCH (a:{S.ALERT} {{rule_id: $rule}})
WHERE coalesce(a.active, true) AND ($after IS NULL OR a.alert_id > $after)
  AND ($min_size IS NULL OR size(a.entity_ids) >= $min_size)
RETURN a.alert_id AS alert_id, a.evidence AS evidence, a.severity AS severity, a.status AS status,
       a.entity_ids AS members
ORDER BY a.alert_id LIMIT $limit
"""

#: how many active circles pass the filters, and how many of them come at or before the cursor
COUNT_CIRCLES = f"""
MATCH (a:{S.ALERT} {{rule_id: $rule}})
WHERE coalesce(a.active, true) AND ($min_size IS NULL OR size(a.entity_ids) >= $min_size)
RETURN count(a) AS total, count(CASE WHEN $after IS NOT NULL AND a.alert_id <= $after THEN 1 END) AS before
"""

CIRCLE_EDGES = f"""
UNWIND $ids AS id
CALL (id) {{ MATCH (e:{S.COMPANY} {{entity_id: id}}) RETURN e UNION MATCH (e:{S.PERSON} {{entity_id: id}}) RETURN e }}
MATCH (e)-[g:{S.GUARANTEES}]->(b) WHERE b.entity_id IN $ids
RETURN e.entity_id AS guarantor, b.entity_id AS borrower, g.contract_id AS contract_id, g.amount AS amount,
       g.loan_id AS loan_id
ORDER BY guarantor, borrower, contract_id
"""

MEMBER_FACTS = f"""
UNWIND $ids AS id
CALL (id) {{ MATCH (e:{S.COMPANY} {{entity_id: id}}) RETURN e UNION MATCH (e:{S.PERSON} {{entity_id: id}}) RETURN e }}
RETURN e.entity_id AS entity_id, e.name AS name, e.net_assets AS net_assets, e.status AS status,
  COLLECT {{ MATCH (e)-[:{S.BORROWED}]->(l:{S.LOAN}) WHERE coalesce(l.status, 'normal') <> 'closed'
            RETURN {{loan_id: l.loan_id, balance: l.balance, status: l.status}} AS x ORDER BY x.loan_id }} AS loans,
  EXISTS {{ (e)-[:{S.LISTED_AS}]->(b:{S.BLACKLIST_ENTRY}) WHERE b.removal_date IS NULL }} AS listed
ORDER BY entity_id
"""

LIST_RUNS = f"""
MATCH (r:{S.RULE_RUN})
WHERE ($rule_id IS NULL OR r.rule_id = $rule_id) AND ($status IS NULL OR r.status = $status)
  AND ($after IS NULL OR r.run_id < $after)
RETURN properties(r) AS run ORDER BY r.run_id DESC LIMIT $limit
"""

#: newest first: the runs at or before the cursor are those with a run id at least the cursor's
COUNT_RUNS = f"""
MATCH (r:{S.RULE_RUN})
WHERE ($rule_id IS NULL OR r.rule_id = $rule_id) AND ($status IS NULL OR r.status = $status)
RETURN count(r) AS total, count(CASE WHEN $after IS NOT NULL AND r.run_id >= $after THEN 1 END) AS before
"""

GET_RUN = f"""
MATCH (r:{S.RULE_RUN} {{run_id: $run_id}})
RETURN properties(r) AS run, COUNT {{ (:{S.ALERT})-[:{S.RAISED_IN}]->(r) }} AS alerts
"""

GET_GROUP = f"""
MATCH (g:{S.GROUP} {{group_id: $group_id}})
RETURN properties(g) AS g,
  COLLECT {{ MATCH (m)-[r:{S.MEMBER_OF}]->(g)
            RETURN {{entity_id: m.entity_id, name: m.name, reason: r.reason}} AS x ORDER BY x.entity_id LIMIT 2000 }}
    AS members
"""

GROUP_OF = f"""
CALL () {{ MATCH (e:{S.COMPANY} {{entity_id: $id}}) RETURN e UNION MATCH (e:{S.PERSON} {{entity_id: $id}}) RETURN e }}
MATCH (e)-[:{S.MEMBER_OF}]->(g:{S.GROUP}) RETURN g.group_id AS group_id ORDER BY group_id
"""


def _alert(row: dict[str, Any]) -> dict[str, Any]:
    a = dict(row)
    if "evidence" in a:
        a["evidence"] = parse_json(a["evidence"])
    return jsonable(a)


class AlertRepository(Neo4jRepository):
    async def list_alerts(
        self, *, status, severity, rule_id, entity_id, active, branch, offset, limit
    ) -> tuple[list[dict[str, Any]], int]:
        """(one page of alerts, worst and newest first; how many alerts match the filters)."""
        filters = {
            "status": status,
            "severity": severity,
            "rule_id": rule_id,
            "entity_id": entity_id,
            "active": active,
            "branch": branch,
        }
        rows = await self.read(LIST_ALERTS, **filters, offset=offset, limit=limit)
        total = await self.read(COUNT_ALERTS, **filters)
        return [_alert(r["alert"]) for r in rows], int(total[0]["n"]) if total else 0

    async def get(self, alert_id: str) -> dict[str, Any] | None:
        rows = await self.read(GET_ALERT, alert_id=alert_id)
        if not rows:
            return None
        return {**_alert(rows[0]["alert"]), "runs": rows[0]["runs"]}

    async def triage_fallback(
        self, alert_id: str, status: str, comment: str | None, user: str
    ) -> dict[str, Any] | None:
        rows = await self.write(TRIAGE, alert_id=alert_id, status=status, comment=comment, user=user)
        return rows[0] if rows else None

    async def circles(self, after: str | None, limit: int, min_size: int | None) -> list[dict[str, Any]]:
        rows = await self.read(LIST_CIRCLES, rule=CIRCLE_RULE, after=after, limit=limit, min_size=min_size)
        out = []
        for r in rows:
            ev = parse_json(r["evidence"]) or {}
            out.append(
                jsonable(
                    {
                        "circle_id": ev.get("circle_id"),
                        "alert_id": r["alert_id"],
                        "members": sorted(r["members"] or []),
                        "size": len(r["members"] or []),
                        "edge_count": ev.get("edge_count"),
                        "internal_amount": ev.get("internal_amount"),
                        "severity": r["severity"],
                        "status": r["status"],
                    }
                )
            )
        return out

    async def count_circles(self, after: str | None, min_size: int | None) -> tuple[int, int]:
        """How many active circles have at least ``min_size`` members, and how many of them precede
        the page after ``after`` (its offset)."""
        row = (await self.read(COUNT_CIRCLES, rule=CIRCLE_RULE, after=after, min_size=min_size))[0]
        return int(row["total"]), int(row["before"])

    async def circle_edges(self, ids: list[str]) -> list[dict[str, Any]]:
        return jsonable(await self.read(CIRCLE_EDGES, ids=sorted(ids)))

    async def member_facts(self, ids: list[str]) -> list[dict[str, Any]]:
        return jsonable(await self.read(MEMBER_FACTS, ids=sorted(ids)))

    async def runs(self, rule_id, status, after, limit) -> list[dict[str, Any]]:
        rows = await self.read(LIST_RUNS, rule_id=rule_id, status=status, after=after, limit=limit)
        return [
            jsonable(
                {
                    **r["run"],
                    "parameters": parse_json(r["run"].get("parameters")),
                    "counts": parse_json(r["run"].get("counts")),
                }
            )
            for r in rows
        ]

    async def count_runs(self, rule_id: str | None, status: str | None, after: str | None) -> tuple[int, int]:
        """How many runs pass the filters, and how many precede the page after ``after``."""
        row = (await self.read(COUNT_RUNS, rule_id=rule_id, status=status, after=after))[0]
        return int(row["total"]), int(row["before"])

    async def run(self, run_id: str) -> dict[str, Any] | None:
        rows = await self.read(GET_RUN, run_id=run_id)
        if not rows:
            return None
        r = rows[0]["run"]
        return jsonable(
            {
                **r,
                "parameters": parse_json(r.get("parameters")),
                "counts": parse_json(r.get("counts")),
                "alerts": rows[0]["alerts"],
            }
        )

    async def group(self, group_id: str) -> dict[str, Any] | None:
        rows = await self.read(GET_GROUP, group_id=group_id)
        if not rows:
            return None
        return jsonable({**rows[0]["g"], "members": rows[0]["members"]})

    async def groups_of(self, entity_id: str) -> list[str]:
        return [r["group_id"] for r in await self.read(GROUP_OF, id=entity_id)]
