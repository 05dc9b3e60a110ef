"""The pre-loan check's reads: the applicant with its profile and own facts in one indexed trip.

``APPLICANT`` resolves by keys (one index seek per key) and returns, for each match, its own
facts (open loans, listings valid today, deduplicated), its risk profile, the rule-written group
it belongs to, the open alerts about it, the latest completed profile run, the ingest batches
started since that run and the open disputes (when there are few; :data:`DISPUTES_PREFETCH`) —
everything the check needs in one round trip unless the profile is stale.
Names resolve through ``NAME_CANDIDATES`` (exact name or normalized name, indexed; otherwise
the fulltext index over names and recorded name variants).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from api.repositories.base import Neo4jRepository, jsonable
from api.repositories.disputes import OPEN_DISPUTES
from api.repositories.entities import lucene_escape, normalize_name
from entity_resolution.normalize import company_name
from graph_model import schema as S
from risk_rules.findings.profile import PROFILE_ROWS
from risk_rules.findings.store import PROFILE_RULE_ID
from risk_rules.projection import listing_active

_KEYS = f"""
CALL () {{
  MATCH (e:{S.COMPANY} {{uscc: $uscc}}) RETURN e
  UNION MATCH (e:{S.COMPANY} {{entity_id: $entity_id}}) RETURN e
  UNION MATCH (e:{S.PERSON} {{id_number: $ric}}) RETURN e
  UNION MATCH (e:{S.PERSON} {{entity_id: $entity_id}}) RETURN e
}}
"""

#: open disputes read with the applicant; when there are more, the check asks for its own (a second read)
DISPUTES_PREFETCH = 50

APPLICANT = f"""
{_KEYS}
CALL () {{
  OPTIONAL MATCH (r:{S.RULE_RUN} {{rule_id: '{PROFILE_RULE_ID}'}}) WHERE r.status = 'completed'
  WITH r ORDER BY r.started_at DESC LIMIT 1
  RETURN r.run_id AS run_id, r.as_of AS run_as_of,
    COLLECT {{ MATCH (b:{S.BATCH}) WHERE b.started_at > r.started_at RETURN b.batch_id AS id ORDER BY id }} AS fresh
}}
WITH e, run_id, run_as_of, fresh
RETURN e.entity_id AS entity_id, e:{S.COMPANY} AS is_company, e.name AS name, e.uscc AS uscc,
  e.id_number AS id_number, e.region AS region, e.status AS status, e.birth_date AS birth_date,
  COLLECT {{ MATCH (e)-[:{S.BORROWED}]->(l:{S.LOAN}) WHERE coalesce(l.status, 'normal') <> 'closed'
            RETURN [l.loan_id, coalesce(l.balance, l.amount, 0.0), l.status] AS x ORDER BY x }} AS loans,
  COLLECT {{ MATCH (e)-[:{S.LISTED_AS}]->(b:{S.BLACKLIST_ENTRY}) WHERE {listing_active("b")}
            RETURN [b.entry_id, b.kind, b.list_date, b.authority] AS x ORDER BY x }} AS listings,
  COLLECT {{ MATCH (e)-[:{S.HAS_PROFILE}]->(p:{S.RISK_PROFILE})
            RETURN [p.body, p.run_id, p.as_of, p.params_digest] AS x }} AS profile,
  COLLECT {{ MATCH (e)-[:{S.MEMBER_OF}]->(g:{S.GROUP})
            WITH g, COUNT {{ ()-[:{S.MEMBER_OF}]->(g) }} AS n
            RETURN [g.group_id, g.name, g.run_id, n,
                    CASE WHEN n <= {PROFILE_ROWS} THEN COLLECT {{ MATCH (m)-[:{S.MEMBER_OF}]->(g)
                                                        RETURN m.entity_id AS m ORDER BY m }} END] AS x
            ORDER BY x LIMIT 20 }} AS groups,
  COLLECT {{ MATCH (al:{S.ALERT})-[:{S.CONCERNS}]->(e) WHERE al.status = 'open' AND coalesce(al.active, true)
            RETURN [al.alert_id, al.rule_id, al.severity, al.entity_ids[0..$alert_ids], al.explanation_zh,
                    al.explanation_en, size(al.entity_ids)] AS x ORDER BY x LIMIT 20 }} AS alerts,
  run_id, run_as_of, fresh,
  COLLECT {{ {OPEN_DISPUTES} LIMIT {DISPUTES_PREFETCH + 1} }} AS disputes
ORDER BY entity_id LIMIT 10
"""

_CANDIDATE = """
  entity_id: e.entity_id, kind: CASE WHEN e:Company THEN 'company' ELSE 'person' END, name: e.name,
  uscc: e.uscc, id_number: e.id_number, region: e.region, status: e.status, birth_date: e.birth_date,
  name_variants: e.name_variants
"""

EXACT_NAME = f"""
CALL () {{
  MATCH (e:{S.COMPANY} {{name: $name}}) RETURN e
  UNION MATCH (e:{S.COMPANY} {{name_norm: $name_norm}}) RETURN e
  UNION MATCH (e:{S.PERSON} {{name: $name}}) RETURN e
}}
WITH e WHERE ($region IS NULL OR e.region STARTS WITH $region)
  AND ($birth_date IS NULL OR e:{S.COMPANY} OR e.birth_date = date($birth_date))
