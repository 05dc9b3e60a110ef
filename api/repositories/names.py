"""Display names of entity ids, in one round trip: what every rendered text puts beside an id."""

from __future__ import annotations

from api.repositories.base import Neo4jRepository
from graph_model import schema as S

#: at most this many ids are named per response (a text names far fewer; the rest keep their id)
MAX_IDS = 5000

NAMES = f"""
UNWIND $ids AS id
CALL (id) {{
  MATCH (e:{S.COMPANY} {{entity_id: id}}) RETURN e.name AS name, 'company' AS kind
  UNION
  MATCH (e:{S.PERSON} {{entity_id: id}}) RETURN e.name AS name, 'person' AS kind
}}
RETURN id, name, kind
"""


class NameRepository(Neo4jRepository):
    async def names(self, ids: list[str]) -> dict[str, str | None]:
        """``{id: name}`` of the ids that are companies or persons in the graph."""
        if not ids:
            return {}
        rows = await self.read(NAMES, ids=sorted(set(ids))[:MAX_IDS])
        return {r["id"]: r["name"] for r in rows}
