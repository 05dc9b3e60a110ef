"""Entity search, detail (with provenance and ER evidence), neighbourhood and shortest paths."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from stdnum.cn import ric, uscc

from api.models.common import ENTITY_ID_PATTERN
from api.repositories.base import Neo4jRepository, jsonable, parse_json
from api.repositories.graphview import edge_view, node_view
from entity_resolution.normalize import company_name, display_name
from graph_model import schema as S
from risk_rules.projection import listing_active

#: relationship types a neighbourhood or path may follow (links between parties and their facts)
LINK_TYPES: tuple[str, ...] = (
    S.HOLDS_SHARES,
    S.HOLDS_POSITION,
    S.GUARANTEES,
    S.GUARANTEES_LOAN,
    S.BORROWED,
    S.FAMILY_OF,
    S.HAS_PHONE,
    S.HAS_ADDRESS,
    S.LISTED_AS,
    S.BRANCH_OF,
    S.CONTROLS,
    S.MEMBER_OF,
)
MAX_PATH_HOPS = 8
#: how many hits a search counts at least (its total): past this the total is "at least" — a name
#: query that matches more than this many entities wants refining, not an exact count
SEARCH_COUNT_CAP = 500

_LUCENE_SPECIAL = re.compile(r'([+\-!(){}\[\]^"~*?:\\/]|&&|\|\|)')


def normalize_name(text: str) -> str:
    """The query as names are shown (entity_resolution.normalize.display_name, the one normalizer)."""
    return display_name(text) or ""


def lucene_escape(text: str) -> str:
    """User text as literal Lucene terms: syntax characters escaped, boolean keywords lower-cased."""
    escaped = _LUCENE_SPECIAL.sub(r"\\\1", text)
    return re.sub(r"\b(AND|OR|NOT|TO)\b", lambda m: m.group(0).lower(), escaped)


def classify_query(q: str) -> tuple[str, str]:
    """('uscc' | 'id_number' | 'entity_id' | 'name', normalized value)."""
    raw = unicodedata.normalize("NFKC", q).strip().upper().replace(" ", "")
    if re.fullmatch(ENTITY_ID_PATTERN, q.strip()):
        return "entity_id", q.strip()
    # a resident ID (digits + birth date + mod-11) can also pass the USCC mod-31 check: test it first
    if len(raw) == 18 and ric.is_valid(raw):
        return "id_number", raw
    if len(raw) == 18 and uscc.is_valid(raw):
        return "uscc", raw
    return "name", normalize_name(q)


_ENTITY_FIELDS = """
  entity_id: e.entity_id, kind: CASE WHEN e:Company THEN 'company' ELSE 'person' END, name: e.name,
  uscc: e.uscc, id_number: e.id_number, id_masked: e.id_masked, region: e.region, status: e.status,
  birth_date: e.birth_date, is_branch: e.is_branch, bank_branch: e.bank_branch
"""

FIND_BY_ID = f"""
CALL () {{ MATCH (e:{S.COMPANY} {{entity_id: $value}}) RETURN e
  UNION MATCH (e:{S.PERSON} {{entity_id: $value}}) RETURN e }}
RETURN e {{ {_ENTITY_FIELDS}, score: 1.0, matched_on: 'entity_id' }} AS hit
"""
FIND_BY_USCC = f"""
MATCH (e:{S.COMPANY} {{uscc: $value}})
RETURN e {{ {_ENTITY_FIELDS}, score: 1.0, matched_on: 'uscc' }} AS hit ORDER BY e.entity_id LIMIT $limit
"""
FIND_BY_RIC = f"""
MATCH (e:{S.PERSON} {{id_number: $value}})
RETURN e {{ {_ENTITY_FIELDS}, score: 1.0, matched_on: 'id_number' }} AS hit ORDER BY e.entity_id LIMIT $limit
"""
# one row: how many nodes the index gave (``raw`` = ``$limit`` means there may be more) and the hits
# left after the filters
FULLTEXT = f"""
CALL db.index.fulltext.queryNodes($index, $query, {{limit: $limit}}) YIELD node, score
WITH collect({{node: node, score: score}}) AS found
RETURN size(found) AS raw, COLLECT {{
  UNWIND found AS f
  WITH f.node AS e, f.score AS score
  WHERE ($region IS NULL OR e.region STARTS WITH $region)
    AND ($birth_date IS NULL OR e.birth_date = date($birth_date))
  RETURN e {{ {_ENTITY_FIELDS}, score: score, matched_on: 'name' }} AS hit
}} AS hits
"""
EXACT_NAME = f"""
MATCH (e:{S.COMPANY}) WHERE e.name = $name OR e.name_norm = $name_norm
RETURN e {{ {_ENTITY_FIELDS}, score: 100.0, matched_on: 'name_exact' }} AS hit LIMIT $limit
UNION
MATCH (e:{S.PERSON} {{name: $name}})
WHERE ($region IS NULL OR e.region STARTS WITH $region)
  AND ($birth_date IS NULL OR e.birth_date = date($birth_date))
