"""One entity's neighbourhood read from Neo4j, in the shapes the rules' projections have.

The live recompute of a profile reads only what the entity's findings depend on: its ownership
ball (shareholdings, positions, family; ``CONTROL_HOPS`` links), its guarantee ball
(``guarantee_hops`` links over guarantees only), its contagion ball (the contagion rule's own
projection, :func:`risk_rules.projection.linkage_ball`, so a shared phone is one
``shared_contact`` link exactly as in the rule) and the facts of every entity in them. Every
read applies the projections' validity filter at the as-of date. A node with more links than
``supernode_degree`` is kept but not expanded (``truncated`` says so).
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from graph_model import schema as S
from risk_rules.findings.params import FindingParams
from risk_rules.findings.profile import CONTROL_HOPS, Hood
from risk_rules.framework import RuleContext
from risk_rules.projection import OwnershipData, linkage_ball, listing_active, read_columns, valid_at


@dataclass(frozen=True)
class LiveBounds:
    """How far a live recompute reads (search bounds, not rule parameters)."""

    guarantee_hops: int = 4
    supernode_degree: int = 100
    max_nodes: int = 5000


_ENTITY = f"""
CALL (id) {{ MATCH (x:{S.COMPANY} {{entity_id: id}}) RETURN x UNION MATCH (x:{S.PERSON} {{entity_id: id}}) RETURN x }}
"""

_OWNERSHIP_STEP = f"""
UNWIND $ids AS id
{_ENTITY}
WITH x, id, COUNT {{ (x)-[:{S.HOLDS_SHARES}|{S.HOLDS_POSITION}|{S.FAMILY_OF}]-() }} AS degree
CALL (x, degree) {{
  WITH x WHERE degree <= $cap
  MATCH (x)-[r:{S.HOLDS_SHARES}|{S.HOLDS_POSITION}|{S.FAMILY_OF}]-(y)
  WHERE {valid_at("r")} AND y.entity_id IS NOT NULL
  RETURN collect([type(r), startNode(r).entity_id, endNode(r).entity_id, startNode(r):{S.PERSON},
                  endNode(r):{S.PERSON},
                  CASE type(r) WHEN '{S.HOLDS_SHARES}' THEN coalesce(r.pct,
                       CASE WHEN endNode(r).registered_capital > 0 AND r.amount IS NOT NULL
                            THEN 100.0 * r.amount / endNode(r).registered_capital END)
                  WHEN '{S.HOLDS_POSITION}' THEN r.role ELSE r.relation END]) AS rows
}}
RETURN collect([id, degree > $cap, rows]) AS rows
"""

_GUARANTEE_STEP = f"""
UNWIND $ids AS id
{_ENTITY}
WITH x, id, COUNT {{ (x)-[:{S.GUARANTEES}]-() }} AS degree
CALL (x, degree) {{
  WITH x WHERE degree <= $cap
  MATCH (x)-[r:{S.GUARANTEES}]-(y)
  WHERE {valid_at("r")} AND y.entity_id IS NOT NULL
  RETURN collect([startNode(r).entity_id, endNode(r).entity_id, coalesce(r.amount, 0.0), r.contract_id,
                  elementId(r)]) AS rows
}}
RETURN collect([id, degree > $cap, rows]) AS rows
"""

_FACTS = f"""
UNWIND $ids AS id
{_ENTITY}
RETURN id, x:{S.PERSON} AS person, x.name AS name, x.net_assets AS net_assets,
  COLLECT {{ MATCH (x)-[:{S.BORROWED}]->(l:{S.LOAN})
            WHERE coalesce(l.status, 'normal') <> 'closed' AND (l.start_date IS NULL OR l.start_date <= $as_of)
            RETURN coalesce(l.balance, l.amount, 0.0) AS b }} AS balances,
  COLLECT {{ MATCH (x)-[:{S.LISTED_AS}]->(e:{S.BLACKLIST_ENTRY}) WHERE {listing_active("e")}
            RETURN DISTINCT e.kind AS k }} AS kinds,
  (x.batch_id IN $fresh) OR EXISTS {{ MATCH (x)-[r]-(m) WHERE r.batch_id IN $fresh OR
        ((m:{S.LOAN} OR m:{S.BLACKLIST_ENTRY} OR m:{S.PHONE} OR m:{S.ADDRESS}) AND m.batch_id IN $fresh) }} AS touched
