"""API JSON → a small, normalized subgraph the renderers share.

The API answers neighbourhoods, paths, chains and circles with nodes and relationships; this module
reads them tolerantly (``id``/``entity_id``, ``type``/``label``/``labels``, ``source``/``start``…) so
that renderers, exports and tests depend on one shape only, and offers the pure graph operations the
network view needs: merge after an expansion, filter by relationship type, cap by size, mark a path.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from graph_model import schema

#: node labels a subgraph can hold, in legend order
NODE_KINDS = (
    schema.COMPANY,
    schema.PERSON,
    schema.LOAN,
    schema.BLACKLIST_ENTRY,
    schema.GROUP,
    schema.PHONE,
    schema.ADDRESS,
    schema.ALERT,
)


@dataclass(frozen=True)
class GNode:
    id: str
    kind: str
    name: str
    props: Mapping[str, Any] = field(default_factory=dict)
    risk: float | None = None  # contagion / risk score in [0, 1] when the API gives one
    listed: bool = False  # on a blacklist (directly)
    alerts: int = 0  # open alerts concerning it
    band: str | None = None  # the API's contagion band: high / elevated (the rule's own thresholds)
    loan_status: str | None = None  # defaulted / overdue: its worst open loan
    circle_id: str | None = None  # the guarantee circle it belongs to


@dataclass(frozen=True)
class GEdge:
    source: str
    target: str
    type: str
    props: Mapping[str, Any] = field(default_factory=dict)
    id: str = ""

    @property
    def key(self) -> str:
        """Identity of the edge: the API's id when given, else type + ends + contract (one per contract)."""
        if self.id:
            return self.id
        extra = self.props.get("contract_id") or self.props.get("role") or self.props.get("relation") or ""
        return f"{self.source}-{self.type}-{self.target}-{extra}"


@dataclass(frozen=True)
class Subgraph:
    nodes: tuple[GNode, ...] = ()
    edges: tuple[GEdge, ...] = ()
    center: str | None = None
    truncated: bool = False  # the API capped a supernode's neighbours
    capped_nodes: tuple[str, ...] = ()  # ids of nodes whose neighbours were capped
    highlight_nodes: frozenset[str] = frozenset()
    highlight_edges: frozenset[str] = frozenset()

    def node(self, node_id: str) -> GNode | None:
        return next((n for n in self.nodes if n.id == node_id), None)

    @property
    def rel_types(self) -> list[str]:
        return sorted({e.type for e in self.edges})


# --- reading API JSON ----------------------------------------------------------------------------


def _first(d: Mapping[str, Any], *keys: str, default: Any = None) -> Any:
    for k in keys:
        if k in d and d[k] is not None:
            return d[k]
    return default


def _kind(raw: Mapping[str, Any]) -> str:
    kind = _first(raw, "kind", "type", "label")
    if kind is None:
        labels = raw.get("labels") or []
        kind = next((lab for lab in labels if lab in NODE_KINDS), labels[0] if labels else "Unknown")
    return str(kind)


def node_from_api(raw: Mapping[str, Any]) -> GNode:
    props = dict(raw.get("properties") or raw.get("props") or {})
    flat = {**props, **{k: v for k, v in raw.items() if k not in ("properties", "props")}}
    node_id = str(_first(flat, "id", "entity_id", "key", "loan_id", "entry_id", "group_id", "alert_id"))
    name = _first(
        flat, "caption", "name", "display_name", "loan_id", "entry_id", "number", "text", default=node_id
    )
    styling = raw.get("styling") or {}
    risk = styling.get("contagion_score")
    if risk is None:
        risk = _first(flat, "risk_score", "risk", "score")
    listed = bool(styling.get("listed")) or bool(
        _first(flat, "listed", "blacklisted", "is_listed", default=False)
    )
    alerts = _first(flat, "alert_count", "open_alerts", "alerts", default=0)
    if isinstance(alerts, list):
        alerts = len(alerts)
    return GNode(
        id=node_id,
        kind=_kind(raw),
        name=str(name),
        props=props
        or {
            k: v
            for k, v in raw.items()
            if k not in ("id", "labels", "kind", "type", "label", "caption", "styling")
        },
        risk=float(risk) if isinstance(risk, int | float) else None,
        listed=listed or _kind(raw) == schema.BLACKLIST_ENTRY,
        alerts=int(alerts or 0),
        band=styling.get("contagion_band"),
        loan_status=styling.get("loan_status"),
        circle_id=styling.get("circle_id"),
    )


