"""The stored risk profile of an entity with its written group, for the read-only group view."""

from __future__ import annotations

from typing import Any

from api.repositories.base import Neo4jRepository, jsonable, parse_json
from graph_model import schema as S
from risk_rules.findings.store import PROFILE_RULE_ID

#: (two MATCH clauses: in one pattern the entity's own MEMBER_OF link could not be used twice, and the
#: entity would be missing from its group's members)
GROUP_PROFILE = f"""
CALL () {{ MATCH (e:{S.COMPANY} {{entity_id: $id}}) RETURN e UNION MATCH (e:{S.PERSON} {{entity_id: $id}}) RETURN e }}
RETURN e.entity_id AS entity_id,
  COLLECT {{ MATCH (e)-[:{S.HAS_PROFILE}]->(p:{S.RISK_PROFILE}) RETURN p.body AS x }} AS profile,
  COLLECT {{ MATCH (e)-[:{S.MEMBER_OF}]->(g:{S.GROUP}) MATCH (m)-[:{S.MEMBER_OF}]->(g)
            RETURN [g.group_id, g.name, g.run_id, m.entity_id] AS x ORDER BY x LIMIT 4001 }} AS groups,
  COLLECT {{ MATCH (r:{S.RULE_RUN} {{rule_id: '{PROFILE_RULE_ID}'}}) WHERE r.status = 'completed'
            RETURN [r.run_id, toString(r.as_of)] AS x ORDER BY r.started_at DESC LIMIT 1 }} AS run
"""

#: the group once and whole, as the profile run wrote it
GROUP_BODY = f"MATCH (g:{S.GROUP_PROFILE} {{group_id: $id}}) RETURN g.body AS body"


class GroupRepository(Neo4jRepository):
    async def profile(self, entity_id: str) -> dict[str, Any] | None:
        """The entity's stored profile body (None inside when no run reached it), its group's whole
        profile (``group``), the groups the group rule wrote with their members, and the latest
        profile run; None when there is no such entity."""
        rows = await self.read(GROUP_PROFILE, id=entity_id)
        if not rows:
            return None
        r = rows[0]
        written: dict[str, dict[str, Any]] = {}
        for gid, name, run_id, member in r["groups"]:
            g = written.setdefault(gid, {"group_id": gid, "name": name, "run_id": run_id, "members": []})
            g["members"].append(member)
        run = r["run"][0] if r["run"] else None
        body = parse_json(r["profile"][0]) if r["profile"] else None
        whole = None
        gid = ((body or {}).get("group") or {}).get("group_id")
        if gid:
            found = await self.read(GROUP_BODY, id=gid)
            whole = parse_json(found[0]["body"]) if found else None
        return jsonable(
            {
                "entity_id": r["entity_id"],
                "body": body,
                "group": whole,
                "written": list(written.values()),
                "run_id": run[0] if run else None,
                "as_of": run[1] if run else None,
            }
        )