RETURN e {{ {_ENTITY_FIELDS}, score: 100.0, matched_on: 'name_exact' }} AS hit LIMIT $limit
"""

DETAIL = f"""
CALL () {{ MATCH (e:{S.COMPANY} {{entity_id: $id}}) RETURN e
  UNION MATCH (e:{S.PERSON} {{entity_id: $id}}) RETURN e }}
RETURN labels(e) AS labels, properties(e) AS props,
  COLLECT {{ MATCH (e)-[d:{S.DERIVED_FROM}]->(s:{S.SOURCE_RECORD})
            RETURN {{record_key: s.record_key, source: s.source, kind: s.kind,
                    source_record_id: s.source_record_id, batch_id: s.batch_id, source_file: s.source_file,
                    source_row: s.source_row, ingested_at: s.ingested_at, payload: s.payload,
                    match_evidence: d.match_evidence}} AS p ORDER BY p.record_key LIMIT $max_records }} AS provenance,
  COUNT {{ (e)-[:{S.DERIVED_FROM}]->(:{S.SOURCE_RECORD}) }} AS provenance_total,
  COLLECT {{ MATCH (e)-[:{S.HAS_PHONE}]->(p:{S.PHONE}) RETURN p.number AS n ORDER BY n }} AS phones,
  COLLECT {{ MATCH (e)-[h:{S.HAS_ADDRESS}]->(a:{S.ADDRESS})
            RETURN {{kind: h.kind, text: a.text, province: a.province, city: a.city, district: a.district}} AS a
            ORDER BY a.text }} AS addresses,
  COLLECT {{ MATCH (e)-[:{S.LISTED_AS}]->(b:{S.BLACKLIST_ENTRY}) RETURN properties(b) AS b ORDER BY b.entry_id }}
    AS listings,
  COLLECT {{ MATCH (e)-[:{S.BORROWED}]->(l:{S.LOAN}) RETURN properties(l) AS l ORDER BY l.loan_id }} AS loans,
  COLLECT {{ MATCH (e)-[m:{S.MEMBER_OF}]->(g:{S.GROUP})
            RETURN {{group_id: g.group_id, name: g.name, reason: m.reason, run_id: m.run_id}} AS g
            ORDER BY g.group_id }} AS groups,
  COLLECT {{ MATCH (e)-[:{S.HAS_VERSION}]->(v:{S.FACT_VERSION}) RETURN properties(v) AS v
            ORDER BY v.attribute, v.valid_from, v.version_id LIMIT 200 }} AS versions,
  COLLECT {{ MATCH (e)-[r]-() WHERE NOT type(r) IN $hidden WITH type(r) AS t, count(*) AS c
            RETURN {{type: t, count: c}} AS rc ORDER BY rc.type }} AS relationship_counts,
  COLLECT {{ MATCH (e)-[:{S.SCORED}]->(rs:{S.RISK_SCORE})
            RETURN properties(rs) AS rs ORDER BY rs.as_of DESC, rs.run_id DESC LIMIT 1 }} AS risk_score,
  COUNT {{ (:{S.ALERT} {{status: 'open'}})-[:{S.CONCERNS}]->(e) }} AS open_alerts,
  COLLECT {{ MATCH (d:{S.DISPUTE})-[:{S.DISPUTES}]->(e) WHERE d.status = 'open'
            RETURN DISTINCT {{dispute_id: d.dispute_id, fact_kind: d.fact_kind, subject: d.subject,
                    reason: d.reason, raised_by: d.raised_by, raised_at: d.raised_at}} AS d
            ORDER BY d.dispute_id LIMIT 50 }} AS disputes,
  COLLECT {{ MATCH (e)-[:{S.HAS_PROFILE}]->(rp:{S.RISK_PROFILE}) RETURN rp.body AS b LIMIT 1 }} AS profile_body
