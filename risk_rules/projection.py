"""Input projections: a few large, parameterised Cypher reads per rule run, cached per run.

Every read returns parallel columns (lists) rather than one query per node, so a million-row
projection is one streamed result. Facts carrying ``valid_from`` / ``valid_to`` are filtered to the
run's as-of date (both bounds inclusive, null = open). Only values are parameters; labels and
relationship types come from ``graph_model.schema``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import networkx as nx
import numpy as np
from neo4j import READ_ACCESS

from graph_model import schema as S
from risk_rules.algorithms.ownership.holdings import FamilyTies
from risk_rules.framework import RuleContext


def valid_at(var: str) -> str:
    """Cypher predicate: ``var`` holds on ``$as_of`` (null bounds are open)."""
    return (
        f"({var}.valid_from IS NULL OR {var}.valid_from <= $as_of) "
        f"AND ({var}.valid_to IS NULL OR {var}.valid_to >= $as_of)"
    )


def listing_active(var: str) -> str:
    """Cypher predicate: the listing ``var`` holds on ``$as_of`` (listed by then, not yet removed;
    a listing removed before the as-of date is history, not a listing)."""
    return (
        f"({var}.list_date IS NULL OR {var}.list_date <= $as_of) "
        f"AND ({var}.removal_date IS NULL OR {var}.removal_date > $as_of)"
    )


def read_columns(
    ctx: RuleContext, query: str, *, packed: tuple[str, ...] | None = None, **params: Any
) -> dict[str, list]:
    """Run a read query and return its result as columns ``{name: [values…]}``.

    With ``packed`` (the query's column names) the result is collected server-side into one
    record of rows: streaming one Bolt record per row costs more client time than the query
    itself for projections of 10^5–10^6 rows (profiled on the contagion ball read: 2.5× faster).
    """
    params.setdefault("as_of", ctx.as_of)
    # derived CONTROLS describe today: a snapshot (past as-of) reads the shareholdings behind them
    params.setdefault("current_derived", not ctx.snapshot)
    if packed:
        q = f"CALL () {{ {query} }} RETURN collect([{', '.join(packed)}]) AS rows"
        with ctx.driver.session(
            database=ctx.database, default_access_mode=READ_ACCESS, notifications_min_severity="OFF"
        ) as session:
            rec = session.run(q, params).single()
        rows = rec["rows"] if rec else []
        return {c: [r[i] for r in rows] for i, c in enumerate(packed)}
    with ctx.driver.session(
        database=ctx.database, default_access_mode=READ_ACCESS, notifications_min_severity="OFF"
    ) as session:
        result = session.run(query, params)
        keys = list(result.keys())
        cols: list[list] = [[] for _ in keys]
        appends = [c.append for c in cols]
        for record in result:
            for app, value in zip(appends, record.values(), strict=True):
                app(value)
    return dict(zip(keys, cols, strict=True))


def _interned(values: list, pool: dict) -> list:
    """``values`` with equal strings replaced by one shared object: every row from Bolt is a new
    string, and an id repeated in millions of rows would otherwise be stored millions of times."""
    get = pool.setdefault
    return [v if v is None else get(v, v) for v in values]


# --------------------------------------------------------------------------------------------
# guarantees


@dataclass(frozen=True)
class GuaranteeEdges:
    guarantor: np.ndarray  # object array of entity ids
    borrower: np.ndarray
    amount: np.ndarray  # float64, NaN when unknown
    contracts: list[list[str]]  # contract ids per pair (at most five), the evidence profiles show


def guarantee_edges(ctx: RuleContext) -> GuaranteeEdges:
    """Guarantor → borrower pairs valid at as-of, parallel contracts summed in the database."""

    def load() -> GuaranteeEdges:
        cols = read_columns(
            ctx,
            f"""
            MATCH (g)-[r:{S.GUARANTEES}]->(b)
            WHERE {valid_at("r")}
            WITH g.entity_id AS g, b.entity_id AS b, r
            RETURN g, b, sum(coalesce(r.amount, 0.0)) AS amount,
                   collect(r.contract_id)[..5] AS contracts
            """,
            packed=("g", "b", "amount", "contracts"),
        )
        # sorted by (guarantor, borrower): evidence must not depend on the database's row order
        order = sorted(range(len(cols["g"])), key=lambda i: (cols["g"][i], cols["b"][i]))
        return GuaranteeEdges(
            np.asarray([cols["g"][i] for i in order], dtype=object),
            np.asarray([cols["b"][i] for i in order], dtype=object),
            np.asarray([cols["amount"][i] for i in order], dtype=np.float64),
            [cols["contracts"][i] for i in order],
        )

    return ctx.cached("guarantee_edges", load)


@dataclass(frozen=True)
class EntityFacts:
    """Per-entity facts the rules share: kind, name, net assets, loans, distress, listing."""

    kind: dict[str, str]  # "company" / "person"
    name: dict[str, str]
    net_assets: dict[str, float]
    loan_balance: dict[str, float]  # outstanding, loans not closed
    loan_status: dict[str, str]  # worst status: defaulted > overdue > normal
    blacklisted: dict[str, list[str]]  # entity → listing kinds active at as-of


def _loans(ctx: RuleContext) -> tuple[dict[str, float], dict[str, str]]:
    cols = read_columns(
        ctx,
        f"""
        MATCH (p)-[:{S.BORROWED}]->(l:{S.LOAN})
        WHERE coalesce(l.status, 'normal') <> 'closed'
          AND (l.start_date IS NULL OR l.start_date <= $as_of)
        RETURN p.entity_id AS id, sum(coalesce(l.balance, l.amount, 0.0)) AS balance,
               collect(DISTINCT coalesce(l.status, 'normal')) AS statuses
        """,
        packed=("id", "balance", "statuses"),
    )
    balance = dict(zip(cols["id"], cols["balance"], strict=True))
    status: dict[str, str] = {}
    for eid, sts in zip(cols["id"], cols["statuses"], strict=True):
        status[eid] = "defaulted" if "defaulted" in sts else "overdue" if "overdue" in sts else "normal"
    return balance, status


def blacklist(ctx: RuleContext) -> dict[str, list[str]]:
    """Entities listed at as-of (listed on or before, not removed by then) → listing kinds."""

    def load() -> dict[str, list[str]]:
        cols = read_columns(
            ctx,
            f"""
            MATCH (p)-[:{S.LISTED_AS}]->(e:{S.BLACKLIST_ENTRY})
            WHERE {listing_active("e")}
            RETURN p.entity_id AS id, collect(DISTINCT e.kind) AS kinds
            """,
        )
        return dict(zip(cols["id"], cols["kinds"], strict=True))

    return ctx.cached("blacklist", load)


def entity_facts(ctx: RuleContext) -> EntityFacts:
    """Facts of every entity that has a guarantee, a loan, or a listing (not the whole graph)."""

    def load() -> EntityFacts:
        cols = read_columns(
            ctx,
            f"""
            MATCH (c:{S.COMPANY})
            WHERE c.net_assets IS NOT NULL
               OR EXISTS {{ (c)-[:{S.GUARANTEES}|{S.BORROWED}]-() }}
            RETURN c.entity_id AS id, c.name AS name, c.net_assets AS net_assets
            """,
            packed=("id", "name", "net_assets"),
        )
        kind = dict.fromkeys(cols["id"], "company")
        name = dict(zip(cols["id"], cols["name"], strict=True))
        net_assets = {
            i: float(v) for i, v in zip(cols["id"], cols["net_assets"], strict=True) if v is not None
        }
        pcols = read_columns(
            ctx,
            f"""
            MATCH (p:{S.PERSON})
            WHERE EXISTS {{ (p)-[:{S.GUARANTEES}|{S.BORROWED}|{S.LISTED_AS}]-() }}
            RETURN p.entity_id AS id, p.name AS name
            """,
            packed=("id", "name"),
        )
        for i, n in zip(pcols["id"], pcols["name"], strict=True):
            kind[i] = "person"
            name[i] = n
        balance, status = _loans(ctx)
        return EntityFacts(kind, name, net_assets, balance, status, blacklist(ctx))

    return ctx.cached("entity_facts", load)


def guarantee_graph(ctx: RuleContext) -> nx.DiGraph:
    """The guarantee network as a DiGraph (one edge per pair, summed amount) with node facts."""

    def load() -> nx.DiGraph:
        e = guarantee_edges(ctx)
        facts = entity_facts(ctx)
        G: nx.DiGraph = nx.DiGraph()
        G.add_weighted_edges_from(
            zip(e.guarantor.tolist(), e.borrower.tolist(), e.amount.tolist(), strict=True), weight="amount"
        )
        for n, attrs in G.nodes(data=True):
            attrs["kind"] = facts.kind.get(n, "company")
            if n in facts.net_assets:
                attrs["net_assets"] = facts.net_assets[n]
            if n in facts.loan_balance:
                attrs["loan_balance"] = facts.loan_balance[n]
            attrs["status"] = facts.loan_status.get(n, "normal")
            attrs["blacklisted"] = bool(facts.blacklisted.get(n))
        return G

    return ctx.cached("guarantee_graph", load)


# --------------------------------------------------------------------------------------------
# ownership, positions, family


@dataclass(frozen=True)
class OwnershipData:
    """Holder → company shareholdings (pct 0–100) valid at as-of, plus positions and family ties."""

    graph: nx.DiGraph  # nodes carry kind = "person" / "company"
    positions: list[tuple[str, str, str]]  # (person, company, role)
    family: list[tuple[str, str, str]]  # (person, person, relation)

    @cached_property
    def family_ties(self) -> FamilyTies:
        """The family pairs with their near-relative index, built once per run and shared by the
        control solver, the groups and the in-laws the rules show as evidence."""
        return FamilyTies.of(self.family)


def ownership(ctx: RuleContext) -> OwnershipData:
    """Read the ownership projection once per run.

    ``pct`` falls back to subscribed amount ÷ registered capital when the register gives only
    amounts. Two records of the same holder in the same company valid on the same day are taken
    as one holding (the larger pct): duplicates across sources must not double a stake.
    """

    def load() -> OwnershipData:
        cols = read_columns(
            ctx,
            f"""
            MATCH (h)-[r:{S.HOLDS_SHARES}]->(c:{S.COMPANY})
            WHERE {valid_at("r")}
            WITH h, c, coalesce(r.pct, CASE WHEN c.registered_capital > 0 AND r.amount IS NOT NULL
                                            THEN 100.0 * r.amount / c.registered_capital END) AS pct
            WHERE pct IS NOT NULL AND pct > 0
            RETURN h.entity_id AS h, c.entity_id AS c, max(pct) AS pct, h:{S.PERSON} AS person
            """,
            packed=("h", "c", "pct", "person"),
        )
        pool: dict[str, str] = {}
        hs, cs = _interned(cols.pop("h"), pool), _interned(cols.pop("c"), pool)
        G: nx.DiGraph = nx.DiGraph()
        persons = {h for h, p in zip(hs, cols["person"], strict=True) if p}
        # sorted: results must not depend on the order the database happens to return rows in
        G.add_weighted_edges_from(sorted(zip(hs, cs, cols["pct"], strict=True)), weight="pct")
        del hs, cs, cols
        for n, attrs in G.nodes(data=True):
            attrs["kind"] = "person" if n in persons else "company"
        pos = read_columns(
            ctx,
            f"""
            MATCH (p:{S.PERSON})-[r:{S.HOLDS_POSITION}]->(c:{S.COMPANY})
            WHERE {valid_at("r")} AND r.role IS NOT NULL
            RETURN DISTINCT p.entity_id AS p, c.entity_id AS c, r.role AS role
            """,
            packed=("p", "c", "role"),
        )
        fam = read_columns(
            ctx,
            f"""
            MATCH (a:{S.PERSON})-[r:{S.FAMILY_OF}]->(b:{S.PERSON})
            WHERE {valid_at("r")}
            RETURN DISTINCT a.entity_id AS a, b.entity_id AS b, r.relation AS relation
            """,
            packed=("a", "b", "relation"),
        )
        return OwnershipData(
            G,
            sorted(zip(*(_interned(pos[k], pool) for k in ("p", "c", "role")), strict=True)),
            sorted(zip(*(_interned(fam[k], pool) for k in ("a", "b", "relation")), strict=True)),
        )

    return ctx.cached("ownership", load)


def loan_balances(ctx: RuleContext) -> dict[str, float]:
    """Outstanding loan balance per borrower at as-of (loans not closed)."""
    return entity_facts(ctx).loan_balance


# --------------------------------------------------------------------------------------------
# linkage ball around seeds (contagion)

_LINK_TYPES = f"{S.HOLDS_SHARES}|{S.GUARANTEES}|{S.HOLDS_POSITION}|{S.FAMILY_OF}|{S.CONTROLS}"
_REL_OF = {
    S.HOLDS_SHARES: "shareholding",
    S.GUARANTEES: "guarantee",
    S.HOLDS_POSITION: "position",
    S.FAMILY_OF: "family",
    S.CONTROLS: "control",
    "SHARED_CONTACT": "shared_contact",
}

_NEIGHBOURS = f"""
UNWIND $ids AS id
CALL (id) {{
  MATCH (x:{S.COMPANY} {{entity_id: id}}) RETURN x
  UNION
  MATCH (x:{S.PERSON} {{entity_id: id}}) RETURN x
}}
CALL (x) {{
  MATCH (x)-[r:{_LINK_TYPES}]-(y)
  WHERE {valid_at("r")} AND ($current_derived OR type(r) <> '{S.CONTROLS}')
  RETURN y.entity_id AS other, type(r) AS t, startNode(r) = x AS outgoing, r.pct AS pct
  UNION ALL
  MATCH (x)-[r1:{S.HAS_PHONE}|{S.HAS_ADDRESS}]->(k)
  WHERE {valid_at("r1")} AND COUNT {{ (k)<-[:{S.HAS_PHONE}|{S.HAS_ADDRESS}]-() }} <= $max_contact_group
  MATCH (k)<-[r2:{S.HAS_PHONE}|{S.HAS_ADDRESS}]-(y)
  WHERE y <> x AND {valid_at("r2")}
  RETURN DISTINCT y.entity_id AS other, 'SHARED_CONTACT' AS t, true AS outgoing, null AS pct
}}
WITH id, other, t, outgoing, pct
RETURN collect([id, other, t, outgoing, pct]) AS rows
"""


def _as_of_control_rows(ctx: RuleContext, ids: list[str]) -> list[list[Any]]:
    """A snapshot's control links of ``ids`` as :data:`_NEIGHBOURS` rows (id, other, type, outgoing,
    pct): the graph's CONTROLS are today's, so a past date's come from its own shareholdings."""
    assert ctx.as_of_controls is not None
    get = ctx.as_of_controls

    def load() -> dict[str, list[tuple[str, bool]]]:
        adj: dict[str, list[tuple[str, bool]]] = {}
        for c, company in get():
            adj.setdefault(c, []).append((company, True))
            adj.setdefault(company, []).append((c, False))
        return adj

    adj = ctx.cached("as_of_controls", load)
    return [[i, other, S.CONTROLS, out, None] for i in ids for other, out in adj.get(i, ())]


