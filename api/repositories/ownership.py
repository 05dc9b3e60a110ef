"""Upward ownership (holders of holders …) of one company, hop by hop with caps."""

from __future__ import annotations

from typing import Any

from api.repositories.base import Neo4jRepository, jsonable
from graph_model import schema as S

START = f"""
CALL () {{ MATCH (e:{S.COMPANY} {{entity_id: $id}}) RETURN e UNION MATCH (e:{S.PERSON} {{entity_id: $id}}) RETURN e }}
RETURN elementId(e) AS eid, e:{S.COMPANY} AS is_company, e.name AS name
"""

HOLDERS = f"""
UNWIND $eids AS eid
MATCH (h)-[s:{S.HOLDS_SHARES}]->(c) WHERE elementId(c) = eid AND s.valid_to IS NULL
RETURN elementId(h) AS hid, h.entity_id AS holder, h:{S.PERSON} AS is_person, h.name AS holder_name,
       c.entity_id AS company, s.pct AS pct
ORDER BY company, holder
"""

OFFICERS = f"""
UNWIND $eids AS eid
MATCH (p:{S.PERSON})-[r:{S.HOLDS_POSITION}]->(c) WHERE elementId(c) = eid AND r.valid_to IS NULL
RETURN p.entity_id AS person, c.entity_id AS company, r.role AS role ORDER BY company, person, role
"""

FAMILY = f"""
UNWIND $ids AS id
MATCH (a:{S.PERSON} {{entity_id: id}})-[f:{S.FAMILY_OF}]-(b:{S.PERSON})
RETURN a.entity_id AS a, b.entity_id AS b, f.relation AS relation ORDER BY a, b
"""

CONTROLS_IN = f"""
CALL () {{ MATCH (e:{S.COMPANY} {{entity_id: $id}}) RETURN e }}
MATCH (c)-[r:{S.CONTROLS}]->(e)
RETURN c.entity_id AS controller, c.name AS name, r.share AS share, r.basis AS basis, r.chain AS chain,
       r.run_id AS run_id ORDER BY controller
"""


class OwnershipRepository(Neo4jRepository):
    async def start(self, entity_id: str) -> dict[str, Any] | None:
        rows = await self.read(START, id=entity_id)
        return rows[0] if rows else None

    async def upward(
        self, eid: str, max_hops: int, max_edges: int
    ) -> tuple[list[dict[str, Any]], bool, list[str]]:
        """Holder edges up to ``max_hops`` layers; whether capped; element ids of the companies seen."""
        edges: list[dict[str, Any]] = []
        seen = {eid}
        frontier = [eid]
        truncated = False
        for _ in range(max_hops):
            if not frontier:
                break
            rows = await self.read(HOLDERS, eids=frontier)
            frontier = []
            for r in rows:
                if len(edges) >= max_edges:
                    truncated = True
                    break
                edges.append(r)
                if not r["is_person"] and r["hid"] not in seen:
                    seen.add(r["hid"])
                    frontier.append(r["hid"])
        if frontier:
            truncated = True
        return edges, truncated, sorted(seen)

    async def officers(self, eids: list[str]) -> list[dict[str, Any]]:
        return await self.read(OFFICERS, eids=eids)

    async def family(self, ids: list[str]) -> list[dict[str, Any]]:
        return await self.read(FAMILY, ids=sorted(ids))

    async def controls_in(self, entity_id: str) -> list[dict[str, Any]]:
        return jsonable(await self.read(CONTROLS_IN, id=entity_id))