def edge_from_api(raw: Mapping[str, Any]) -> GEdge:
    props = dict(raw.get("properties") or raw.get("props") or {})
    for k in ("pct", "amount", "role", "relation", "share", "contract_id", "kind"):
        if k in raw and k not in props:
            props[k] = raw[k]
    return GEdge(
        source=str(_first(raw, "source", "start", "from", "src")),
        target=str(_first(raw, "target", "end", "to", "dst")),
        type=str(_first(raw, "type", "rel_type", "label", default="RELATED")),
        props=props,
        id=str(_first(raw, "id", "rel_id", "element_id", default="")),
    )


def subgraph_from_api(payload: Mapping[str, Any], center: str | None = None) -> Subgraph:
    """Read a neighbourhood / path / chain / circle answer of the API.

    Supernodes the API left unexpanded (``expanded: false``, ``left_out.supernodes``) and nodes dropped
    over its ``max_nodes`` cap mark the subgraph truncated, so the page can warn. A party with a
    ``LISTED_AS`` edge to a listing that has no removal date counts as listed.
    """
    nodes = [node_from_api(n) for n in payload.get("nodes", [])]
    edges = tuple(edge_from_api(e) for e in _first(payload, "edges", "relationships", "rels", default=[]))
    left_out = payload.get("left_out") or {}
    capped = list(payload.get("capped_nodes") or []) + list(left_out.get("supernodes") or [])
    capped_ids = [str(c if isinstance(c, str) else _first(c, "node", "id", "entity_id")) for c in capped]
    capped_ids += [str(n.get("id")) for n in payload.get("nodes", []) if n.get("expanded") is False]
    return Subgraph(
        nodes=_derive_listed(nodes, edges),
        edges=edges,
        center=center or _first(payload, "center", "root", "center_id", "entity_id", "source"),
        truncated=bool(payload.get("truncated") or capped_ids or left_out.get("nodes_over_cap")),
        capped_nodes=tuple(dict.fromkeys(capped_ids)),
    )


def _derive_listed(nodes: Iterable[GNode], edges: Iterable[GEdge]) -> tuple[GNode, ...]:
    """Mark parties with a LISTED_AS edge to a current listing (no removal date) in view as listed."""
    nodes = tuple(nodes)
    by_id = {n.id: n for n in nodes}
    listed = {
        e.source
        for e in edges
        if e.type == schema.LISTED_AS and e.target in by_id and not by_id[e.target].props.get("removal_date")
    }
    return tuple(replace(n, listed=True) if n.id in listed and not n.listed else n for n in nodes)


def subgraph_from_paths(payload: Mapping[str, Any]) -> Subgraph:
    """The union of the shortest paths the API found, the first one highlighted."""
    paths = payload.get("paths") or []
    sg = Subgraph(center=payload.get("source"))
    for p in paths:
        sg = merge(sg, subgraph_from_api(p, center=payload.get("source")))
    if paths:
        sg = mark_path(sg, [str(_first(n, "id", "entity_id")) for n in paths[0]["nodes"]])
    return sg


# --- operations the network view needs ----------------------------------------------------------


def merge(base: Subgraph, extra: Subgraph) -> Subgraph:
    """Union of two subgraphs (expanding a node); the base keeps its center, first node wins."""
    seen = {n.id for n in base.nodes}
    nodes = base.nodes + tuple(n for n in extra.nodes if n.id not in seen)
    keys = {e.key for e in base.edges}
    edges = base.edges + tuple(e for e in extra.edges if e.key not in keys)
    return replace(
        base,
        nodes=_derive_listed(nodes, edges),
        edges=edges,
        truncated=base.truncated or extra.truncated,
        capped_nodes=tuple(dict.fromkeys(base.capped_nodes + extra.capped_nodes)),
        highlight_nodes=base.highlight_nodes | extra.highlight_nodes,
        highlight_edges=base.highlight_edges | extra.highlight_edges,
    )