class LinkageBall:
    """The linkage ball as sorted plain lists: the read-only part of the ``nx.MultiDiGraph`` API
    that :func:`~risk_rules.algorithms.blacklist_contagion` uses (``in``, iteration, ``len``,
    ``number_of_nodes``, ``edges(data=True)``), with the same node and edge order as the graph the
    ball used to be built into, at a fraction of networkx's memory (~5 × 10^6 links at scale l).
    """

    def __init__(self, nodes: list[str], edges: list[tuple[str, str, str, float | None]]) -> None:
        self._nodes = nodes  # sorted
        self._index = set(nodes)
        self._edges = edges  # sorted (u, v, rel, pct); pct only for shareholding

    def __contains__(self, n: object) -> bool:
        return n in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(self._nodes)

    def __len__(self) -> int:
        return len(self._nodes)

    def number_of_nodes(self) -> int:
        return len(self._nodes)

    def number_of_edges(self) -> int:
        return len(self._edges)

    def edges(self, data: bool = False) -> Iterator[Any]:
        if not data:
            return ((u, v) for u, v, _, _ in self._edges)
        return (
            (u, v, {"rel": rel, "pct": pct} if rel == "shareholding" else {"rel": rel})
            for u, v, rel, pct in self._edges
        )


def linkage_ball(
    ctx: RuleContext, seeds: list[str], hops: int, max_contact_group: int, batch: int = 20000
) -> LinkageBall:
    """The linkage graph restricted to entities within ``hops`` links of a seed.

    Read breadth-first, one UNWIND query per frontier batch, so the whole graph is never
    loaded: cost follows the size of the ball, not of the database. One extra round reads the
    links among the outermost ring, so the ball's internal edges are complete (PageRank inside
    the ball needs them). Shared phones/addresses become ``shared_contact`` links unless the
    contact is shared by more than ``max_contact_group`` entities (registered-agent addresses,
    switchboards: linking through them would glue unrelated firms together).
    """
    dist = dict.fromkeys(seeds, 0)
    pool: dict[str, str] = {s: s for s in seeds}  # one string object per entity id
    frontier = list(seeds)
    edges: dict[tuple[str, str, str], float | None] = {}

    def fetch(ids: list[str]) -> list:
        # One packed row per batch: streaming one Bolt record per link costs more than the
        # query itself (profiled: ~2/3 of the rule's time at 10^4–10^5 companies).
        cols = read_columns(ctx, _NEIGHBOURS, ids=ids, max_contact_group=max_contact_group)
        rows = cols["rows"][0] if cols["rows"] else []
        if ctx.snapshot and ctx.as_of_controls is not None:
            rows = rows + _as_of_control_rows(ctx, ids)
        return rows

    def batches_read(chunks: list[list[str]]):
        """Each chunk's rows, in chunk order, with the next query already running on the server
        while the previous rows are processed here (two in flight at most)."""
        with ThreadPoolExecutor(max_workers=2) as ex:
            pending = deque(ex.submit(fetch, c) for c in chunks[:2])
            for c in chunks[2:]:
                yield pending.popleft().result()
                pending.append(ex.submit(fetch, c))
            while pending:
                yield pending.popleft().result()

    for h in range(hops + 1):
        if not frontier:
            break
        nxt: list[str] = []
        chunks = [frontier[i : i + batch] for i in range(0, len(frontier), batch)]
        for rows in batches_read(chunks):
            for a, b, t, out, pct in rows:
                if b is None:
                    continue
                a, b = pool.setdefault(a, a), pool.setdefault(b, b)
                if b not in dist:
                    if h == hops:
                        continue  # the outermost ring: only links inside the ball
                    dist[b] = h + 1
                    nxt.append(b)
                u, v = (a, b) if out else (b, a)
                rel = _REL_OF[t]
                key = (u, v, rel) if rel != "shared_contact" else (min(u, v), max(u, v), rel)
                if key not in edges:
                    edges[key] = float(pct) if pct is not None else None
        frontier = sorted(nxt)
    # Sorted: the database returns rows in no fixed order, and ties between equally strong
    # explaining paths are broken by insertion order — sorting keeps evidence identical between
    # runs on unchanged data.
    rows = sorted(edges.items())
    del edges
    return LinkageBall(
        sorted(dist),
        [
            # unknown stake: no link weight
            (u, v, rel, (pct if pct is not None else 0.0) if rel == "shareholding" else None)
            for (u, v, rel), pct in rows
        ],
    )


