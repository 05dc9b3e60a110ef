"""Bounded graph reads behind the pre-loan check: resolve the applicant, expand balls, fetch facts.

Every expansion is hop-by-hop over a fixed set of relationship types with a supernode cap and a
node cap, so the work per check is bounded whatever the graph's size.
"""

from __future__ import annotations

from typing import Any

from api.repositories.base import Neo4jRepository, jsonable
from api.repositories.entities import EXACT_NAME, FULLTEXT, lucene_escape
from api.repositories.graphview import node_public_id, primary_label
from graph_model import schema as S

# one indexed seek per branch (an OR across properties would scan the label); null parameters match nothing
_BALL_HEAD = """
UNWIND $start AS sid
MATCH (s) WHERE elementId(s) = sid
WITH collect(s) AS frontier
WITH frontier, frontier AS seen, [] AS links, [] AS skipped, frontier AS starts
"""
# resolve the applicant by its keys and expand from it in the same query (only when exactly one matches)
_BALL_HEAD_KEYS = f"""
CALL () {{
  MATCH (e:{S.COMPANY} {{uscc: $uscc}}) RETURN e
  UNION MATCH (e:{S.COMPANY} {{entity_id: $entity_id}}) RETURN e
  UNION MATCH (e:{S.PERSON} {{id_number: $ric}}) RETURN e
  UNION MATCH (e:{S.PERSON} {{entity_id: $entity_id}}) RETURN e
}}
WITH e ORDER BY e.entity_id LIMIT 10
WITH collect(e) AS starts
WITH starts, CASE WHEN size(starts) = 1 THEN starts ELSE [] END AS frontier
WITH frontier, frontier AS seen, [] AS links, [] AS skipped, starts
"""
_BALL_STEP = """
CALL (frontier, seen) {
  UNWIND frontier AS n
  WITH n, COUNT { (n)-[r]-() WHERE type(r) IN $types } AS degree
  OPTIONAL CALL (n, degree) {
    WITH n, degree WHERE degree <= $cap
    MATCH (n)-[r]-(m) WHERE type(r) IN $types AND (r.valid_to IS NULL OR r.valid_to >= date())
    RETURN r, m
  }
  WITH n, degree, r, m ORDER BY elementId(n), elementId(m), elementId(r)
  RETURN collect(DISTINCT CASE WHEN degree > $cap THEN {nid: elementId(n), degree: degree} END) AS sk,
         collect(CASE WHEN r IS NOT NULL THEN {nid: elementId(n), type: type(r), out: startNode(r) = n,
                 mid: elementId(m), pct: r.pct, amount: r.amount, role: r.role, relation: r.relation,
                 contract_id: r.contract_id} END) AS ls,
         collect(DISTINCT m) AS ms
}
WITH [m IN ms WHERE NOT m IN seen] AS fresh, seen, links + ls AS links, skipped + sk AS skipped, starts
WITH fresh[..CASE WHEN $max_nodes > size(seen) THEN $max_nodes - size(seen) ELSE 0 END] AS frontier,
     seen, links, skipped, starts
WITH frontier, seen + frontier AS seen, links, skipped, starts
"""
_BALL_TAIL = f"""
RETURN [n IN seen | {{eid: elementId(n), labels: labels(n),
        key: coalesce(n.entity_id, n.loan_id, n.entry_id, n.address_key, n.number, n.group_id)}}] AS nodes,
       links, skipped,
       [e IN starts | {{eid: elementId(e), entity_id: e.entity_id, labels: labels(e), name: e.name, uscc: e.uscc,
         id_number: e.id_number, region: e.region, status: e.status, birth_date: e.birth_date,
         groups: COLLECT {{ MATCH (e)-[:{S.MEMBER_OF}]->(g:{S.GROUP}) RETURN g.group_id AS x ORDER BY x }},
         score: COLLECT {{ MATCH (rs:{S.RISK_SCORE} {{entity_id: e.entity_id}})
                          RETURN properties(rs) AS p ORDER BY p.as_of DESC, p.run_id DESC LIMIT 1 }} }}] AS starts
"""
#: one query per hop count (from a fixed range, never from request text): the whole ball in one trip
BALL_QUERIES = {h: _BALL_HEAD + _BALL_STEP * h + _BALL_TAIL for h in range(1, 7)}
#: the same, starting from the applicant's keys: resolution, ball, latest score and groups in one trip
BALL_BY_KEY_QUERIES = {h: _BALL_HEAD_KEYS + _BALL_STEP * h + _BALL_TAIL for h in range(1, 7)}

