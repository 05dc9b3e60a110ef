"""Entity-resolution review: grey-zone pairs (from DERIVED_FROM evidence) and reviewer judgements.

Grey-zone pairs are read from ``DERIVED_FROM.match_evidence`` where ingest recorded the ER decision
``review`` for a record (the ER library's review queue); judgements are stored as
``ReviewJudgement`` nodes with the same fields as ``entity_resolution.Judgement`` / ``Split`` so
the next ingest run can read them back and respect them.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from api.repositories.base import Neo4jRepository, jsonable, parse_json
from graph_model import schema as S

PAIRS = f"""
MATCH (e)-[d:{S.DERIVED_FROM}]->(s:{S.SOURCE_RECORD})
WHERE (e:{S.COMPANY} OR e:{S.PERSON}) AND d.match_evidence CONTAINS '"review"'
  AND ($after IS NULL OR s.record_key > $after)
RETURN e.entity_id AS entity_id, e.name AS name, s.record_key AS record_key, d.match_evidence AS evidence,
  COLLECT {{ MATCH (j:{S.REVIEW_JUDGEMENT})-[:{S.JUDGES}]->(s)
            RETURN {{judgement_id: j.judgement_id, verdict: j.verdict, reviewer: j.reviewer,
                    record_id_a: j.record_id_a, record_id_b: j.record_id_b, created_at: j.created_at}} AS x
            ORDER BY x.judgement_id }} AS judgements
ORDER BY s.record_key LIMIT $limit
"""

JUDGE = f"""
MATCH (a:{S.SOURCE_RECORD} {{record_key: $a}}), (b:{S.SOURCE_RECORD} {{record_key: $b}})
CREATE (j:{S.REVIEW_JUDGEMENT} {{judgement_id: $judgement_id, kind: 'pair', record_id_a: $a, record_id_b: $b,
                               verdict: $verdict, reviewer: $reviewer, note: $note, created_at: datetime()}})
CREATE (j)-[:{S.JUDGES}]->(a) CREATE (j)-[:{S.JUDGES}]->(b)
RETURN properties(j) AS j
"""

SPLIT_RECORDS = f"""
CALL () {{ MATCH (e:{S.COMPANY} {{entity_id: $id}}) RETURN e UNION MATCH (e:{S.PERSON} {{entity_id: $id}}) RETURN e }}
MATCH (e)-[:{S.DERIVED_FROM}]->(s:{S.SOURCE_RECORD}) RETURN s.record_key AS k ORDER BY k
"""

SPLIT = f"""
CALL () {{ MATCH (e:{S.COMPANY} {{entity_id: $id}}) RETURN e UNION MATCH (e:{S.PERSON} {{entity_id: $id}}) RETURN e }}
CREATE (j:{S.REVIEW_JUDGEMENT} {{judgement_id: $judgement_id, kind: 'split', entity_id: $id, parts: $parts,
                               reviewer: $reviewer, note: $note, created_at: datetime()}})
CREATE (j)-[:{S.JUDGES}]->(e)
RETURN properties(j) AS j
"""

LIST_JUDGEMENTS = f"""
MATCH (j:{S.REVIEW_JUDGEMENT})
WHERE ($after IS NULL OR j.judgement_id > $after) AND ($kind IS NULL OR j.kind = $kind)
RETURN properties(j) AS j ORDER BY j.judgement_id LIMIT $limit
"""


def judgement_id(*parts: str) -> str:
    return "J:" + hashlib.sha256("|".join(parts).encode()).hexdigest()[:20]


class ReviewRepository(Neo4jRepository):
    async def pairs(
        self, after: str | None, limit: int, pending_only: bool = False
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Grey-zone pairs (ER decision ``review``) from the evidence ingest stored per record, with
        the judgements already made on them; (pairs, last record key read — the cursor position)."""
        rows = await self.read(PAIRS, after=after, limit=limit)
        out: list[dict[str, Any]] = []
        seen: set[tuple[str, str]] = set()
        for r in rows:
            ev = parse_json(r["evidence"])
            candidates = ev.get("pairs", []) if isinstance(ev, dict) else []
            for p in candidates:
                if not isinstance(p, dict) or p.get("decision") != "review" or not p.get("other"):
                    continue
                a, b = sorted((r["record_key"], str(p["other"])))
                if (a, b) in seen:
                    continue
                seen.add((a, b))
                judged = [j for j in r["judgements"] if (j["record_id_a"], j["record_id_b"]) == (a, b)]
                if pending_only and judged:
                    continue
                out.append(
                    jsonable(
                        {
                            "record_id_a": a,
                            "record_id_b": b,
                            "score": p.get("score"),
                            "rule": p.get("rule"),
                            "entity_id": r["entity_id"],
                            "name": r["name"],
                            "judgements": judged,
                        }
                    )
                )
        return out, (rows[-1]["record_key"] if len(rows) == limit else None)

    async def judge(
        self, a: str, b: str, verdict: str, reviewer: str, note: str | None, stamp: str
    ) -> dict[str, Any] | None:
        a, b = sorted((a, b))
        rows = await self.write(
            JUDGE,
            a=a,
            b=b,
            verdict=verdict,
            reviewer=reviewer,
            note=note,
            judgement_id=judgement_id("pair", a, b, reviewer, stamp),
        )
        return jsonable(rows[0]["j"]) if rows else None

    async def entity_records(self, entity_id: str) -> list[str]:
        return [r["k"] for r in await self.read(SPLIT_RECORDS, id=entity_id)]

    async def split(
        self, entity_id: str, parts: list[list[str]], reviewer: str, note: str | None, stamp: str
    ) -> dict[str, Any] | None:
        rows = await self.write(
            SPLIT,
            id=entity_id,
            parts=json.dumps(parts, ensure_ascii=False),
            reviewer=reviewer,
            note=note,
            judgement_id=judgement_id("split", entity_id, reviewer, stamp),
        )
        if not rows:
            return None
        j = jsonable(rows[0]["j"])
        j["parts"] = parse_json(j["parts"])
        return j

    async def judgements(self, after: str | None, kind: str | None, limit: int) -> list[dict[str, Any]]:
        rows = await self.read(LIST_JUDGEMENTS, after=after, kind=kind, limit=limit)
        out = []
        for r in rows:
            j = jsonable(r["j"])
            if "parts" in j:
                j["parts"] = parse_json(j["parts"])
            out.append(j)
        return out