def shared_contact_records(ctx: RuleContext, max_group: int) -> list[tuple[str, str, str]]:
    """(company, attribute, value) for phones, addresses and legal representatives that at least
    two companies share — values held by one company can never link anything, so they stay in
    the database. Groups larger than ``max_group`` are returned capped (enough to flag them)."""
    out: list[tuple[str, str, str]] = []
    for attr, query in (
        (
            "phone",
            f"MATCH (k:{S.PHONE})<-[r:{S.HAS_PHONE}]-(c:{S.COMPANY}) WHERE {valid_at('r')} "
            "WITH k.number AS value, collect(DISTINCT c.entity_id) AS cs WHERE size(cs) >= 2 "
            "RETURN value, cs[..$cap] AS cs",
        ),
        (
            "address",
            f"MATCH (k:{S.ADDRESS})<-[r:{S.HAS_ADDRESS}]-(c:{S.COMPANY}) WHERE {valid_at('r')} "
            "WITH k.address_key AS value, collect(DISTINCT c.entity_id) AS cs WHERE size(cs) >= 2 "
            "RETURN value, cs[..$cap] AS cs",
        ),
        (
            "legal_representative",
            f"MATCH (p:{S.PERSON})-[r:{S.HOLDS_POSITION}]->(c:{S.COMPANY}) "
            f"WHERE r.role = 'legal_representative' AND {valid_at('r')} "
            "WITH p.entity_id AS value, collect(DISTINCT c.entity_id) AS cs WHERE size(cs) >= 2 "
            "RETURN value, cs[..$cap] AS cs",
        ),
    ):
        cols = read_columns(ctx, query, cap=max_group + 1, packed=("value", "cs"))
        for value, cs in zip(cols["value"], cols["cs"], strict=True):
            out.extend((c, attr, value) for c in cs)
    return out