"""


def _bfs(
    ctx: RuleContext, query: str, start: str, hops: int, bounds: LiveBounds, ends: tuple[int, int]
) -> tuple[set[str], list, bool]:
    """Breadth-first over one query's links: (entities seen, link rows, whether a cap cut it)."""
    seen = {start}
    frontier = [start]
    rows: list = []
    cut = False
    for _ in range(hops):
        if not frontier:
            break
        cols = read_columns(ctx, query, ids=frontier, cap=bounds.supernode_degree)
        nxt: set[str] = set()
        for _id, skipped, links in cols["rows"][0] if cols["rows"] else []:
            cut = cut or bool(skipped)
            for link in links:
                rows.append(link)
                for other in (link[ends[0]], link[ends[1]]):
                    if other not in seen:
                        nxt.add(other)
        if len(seen) + len(nxt) > bounds.max_nodes:
            cut = True
            nxt = set(sorted(nxt)[: max(bounds.max_nodes - len(seen), 0)])
        seen |= nxt
        frontier = sorted(nxt)
    return seen, rows, cut


def read_hood(
    ctx: RuleContext, entity_id: str, fp: FindingParams, bounds: LiveBounds, fresh_batches: list[str]
) -> tuple[Hood, bool]:
    """(the neighbourhood of ``entity_id``, whether a fact of it came in one of ``fresh_batches``)."""
    own_ids, own_rows, cut1 = _bfs(ctx, _OWNERSHIP_STEP, entity_id, CONTROL_HOPS, bounds, (1, 2))
    g_ids, g_rows, cut2 = _bfs(ctx, _GUARANTEE_STEP, entity_id, bounds.guarantee_hops, bounds, (0, 1))
    p = fp.contagion
    L = linkage_ball(ctx, [entity_id], p.max_hops, p.max_contact_group)
    ids = sorted(own_ids | g_ids | set(L))
    facts = read_columns(ctx, _FACTS, ids=ids, fresh=fresh_batches)
    names, loans, net_assets, listed, kinds = {}, {}, {}, {}, {}
    touched = False
    for i, eid in enumerate(facts["id"]):
        names[eid] = facts["name"][i]
        kinds[eid] = "person" if facts["person"][i] else "company"
        if facts["balances"][i]:
            loans[eid] = float(sum(facts["balances"][i]))
        if facts["net_assets"][i] is not None:
            net_assets[eid] = float(facts["net_assets"][i])
        if facts["kinds"][i]:
            listed[eid] = sorted(facts["kinds"][i])
        touched = touched or bool(facts["touched"][i])
    # ownership: one holding per (holder, company), the larger pct (as the projection does)
    G: nx.DiGraph = nx.DiGraph()
    pct: dict[tuple[str, str], float] = {}
    positions: set[tuple[str, str, str]] = set()
    family: set[tuple[str, str, str]] = set()
    for t, a, b, a_person, b_person, attr in own_rows:
        if t == S.HOLDS_SHARES and attr is not None and attr > 0 and not b_person:
            pct[(a, b)] = max(pct.get((a, b), 0.0), float(attr))
            kinds.setdefault(a, "person" if a_person else "company")
        elif t == S.HOLDS_POSITION and attr is not None and a_person and not b_person:
            positions.add((a, b, attr))
        elif t == S.FAMILY_OF and a_person and b_person:
            family.add((a, b, attr))
    G.add_weighted_edges_from(sorted((a, b, v) for (a, b), v in pct.items()), weight="pct")
    for n, attrs in G.nodes(data=True):
        attrs["kind"] = kinds.get(n, "company")
    own = OwnershipData(G, sorted(positions), sorted(family))
    # guarantees: one edge per pair, amounts summed over distinct contracts
    GG: nx.DiGraph = nx.DiGraph()
    seen_rel: set[str] = set()
    for a, b, amount, contract, rid in g_rows:
        if rid in seen_rel:
            continue
        seen_rel.add(rid)
        if GG.has_edge(a, b):
            GG[a][b]["amount"] += float(amount)
            GG[a][b]["contracts"].append(contract)
        else:
            GG.add_edge(a, b, amount=float(amount), contracts=[contract])
    for n, attrs in GG.nodes(data=True):
        if n in net_assets:
            attrs["net_assets"] = net_assets[n]
        attrs["kind"] = kinds.get(n, "company")
    hood = Hood(own, GG, L, listed, names, loans, net_assets, truncated=cut1 or cut2)
    return hood, touched