FACTS = f"""
UNWIND $eids AS eid
MATCH (n) WHERE elementId(n) = eid AND (n:{S.COMPANY} OR n:{S.PERSON})
RETURN n.entity_id AS entity_id, n:{S.COMPANY} AS is_company, n.name AS name, n.status AS status,
  n.net_assets AS net_assets,
  COLLECT {{ MATCH (h)-[s:{S.HOLDS_SHARES}]->(n) WHERE s.valid_to IS NULL AND h.entity_id IS NOT NULL
            RETURN [h.entity_id, s.pct] AS x ORDER BY x[0] }} AS holders,
  COLLECT {{ MATCH (p:{S.PERSON})-[r:{S.HOLDS_POSITION}]->(n) WHERE r.valid_to IS NULL
            RETURN [p.entity_id, r.role] AS x ORDER BY x[0], x[1] }} AS officers,
  COLLECT {{ MATCH (n)-[f:{S.FAMILY_OF}]-(q:{S.PERSON}) RETURN [q.entity_id, f.relation] AS x ORDER BY x[0] }} AS family,
  COLLECT {{ MATCH (n)-[:{S.BORROWED}]->(l:{S.LOAN}) WHERE coalesce(l.status, 'normal') <> 'closed'
            RETURN {{loan_id: l.loan_id, balance: coalesce(l.balance, l.amount, 0.0), status: l.status}} AS x
            ORDER BY x.loan_id }} AS loans,
  COLLECT {{ MATCH (n)-[:{S.LISTED_AS}]->(b:{S.BLACKLIST_ENTRY}) WHERE b.removal_date IS NULL
            RETURN {{entry_id: b.entry_id, kind: b.kind, list_date: b.list_date, authority: b.authority}} AS x
            ORDER BY x.entry_id }} AS listings
"""

GROUP = f"""
MATCH (g:{S.GROUP} {{group_id: $group_id}})
RETURN g.group_id AS group_id, g.name AS name, g.controller_ids AS controller_ids, g.run_id AS run_id,
  COUNT {{ (m)-[:{S.MEMBER_OF}]->(g) }} AS size,
  COLLECT {{ MATCH (m)-[:{S.MEMBER_OF}]->(g) WITH m ORDER BY m.entity_id LIMIT $cap
            RETURN {{entity_id: m.entity_id, loans: COLLECT {{
              MATCH (m)-[:{S.BORROWED}]->(l:{S.LOAN}) WHERE coalesce(l.status, 'normal') <> 'closed'
              RETURN {{loan_id: l.loan_id, balance: coalesce(l.balance, l.amount, 0.0), status: l.status}} AS y
              ORDER BY y.loan_id }} }} AS x }} AS members
"""

OPEN_ALERTS = f"""
UNWIND $eids AS eid
MATCH (e) WHERE elementId(e) = eid
MATCH (al:{S.ALERT})-[:{S.CONCERNS}]->(e) WHERE al.status = 'open' AND coalesce(al.active, true)
RETURN DISTINCT al.alert_id AS alert_id, al.rule_id AS rule_id, al.severity AS severity,
       al.entity_ids AS entity_ids, al.explanation_zh AS explanation_zh, al.explanation_en AS explanation_en
ORDER BY alert_id LIMIT $limit
"""

CANDIDATE_FIELDS = (
    "entity_id",
    "kind",
    "name",
    "uscc",
    "id_number",
    "region",
    "status",
    "birth_date",
    "score",
    "matched_on",
)


def _ball(row: Any, start: dict[str, str]) -> tuple[dict[str, dict[str, Any]], list, list]:
    """Nodes with public keys and breadth-first hops, links with src/dst keys, supernodes skipped."""
    if row is None:
        return {}, [], []
    nodes: dict[str, dict[str, Any]] = {}
    for n in row["nodes"]:
        key = start.get(n["eid"]) or _public_key(primary_label(n["labels"]), n["key"])
        nodes[n["eid"]] = {"key": key, "labels": n["labels"]}
    links: list[dict[str, Any]] = []
    adjacency: dict[str, list[str]] = {}
    for lk in row["links"]:
        if lk["nid"] not in nodes or lk["mid"] not in nodes:
            continue  # a neighbour dropped by the node cap
        here, there = nodes[lk["nid"]]["key"], nodes[lk["mid"]]["key"]
        src, dst = (here, there) if lk["out"] else (there, here)
        links.append({**lk, "src": src, "dst": dst})
        adjacency.setdefault(lk["nid"], []).append(lk["mid"])
    frontier = [e for e in start if e in nodes]
    for e in frontier:
        nodes[e]["hop"] = 0
    hop = 0
    while frontier:
        hop += 1
        nxt = []
        for e in frontier:
            for m in adjacency.get(e, ()):
                if "hop" not in nodes[m]:
                    nodes[m]["hop"] = hop
                    nxt.append(m)
        frontier = nxt
    skipped = [
        {"entity": nodes[s["nid"]]["key"], "degree": s["degree"]} for s in row["skipped"] if s["nid"] in nodes
    ]
    return nodes, links, skipped


