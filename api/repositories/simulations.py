"""What a default-cascade simulation reads: the exposure ball around the assumed defaults.

Breadth-first from the defaulted entities, one query per ring: who is exposed to an entity of the
ring — its guarantors (GUARANTEES, amount summed over contracts) and its shareholders (a stake
worth pct × the company's net assets) — plus every visited entity's name, net assets and open
loans. Bounded by hops and by a node cap; the caller learns when a bound cut the ball.
"""

from __future__ import annotations

from typing import Any

from api.repositories.base import Neo4jRepository
from graph_model import schema as S

_VALID = "(r.valid_from IS NULL OR r.valid_from <= date()) AND (r.valid_to IS NULL OR r.valid_to >= date())"

_EXPOSED = f"""
UNWIND $ids AS id
MATCH (b {{entity_id: id}})
WHERE b:{S.COMPANY} OR b:{S.PERSON}
CALL (b) {{
  MATCH (g)-[r:{S.GUARANTEES}]->(b) WHERE {_VALID}
  RETURN g.entity_id AS exposed, 'guarantee' AS rel, sum(coalesce(r.amount, 0.0)) AS amount
  UNION ALL
  MATCH (g)-[r:{S.HOLDS_SHARES}]->(b) WHERE {_VALID} AND r.pct > 0 AND b.net_assets > 0
  WITH g, b.net_assets AS worth, max(r.pct) AS pct
  RETURN g.entity_id AS exposed, 'stake' AS rel, pct / 100.0 * worth AS amount
}}
RETURN id AS obligor, exposed, rel, amount ORDER BY obligor, exposed, rel
"""

_FACTS = f"""
UNWIND $ids AS id
MATCH (x {{entity_id: id}})
WHERE x:{S.COMPANY} OR x:{S.PERSON}
OPTIONAL MATCH (x)-[:{S.BORROWED}]->(l:{S.LOAN})
WHERE l.balance > 0 AND coalesce(l.status, '') <> 'closed'
WITH x, l ORDER BY l.loan_id
RETURN x.entity_id AS entity_id, x.name AS name, x:{S.PERSON} AS person, x.net_assets AS net_assets,
       [y IN collect(l) | {{loan_id: y.loan_id, balance: y.balance, status: y.status}}] AS loans
ORDER BY entity_id
"""


class SimulationRepository(Neo4jRepository):
    async def exposure_ball(
        self, ids: list[str], max_hops: int, max_nodes: int
    ) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]], bool]:
        """(exposure edges {exposed, obligor, rel, amount}, facts by entity id, whether a bound cut)."""
        facts = {r["entity_id"]: r for r in await self.read(_FACTS, ids=ids)}
        seen = set(facts)
        frontier = sorted(seen)
        edges: list[dict[str, Any]] = []
        cut = False
        for _hop in range(max_hops):
            if not frontier:
                break
            rows = await self.read(_EXPOSED, ids=frontier)
            nxt: list[str] = []
            for r in rows:
                if r["exposed"] is None or r["exposed"] == r["obligor"]:
                    continue
                if r["exposed"] not in seen:
                    if len(seen) >= max_nodes:
                        cut = True
                        continue
                    seen.add(r["exposed"])
                    nxt.append(r["exposed"])
                edges.append(r)
            if nxt:
                facts.update({r["entity_id"]: r for r in await self.read(_FACTS, ids=sorted(nxt))})
            frontier = sorted(nxt)
        return edges, facts, cut
