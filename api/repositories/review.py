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
RETURN e.entity_id AS entity_id, e.name AS name, s.record_key AS record_key, d.match_evidence AS evidence,
  COLLECT {{ MATCH (j:{S.REVIEW_JUDGEMENT})-[:{S.JUDGES}]->(s)
            RETURN {{judgement_id: j.judgement_id, verdict: j.verdict, reviewer: j.reviewer,
                    record_id_a: j.record_id_a, record_id_b: j.record_id_b, created_at: j.created_at}} AS x
            ORDER BY x.judgement_id }} AS judgements
ORDER BY s.record_key
"""

#: both records of each pair, wherever they belong (a pair may cross two entities)
RECORDS = f"""
UNWIND $keys AS k
MATCH (s:{S.SOURCE_RECORD} {{record_key: k}})
OPTIONAL MATCH (e)-[d:{S.DERIVED_FROM}]->(s) WHERE e:{S.COMPANY} OR e:{S.PERSON}
WITH s, e, d ORDER BY e.entity_id
WITH s, head(collect({{entity_id: e.entity_id, name: e.name, evidence: d.match_evidence}})) AS owner
RETURN s.record_key AS record_key, s.source AS source, s.kind AS kind, s.source_record_id AS source_record_id,
  s.batch_id AS batch_id, s.source_file AS source_file, s.source_row AS source_row,
  s.ingested_at AS ingested_at, s.payload AS payload, owner.entity_id AS entity_id,
  owner.name AS entity_name, owner.evidence AS match_evidence
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

COUNT_JUDGEMENTS = f"""
MATCH (j:{S.REVIEW_JUDGEMENT}) WHERE $kind IS NULL OR j.kind = $kind
RETURN count(j) AS total, count(CASE WHEN $after IS NOT NULL AND j.judgement_id <= $after THEN 1 END) AS before
"""


def judgement_id(*parts: str) -> str:
    return "J:" + hashlib.sha256("|".join(parts).encode()).hexdigest()[:20]


class ReviewRepository(Neo4jRepository):
    async def pairs(
        self, offset: int, limit: int, pending_only: bool = False
    ) -> tuple[list[dict[str, Any]], int]:
        """One page of grey-zone pairs (ER decision ``review``), ``limit`` pairs from ``offset`` in
        (record a, record b) order, each with both source records and the judgements already made
        on it; and how many pairs the queue holds."""
        rows = await self.read(PAIRS)
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for r in rows:
            ev = parse_json(r["evidence"])
            candidates = ev.get("pairs", []) if isinstance(ev, dict) else []
            for p in candidates:
                if not isinstance(p, dict) or p.get("decision") != "review" or not p.get("other"):
                    continue
                a, b = sorted((r["record_key"], str(p["other"])))
                judged = [j for j in r["judgements"] if (j["record_id_a"], j["record_id_b"]) == (a, b)]
                seen = found.get((a, b))
                if seen is not None:
                    seen["judgements"] = sorted(
                        {j["judgement_id"]: j for j in seen["judgements"] + judged}.values(),
                        key=lambda j: j["judgement_id"],
                    )
                    continue
                found[(a, b)] = {
                    "record_id_a": a,
                    "record_id_b": b,
                    "score": p.get("score"),
                    "rule": p.get("rule"),
                    "entity_id": r["entity_id"],
                    "name": r["name"],
                    "judgements": judged,
                }
        queue = [found[k] for k in sorted(found) if not (pending_only and found[k]["judgements"])]
        page = queue[offset : offset + limit]
        keys = sorted({k for p in page for k in (p["record_id_a"], p["record_id_b"])})
        records = {r["record_key"]: r for r in await self.read(RECORDS, keys=keys)} if keys else {}
        out = []
        for p in page:
            for side in ("a", "b"):
                rec = records.get(p[f"record_id_{side}"])
                if rec is not None:
                    rec = {
                        **rec,
                        "payload": parse_json(rec.get("payload")),
                        "match_evidence": parse_json(rec.get("match_evidence")),
                    }
                p[f"record_{side}"] = rec
            out.append(jsonable(p))
        return out, len(queue)

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

    async def count_judgements(self, after: str | None, kind: str | None) -> tuple[int, int]:
        """How many judgements (of ``kind``) are stored, and how many precede the page after ``after``."""
        row = (await self.read(COUNT_JUDGEMENTS, after=after, kind=kind))[0]
        return int(row["total"]), int(row["before"])