def _public_key(label: str, key: object) -> str:
    """Entities by entity id; contact nodes by a hash (never the phone number itself)."""
    if label in (S.COMPANY, S.PERSON):
        return str(key)
    if label in (S.PHONE, S.ADDRESS):
        return node_public_id(label, {"number": key, "address_key": key})
    return str(key)


class CheckRepository(Neo4jRepository):
    async def by_name(
        self, name: str, kind: str | None, region: str | None, birth_date: str | None, limit: int
    ) -> list[dict[str, Any]]:
        """Exact-name hits, else fulltext hits; both filtered by the hints."""
        rows = await self.read(EXACT_NAME, name=name, limit=limit, region=region, birth_date=birth_date)
        if not rows:
            for label, index in ((S.COMPANY, "company_names"), (S.PERSON, "person_names")):
                if kind and kind != label.lower():
                    continue
                rows += await self.read(
                    FULLTEXT,
                    index=index,
                    query=lucene_escape(name),
                    limit=limit,
                    region=region,
                    birth_date=birth_date,
                )
        hits = [jsonable(r["hit"]) for r in rows]
        if kind:
            hits = [h for h in hits if h["kind"] == kind]
        best: dict[str, dict[str, Any]] = {}
        for h in hits:
            if h["entity_id"] not in best or h["score"] > best[h["entity_id"]]["score"]:
                best[h["entity_id"]] = {k: h.get(k) for k in CANDIDATE_FIELDS}
        return sorted(best.values(), key=lambda h: (-round(h["score"], 6), h["entity_id"]))

    async def ball(
        self, start: dict[str, str], types: list[str], hops: int, cap: int, max_nodes: int
    ) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
        """Breadth-first ball of ``hops`` over ``types`` in one round trip: nodes (element id →
        public key, labels, hop), the links of every expanded node (src/dst public keys, type,
        attributes) and the supernodes left unexpanded (degree > ``cap``). At most ``max_nodes``
        nodes; nearer nodes first."""
        # raw records: the nested lists are plain Python already, Record.data() would walk them again
        rows = await self.read_raw(
            BALL_QUERIES[hops], start=sorted(start), types=types, cap=cap, max_nodes=max_nodes
        )
        return _ball(rows[0] if rows else None, start)

    async def ball_by_key(
        self,
        *,
        uscc: str | None,
        ric: str | None,
        entity_id: str | None,
        types: list[str],
        hops: int,
        cap: int,
        max_nodes: int,
    ) -> tuple[list[dict[str, Any]], tuple]:
        """(entities matching the keys — with groups and latest RiskScore —, the ball around the one
        match; empty when zero or several match), in one round trip."""
        rows = await self.read_raw(
            BALL_BY_KEY_QUERIES[hops],
            uscc=uscc,
            ric=ric,
            entity_id=entity_id,
            types=types,
            cap=cap,
            max_nodes=max_nodes,
        )
        row = rows[0] if rows else None
        starts = jsonable(list(row["starts"])) if row else []
        for st in starts:
            st["score"] = st["score"][0] if st["score"] else None
        start = {st["eid"]: st["entity_id"] for st in starts} if len(starts) == 1 else {}
        return starts, _ball(row if start else None, start)

    async def facts(self, eids: list[str]) -> list[dict[str, Any]]:
        return jsonable(await self.read(FACTS, eids=sorted(set(eids))))

    async def group(self, group_id: str, cap: int) -> dict[str, Any] | None:
        rows = await self.read(GROUP, group_id=group_id, cap=cap)
        return jsonable(rows[0]) if rows else None

    async def open_alerts(self, eids: list[str], limit: int = 50) -> list[dict[str, Any]]:
        return jsonable(await self.read(OPEN_ALERTS, eids=sorted(set(eids)), limit=limit))