RETURN e {{ {_CANDIDATE} }} AS hit ORDER BY hit.entity_id LIMIT $limit
"""

FULLTEXT = f"""
CALL db.index.fulltext.queryNodes($index, $query, {{limit: $limit}}) YIELD node AS e, score
WHERE ($region IS NULL OR e.region STARTS WITH $region)
  AND ($birth_date IS NULL OR e.birth_date = date($birth_date))
RETURN e {{ {_CANDIDATE}, score: score }} AS hit
"""


def _applicant(rec: Any) -> dict[str, Any]:
    """One APPLICANT record as plain data (its lists are positional to keep the query small)."""
    row = jsonable(
        {
            k: rec[k]
            for k in (
                "entity_id",
                "is_company",
                "name",
                "uscc",
                "id_number",
                "region",
                "status",
                "birth_date",
            )
        }
    )
    row["loans"] = [{"loan_id": x[0], "balance": x[1], "status": x[2]} for x in rec["loans"]]
    row["listings"] = [
        {"entry_id": x[0], "kind": x[1], "list_date": jsonable(x[2]), "authority": x[3]}
        for x in dict.fromkeys(tuple(x) for x in rec["listings"])
    ]
    # a group's members are read only when a profile lists them all (a larger group is matched by
    # its id, a hash of its members)
    row["groups"] = [
        {"group_id": gid, "name": name, "run_id": run_id, "size": n, "members": members}
        for gid, name, run_id, n, members in rec["groups"]
    ]
    row["alerts"] = [
        dict(
            zip(
                (
                    "alert_id",
                    "rule_id",
                    "severity",
                    "entity_ids",
                    "explanation_zh",
                    "explanation_en",
                    "entity_ids_total",
                ),
                x,
                strict=True,
            )
        )
        for x in rec["alerts"]
    ]
    p = rec["profile"][0] if rec["profile"] else None
    row["profile"] = (
        {
            "body": json.loads(p[0]) if p[0] else None,
            "run_id": p[1],
            "as_of": jsonable(p[2]),
            "params_digest": p[3],
        }
        if p
        else None
    )
    return row


class CheckRepository(Neo4jRepository):
    async def applicant(
        self, *, uscc: str | None, ric: str | None, entity_id: str | None, alert_ids: int
    ) -> list[dict[str, Any]]:
        """Every entity matching the keys (at most 10) with its profile and own facts, the profile
        run (``profile_run``, ``fresh``) and the open disputes (``open_disputes``: every open one,
        or ``None`` when there are more than :data:`DISPUTES_PREFETCH`). Each open alert carries the
        first ``alert_ids`` entities it concerns and ``entity_ids_total``: a group or contagion alert
        can concern thousands, which the check neither reads nor lists."""
        rows = await self.read_raw(
            APPLICANT, uscc=uscc, ric=ric, entity_id=entity_id, as_of=dt.date.today(), alert_ids=alert_ids
        )
        out = []
        for rec in rows:
            row = _applicant(rec)
            run_id = rec["run_id"]
            row["profile_run"] = {"run_id": run_id, "as_of": jsonable(rec["run_as_of"])} if run_id else None
            row["fresh"] = list(rec["fresh"]) if run_id else []
            disputes = [jsonable(d) for d in rec["disputes"]]
            row["open_disputes"] = disputes if len(disputes) <= DISPUTES_PREFETCH else None
            out.append(row)
        return out

    async def by_name(
        self, name: str, kind: str | None, region: str | None, birth_date: str | None, limit: int
    ) -> list[dict[str, Any]]:
        """Candidates for a name: ``matched_on`` is ``name_exact`` (the name or normalized name),
        ``name_variant`` (a recorded name variant equal to it after normalization) or ``name``
        (fulltext similarity only)."""
        rows = await self.read(
            EXACT_NAME,
            name=name,
            name_norm=company_name(name),
            limit=limit,
            region=region,
            birth_date=birth_date,
        )
        hits = [{**jsonable(r["hit"]), "score": 100.0, "matched_on": "name_exact"} for r in rows]
        if not hits:
            for label, index in ((S.COMPANY, "company_names"), (S.PERSON, "person_names")):
                if kind and kind != label.lower():
                    continue
                for r in await self.read(
                    FULLTEXT,
                    index=index,
                    query=lucene_escape(name),
                    limit=limit,
                    region=region,
                    birth_date=birth_date,
                ):
                    h = jsonable(r["hit"])
                    variants = {normalize_name(v) for v in h.get("name_variants") or [] if v}
                    h["matched_on"] = "name_variant" if name in variants else "name"
                    hits.append(h)
        if kind:
            hits = [h for h in hits if h["kind"] == kind]
        best: dict[str, dict[str, Any]] = {}
        for h in hits:
            h.pop("name_variants", None)
            if h["entity_id"] not in best or h["score"] > best[h["entity_id"]]["score"]:
                best[h["entity_id"]] = h
        return sorted(
            best.values(),
            key=lambda h: (
                h["matched_on"] != "name_exact",
                h["matched_on"] != "name_variant",
                -round(h["score"], 6),
                h["entity_id"],
            ),
        )