def filter_rel_types(sg: Subgraph, keep: Iterable[str]) -> Subgraph:
    """Only edges of the kept types, and only nodes still attached to one (the center always stays)."""
    keep = set(keep)
    edges = tuple(e for e in sg.edges if e.type in keep)
    attached = {e.source for e in edges} | {e.target for e in edges}
    if sg.center:
        attached.add(sg.center)
    nodes = tuple(n for n in sg.nodes if n.id in attached)
    return replace(sg, nodes=nodes, edges=edges)


def cap_nodes(sg: Subgraph, max_nodes: int) -> tuple[Subgraph, int]:
    """Keep at most ``max_nodes`` nodes, nearest to the center first (BFS); returns the number dropped.

    The API caps supernodes already; this is the drawing budget of the browser on top of it.
    """
    if len(sg.nodes) <= max_nodes:
        return sg, 0
    adj: dict[str, list[str]] = {}
    for e in sg.edges:
        adj.setdefault(e.source, []).append(e.target)
        adj.setdefault(e.target, []).append(e.source)
    start = sg.center if sg.center and sg.node(sg.center) else sg.nodes[0].id
    order: list[str] = [start]
    seen = {start}
    i = 0
    while i < len(order) and len(order) < max_nodes:
        for nb in adj.get(order[i], []):
            if nb not in seen:
                seen.add(nb)
                order.append(nb)
        i += 1
    for n in sg.nodes:  # disconnected leftovers, in API order
        if len(order) >= max_nodes:
            break
        if n.id not in seen:
            seen.add(n.id)
            order.append(n.id)
    kept = set(order[:max_nodes])
    nodes = tuple(n for n in sg.nodes if n.id in kept)
    edges = tuple(e for e in sg.edges if e.source in kept and e.target in kept)
    return replace(sg, nodes=nodes, edges=edges, truncated=True), len(sg.nodes) - len(nodes)


def mark_path(sg: Subgraph, path_nodes: Iterable[str]) -> Subgraph:
    """Highlight a path given as its node ids in order: those nodes and one edge per consecutive pair."""
    ids = list(path_nodes)
    pairs = {frozenset((a, b)) for a, b in zip(ids, ids[1:], strict=False)}
    chosen: set[str] = set()
    covered: set[frozenset[str]] = set()
    for e in sg.edges:
        pair = frozenset((e.source, e.target))
        if pair in pairs and pair not in covered:
            chosen.add(e.key)
            covered.add(pair)
    return replace(sg, highlight_nodes=frozenset(ids), highlight_edges=frozenset(chosen))


# --- other API answers drawn as networks ---------------------------------------------------------


def _party(entity_id: str, name: str | None = None, **extra: Any) -> GNode:
    kind = schema.PERSON if entity_id.startswith("P:") else schema.COMPANY
    return GNode(
        id=entity_id, kind=kind, name=name or entity_id, props={"name": name} if name else {}, **extra
    )