"""

#: the facts a drawing marks, per entity: listing, worst open loan, the profile's contagion and circle
STYLING = f"""
UNWIND $ids AS id
CALL (id) {{ MATCH (e:{S.COMPANY} {{entity_id: id}}) RETURN e UNION MATCH (e:{S.PERSON} {{entity_id: id}}) RETURN e }}
RETURN e.entity_id AS entity_id,
  EXISTS {{ MATCH (e)-[:{S.LISTED_AS}]->(b:{S.BLACKLIST_ENTRY}) WHERE {listing_active("b")} }} AS listed,
  COLLECT {{ MATCH (e)-[:{S.BORROWED}]->(l:{S.LOAN}) WHERE l.status IN ['defaulted', 'overdue']
            RETURN DISTINCT l.status AS x }} AS loan_statuses,
  COLLECT {{ MATCH (e)-[:{S.HAS_PROFILE}]->(p:{S.RISK_PROFILE}) RETURN p.body AS x }} AS profile
"""

NAMES = f"""
UNWIND $ids AS id
CALL (id) {{ MATCH (e:{S.COMPANY} {{entity_id: id}}) RETURN e UNION MATCH (e:{S.PERSON} {{entity_id: id}}) RETURN e }}
RETURN e.entity_id AS entity_id, e.name AS name
"""

START_NODE = f"""
CALL () {{ MATCH (e:{S.COMPANY} {{entity_id: $id}}) RETURN e
  UNION MATCH (e:{S.PERSON} {{entity_id: $id}}) RETURN e }}
RETURN elementId(e) AS eid, labels(e) AS labels, properties(e) AS props
"""

EXPAND = """
UNWIND $frontier AS fid
MATCH (n) WHERE elementId(n) = fid
WITH n, COUNT { (n)-[r]-() WHERE type(r) IN $types } AS degree
OPTIONAL CALL (n, degree) {
  WITH n, degree WHERE degree <= $cap
  MATCH (n)-[r]-(m) WHERE type(r) IN $types
  RETURN collect({rid: elementId(r), type: type(r), props: properties(r), start: elementId(startNode(r)),
                  mid: elementId(m), mlabels: labels(m), mprops: properties(m)}) AS links
}
RETURN elementId(n) AS nid, degree, links
"""


def _paths_query(max_hops: int) -> str:
    # max_hops comes from a fixed range (1..MAX_PATH_HOPS), never from request text
    return f"""
