"""What the loan-file report reads beside the check: the provenance of its subjects' records."""

from __future__ import annotations

from typing import Any

from api.repositories.base import Neo4jRepository, jsonable
from graph_model import schema as S

PROVENANCE = f"""
UNWIND $ids AS id
CALL (id) {{ MATCH (e:{S.COMPANY} {{entity_id: id}}) RETURN e UNION MATCH (e:{S.PERSON} {{entity_id: id}}) RETURN e }}
MATCH (e)-[:{S.DERIVED_FROM}]->(s:{S.SOURCE_RECORD})
WITH s.source AS source, s.batch_id AS batch_id, count(DISTINCT s) AS records, max(s.ingested_at) AS ingested_at
OPTIONAL MATCH (b:{S.BATCH} {{batch_id: batch_id}})
RETURN source, batch_id, records, coalesce(b.finished_at, b.started_at, ingested_at) AS ingested_at
ORDER BY ingested_at DESC, source, batch_id LIMIT $limit
"""


class ReportRepository(Neo4jRepository):
    async def provenance(self, ids: list[str], limit: int = 20) -> list[dict[str, Any]]:
        """Sources and batches of the records behind ``ids``, newest first."""
        if not ids:
            return []
        return list(jsonable(await self.read(PROVENANCE, ids=sorted(set(ids)), limit=limit)))