def subgraph_from_ownership(payload: Mapping[str, Any], names: Mapping[str, str] | None = None) -> Subgraph:
    """The ownership answer (``edges``: holder, company, pct) as a tree; the controller's chain marked.

    Names come from ``direct_holders`` and the caller (the entity's own name); other ids show as ids.
    """
    root = str(payload.get("entity_id"))
    known = dict(names or {})
    for h in payload.get("direct_holders") or []:
        if h.get("name"):
            known[str(h["holder"])] = str(h["name"])
    for o in (payload.get("beneficial_owners") or {}).get("owners") or []:
        if o.get("name"):
            known[str(o["person"])] = str(o["name"])
    ids: dict[str, None] = {root: None}
    edges = []
    for e in payload.get("edges") or []:
        h, c = str(e["holder"]), str(e["company"])
        ids.setdefault(h, None)
        ids.setdefault(c, None)
        edges.append(GEdge(source=h, target=c, type=schema.HOLDS_SHARES, props={"pct": e.get("pct")}))
    bo = {str(o["person"]) for o in (payload.get("beneficial_owners") or {}).get("owners") or []}
    nodes = tuple(_party(i, known.get(i), risk=None) for i in ids)
    sg = Subgraph(nodes=nodes, edges=tuple(edges), center=root)
    controller = payload.get("controller") or {}
    chain: list[str] = []
    for link in controller.get("chain") or []:
        for c in link.get("controller") or []:
            chain.append(str(c))
        chain.append(str(link.get("company")))
    if chain:
        sg = mark_path(sg, list(dict.fromkeys(chain)))
    elif bo:
        sg = replace(sg, highlight_nodes=frozenset(bo | {root}))
    return sg


def subgraph_from_circle(detail: Mapping[str, Any]) -> Subgraph:
    """A guarantee circle (``members`` with facts, ``edges`` guarantor → borrower) with its first cycle marked."""
    circle_id = (detail.get("circle") or {}).get("circle_id")
    nodes = tuple(
        _party(
            str(m["entity_id"]),
            m.get("name"),
            listed=bool(m.get("listed")),
            loan_status=_worst_loan(m.get("loans") or []),
            circle_id=circle_id,
        )
        if isinstance(m, Mapping)
        else _party(str(m))
        for m in detail.get("members") or []
    )
    edges = tuple(
        GEdge(
            source=str(e["guarantor"]),
            target=str(e["borrower"]),
            type=schema.GUARANTEES,
            props={k: e.get(k) for k in ("amount", "contract_id", "loan_id") if e.get(k) is not None},
        )
        for e in detail.get("edges") or []
    )
    sg = Subgraph(nodes=nodes, edges=edges)
    cycles = detail.get("cycles") or []
    if cycles and isinstance(cycles[0], list):
        sg = mark_path(sg, [str(x) for x in cycles[0]])
    return sg


def _worst_loan(loans: Iterable[Mapping[str, Any]]) -> str | None:
    statuses = {str(lo.get("status")) for lo in loans}
    return next((s for s in ("defaulted", "overdue") if s in statuses), None)


def subgraph_from_reach(
    rows: Iterable[Mapping[str, Any]], names: Mapping[str, str] | None = None
) -> Subgraph:
    """Newly reached entities and the explaining paths from the listed seeds (``nodes``/``rels`` lists).

    The first node of each path is a listed seed; edges are drawn seed → … → entity with the
    relationship type of each hop (the snapshot does not keep directions).
    """
    names = dict(names or {})
    seeds: set[str] = set()
    order: dict[str, None] = {}
    edges: dict[str, GEdge] = {}
    rows_list = list(rows)
    for row in rows_list:
        names[str(row["entity_id"])] = str(
            row.get("name") or names.get(str(row["entity_id"])) or row["entity_id"]
        )
        order.setdefault(str(row["entity_id"]), None)
        for p in row.get("paths") or []:
            ids = [str(x) for x in (p.get("nodes") if isinstance(p, Mapping) else p) or []]
            rels = list(p.get("rels") or []) if isinstance(p, Mapping) else []
            if ids:
                seeds.add(ids[0])
            for i, (a, b) in enumerate(zip(ids, ids[1:], strict=False)):
                order.setdefault(a, None)
                order.setdefault(b, None)
                rel = str(rels[i]) if i < len(rels) else "RELATED"
                edge = GEdge(source=a, target=b, type=rel)
                edges.setdefault(edge.key, edge)
    reached = {str(row["entity_id"]): row for row in rows_list}
    nodes = tuple(
        _party(
            i,
            names.get(i),
            listed=i in seeds,
            risk=float(reached[i]["score"]) if i in reached and reached[i].get("score") is not None else None,
        )
        for i in order
    )
    return Subgraph(nodes=nodes, edges=tuple(edges.values()))