CALL () {{ MATCH (x:{S.COMPANY} {{entity_id: $a}}) RETURN x UNION MATCH (x:{S.PERSON} {{entity_id: $a}}) RETURN x }}
CALL () {{ MATCH (y:{S.COMPANY} {{entity_id: $b}}) RETURN y UNION MATCH (y:{S.PERSON} {{entity_id: $b}}) RETURN y }}
MATCH p = allShortestPaths((x)-[*..{max_hops}]-(y))
WHERE all(r IN relationships(p) WHERE type(r) IN $types)
RETURN p LIMIT $limit
"""


PATH_QUERIES = {h: _paths_query(h) for h in range(1, MAX_PATH_HOPS + 1)}


@dataclass(frozen=True)
class SearchPage:
    """One page of search hits and how many entities match in all (``total_at_least``: the count
    stopped at a fetch limit, so more may match)."""

    hits: list[dict[str, Any]]
    query_kind: str
    total: int
    total_at_least: bool


class EntityRepository(Neo4jRepository):
    async def search(
        self,
        q: str,
        kind: str | None,
        limit: int,
        offset: int,
        region: str | None = None,
        birth_date: str | None = None,
    ) -> SearchPage:
        """Hits best first (exact keys, exact names, then fulltext score), ties by entity id; the total
        counts every match up to :data:`SEARCH_COUNT_CAP` (or the page's end, if further)."""
        how, value = classify_query(q)
        window = max(limit + offset, SEARCH_COUNT_CAP)
        cut = False  # a query returned as many rows as it was allowed: more may match
        if how == "entity_id":
            rows = await self.read(FIND_BY_ID, value=value)
        elif how == "uscc":
            rows = await self.read(FIND_BY_USCC, value=value, limit=window)
            cut = len(rows) >= window
        elif how == "id_number":
            rows = await self.read(FIND_BY_RIC, value=value, limit=window)
            cut = len(rows) >= window
        else:
            if not value:
                return SearchPage([], how, 0, False)
            rows = await self.read(
                EXACT_NAME,
                name=value,
                name_norm=company_name(value),
                limit=window,
                region=region,
                birth_date=birth_date,
            )
            cut = len(rows) >= window
            query = lucene_escape(value)
            # room beyond the window for the hits the region / birth-date filter drops
            fulltext_limit = window * 2 + 10
            for label, index in ((S.COMPANY, "company_names"), (S.PERSON, "person_names")):
                if kind and kind != label.lower():
                    continue
                found = await self.read(
                    FULLTEXT,
                    index=index,
                    query=query,
                    limit=fulltext_limit,
                    region=region,
                    birth_date=birth_date,
                )
                cut = cut or found[0]["raw"] >= fulltext_limit
                rows += [{"hit": h} for h in found[0]["hits"]]
        best: dict[str, dict[str, Any]] = {}
        for r in rows:
            hit = jsonable(r["hit"])
            if kind and hit["kind"] != kind:
                continue
            prev = best.get(hit["entity_id"])
            if prev is None or hit["score"] > prev["score"]:
                best[hit["entity_id"]] = hit
        ordered = sorted(best.values(), key=lambda h: (-round(h["score"], 6), h["entity_id"]))
        return SearchPage(ordered[offset : offset + limit], how, len(ordered), cut)

    async def detail(self, entity_id: str, max_records: int = 200) -> dict[str, Any] | None:
        rows = await self.read(
            DETAIL, id=entity_id, max_records=max_records, hidden=[S.DERIVED_FROM, S.HAS_VERSION]
        )
        if not rows:
            return None
        r = rows[0]
        props = {k: v for k, v in r["props"].items() if k != "record_keys"}
        prov = []
        for p in r["provenance"]:
            p = dict(p)
            p["payload"] = parse_json(p.get("payload"))
            p["match_evidence"] = parse_json(p.get("match_evidence"))
            prov.append(p)
        score = r["risk_score"][0] if r["risk_score"] else None
        if score:
            score = {**score, "paths": parse_json(score.get("paths"))}
        return jsonable(
            {
                "entity_id": entity_id,
                "kind": "company" if S.COMPANY in r["labels"] else "person",
                "properties": props,
                "record_keys": r["props"].get("record_keys") or [],
                "provenance": prov,
                "provenance_total": r["provenance_total"],
                "phones": r["phones"],
                "addresses": r["addresses"],
                "listings": r["listings"],
                "loans": r["loans"],
                "groups": r["groups"],
                "versions": r["versions"],
                "relationship_counts": r["relationship_counts"],
                "risk_score": score,
                "open_alerts": r["open_alerts"],
                "disputes": r["disputes"],  # open disputes about its facts
                **_ownership_quality(r["profile_body"]),
            }
        )

    async def neighbourhood(
        self, entity_id: str, hops: int, types: list[str], max_nodes: int, supernode_degree: int
    ) -> dict[str, Any] | None:
        start = await self.read(START_NODE, id=entity_id)
        if not start:
            return None
        s = start[0]
        public: dict[str, str] = {}
        nodes: dict[str, dict[str, Any]] = {}
        root = node_view(s["labels"], s["props"])
        public[s["eid"]] = root["id"]
        nodes[root["id"]] = {**root, "hop": 0}
        edges: dict[str, dict[str, Any]] = {}
        left_out: list[dict[str, Any]] = []
        nodes_dropped = 0
        frontier = [s["eid"]]
        for hop in range(1, hops + 1):
            if not frontier:
                break
            rows = await self.read(EXPAND, frontier=sorted(frontier), types=types, cap=supernode_degree)
            next_frontier: list[str] = []
            for row in sorted(rows, key=lambda x: public.get(x["nid"], "")):
                nid = row["nid"]
                if row["degree"] > supernode_degree:
                    left_out.append(
                        {
                            "node": public[nid],
                            "degree": row["degree"],
                            "reason": f"degree {row['degree']} > supernode cap {supernode_degree}",
                        }
                    )
                    nodes[public[nid]]["expanded"] = False
                    continue
                links = sorted(
                    row["links"] or [],
                    key=lambda lk: (
                        lk["type"],
                        str(lk["mprops"].get("entity_id") or lk["mprops"].get("name") or ""),
                        lk["rid"],
                    ),
                )
                for lk in links:
                    mid = lk["mid"]
                    if mid not in public:
                        if len(nodes) >= max_nodes:
                            nodes_dropped += 1
                            continue
                        view = node_view(lk["mlabels"], lk["mprops"])
                        public[mid] = view["id"]
                        nodes[view["id"]] = {**view, "hop": hop}
                        next_frontier.append(mid)
                    src, dst = (nid, mid) if lk["start"] == nid else (mid, nid)
                    e = edge_view(lk["type"], public[src], public[dst], lk["props"])
                    edges[e["id"]] = e
            frontier = next_frontier
        return {
            "root": root["id"],
            "hops": hops,
            "types": sorted(types),
            "nodes": sorted(nodes.values(), key=lambda n: (n["hop"], n["id"])),
            "edges": sorted(edges.values(), key=lambda e: (e["source"], e["type"], e["target"], e["id"])),
            "truncated": bool(left_out or nodes_dropped),
            "left_out": {
                "supernodes": left_out,
                "nodes_over_cap": nodes_dropped,
                "max_nodes": max_nodes,
                "supernode_degree": supernode_degree,
            },
        }

    async def names(self, ids: list[str]) -> dict[str, str]:
        """entity id → name, for the ids that exist and have one."""
        if not ids:
            return {}
        rows = await self.read(NAMES, ids=sorted(set(ids)))
        return {r["entity_id"]: r["name"] for r in rows if r["name"]}

    async def styling_facts(self, ids: list[str]) -> list[dict[str, Any]]:
        """Per entity id: listed, the defaulted/overdue statuses of its loans, its profile's contagion
        and circle parts (None without a profile)."""
        if not ids:
            return []
        out = []
        for r in await self.read(STYLING, ids=sorted(set(ids)), as_of=dt.date.today()):
            body = parse_json(r["profile"][0]) if r["profile"] else None
            body = body if isinstance(body, dict) else {}
            out.append(
                {
                    "entity_id": r["entity_id"],
                    "listed": bool(r["listed"]),
                    "loan_statuses": list(r["loan_statuses"]),
                    "contagion": body.get("contagion"),
                    "circle": (body.get("guarantees") or {}).get("circle"),
                }
            )
        return out

    async def exists(self, entity_id: str) -> bool:
        return bool(await self.read(START_NODE, id=entity_id))

    async def shortest_paths(
        self, a: str, b: str, max_hops: int, types: list[str], limit: int
    ) -> list[dict[str, Any]]:
        records = await self.read_raw(PATH_QUERIES[max_hops], a=a, b=b, types=types, limit=limit)
        out: list[dict[str, Any]] = []
        for rec in records:
            p = rec["p"]
            views = [node_view(n.labels, dict(n)) for n in p.nodes]
            ids = {n.element_id: v["id"] for n, v in zip(p.nodes, views, strict=True)}
            edges = [
                edge_view(r.type, ids[r.start_node.element_id], ids[r.end_node.element_id], dict(r))
                for r in p.relationships
            ]
            out.append({"length": len(edges), "nodes": views, "edges": edges})
        out.sort(key=lambda path: (path["length"], [n["id"] for n in path["nodes"]]))
        return out


def _ownership_quality(bodies: list[Any]) -> dict[str, Any]:
    """``ownership_consistent`` and ``data_quality`` as the latest risk profile found them (None
    and [] without a profile): holdings summing over 100% behind the entity's ownership results."""
    body = parse_json(bodies[0]) if bodies else None
    own = (body or {}).get("ownership") or {}
    if "ownership_consistent" not in own:
        return {"ownership_consistent": None, "data_quality": []}
    return {
        "ownership_consistent": bool(own["ownership_consistent"]),
        "data_quality": own.get("data_quality") or [],
    }
