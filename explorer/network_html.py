"""Subgraph → pyvis network → one self-contained HTML page (works offline).

pyvis builds the vis-network node/edge/option objects; the page is rendered from our own template
(explorer/templates/network.html) because pyvis' stock template pulls Bootstrap from a CDN in every
mode. vis-network's JS/CSS are inlined from the copy pyvis ships under pyvis/templates/lib, so the
exported file opens on an air-gapped desk the same as inside the app.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import pyvis
from pyvis.network import Network

from explorer.graph_data import GEdge, GNode, Subgraph
from graph_model import schema

TEMPLATES = Path(__file__).parent / "templates"
PYVIS_TEMPLATES = Path(pyvis.__file__).parent / "templates"
VIS_JS = PYVIS_TEMPLATES / "lib" / "vis-9.1.2" / "vis-network.min.js"
VIS_CSS = PYVIS_TEMPLATES / "lib" / "vis-9.1.2" / "vis-network.css"

# --- style: colour/shape per entity type, border per risk, colour/dash per relationship type ------


@dataclass(frozen=True)
class KindStyle:
    color: str
    shape: str
    zh: str


KIND_STYLES: dict[str, KindStyle] = {
    schema.COMPANY: KindStyle("#9ecae9", "dot", "企业 Company"),
    schema.PERSON: KindStyle("#a1d99b", "square", "自然人 Person"),
    schema.LOAN: KindStyle("#d9d9d9", "diamond", "贷款 Loan"),
    schema.BLACKLIST_ENTRY: KindStyle("#67000d", "star", "名单记录 Blacklist entry"),
    schema.GROUP: KindStyle("#bcbddc", "hexagon", "集团 Group"),
    schema.PHONE: KindStyle("#f0e0c0", "triangleDown", "电话 Phone"),
    schema.ADDRESS: KindStyle("#f0e0c0", "triangle", "地址 Address"),
    schema.ALERT: KindStyle("#fdae6b", "star", "预警 Alert"),
}
UNKNOWN_STYLE = KindStyle("#eeeeee", "dot", "其他 Other")

# risk tier → (border colour, border width, legend text); the contagion bands are the API's, decided
# with the contagion rule's own threshold and high score (no threshold is restated here)
RISK_TIERS: dict[str, tuple[str, int, str]] = {
    "listed": ("#d62728", 5, "在名单 Listed"),
    "high": ("#ff7f0e", 4, "传染高 Contagion high (≥ rule high score)"),
    "elevated": ("#e6b400", 3, "传染 Contagion (≥ rule threshold)"),
    "low": ("#4a4a4a", 1, "未受传染 Not reached"),
}
PATH_COLOR = "#1f1fff"
DISTRESS_COLOR = "#7f0000"  # background of a defaulted / overdue borrower
LOAN_STATUS_ZH = {"defaulted": "违约 defaulted", "overdue": "逾期 overdue"}
CIRCLE_MARK = "⟳"
DISTRESS_MARK = "⚠"
#: label length before it is shortened (the full name shows on hover)
LABEL_CHARS = 8
#: common company-name endings dropped from short labels (the full name stays in the hover text)
_NAME_ENDINGS = ("股份有限公司", "有限责任公司", "有限公司", "集团公司", "公司")

REL_STYLES: dict[str, tuple[str, bool, str]] = {
    schema.HOLDS_SHARES: ("#3182bd", False, "持股 shareholding %"),
    schema.GUARANTEES: ("#e6550d", False, "担保 guarantee (amount)"),
    schema.GUARANTEES_LOAN: ("#e6550d", True, "担保贷款 guarantees loan"),
    schema.HOLDS_POSITION: ("#31a354", False, "任职 position"),
    schema.FAMILY_OF: ("#756bb1", True, "亲属 family"),
    schema.CONTROLS: ("#a63603", True, "实际控制 control"),
    schema.BORROWED: ("#8c6d31", False, "借款 borrowed"),
    schema.LISTED_AS: ("#d62728", True, "列入名单 listed as"),
    schema.BRANCH_OF: ("#17becf", False, "分支机构 branch of"),
    schema.MEMBER_OF: ("#9467bd", True, "集团成员 member of"),
    schema.HAS_PHONE: ("#bdbdbd", True, "电话 phone"),
    schema.HAS_ADDRESS: ("#bdbdbd", True, "地址 address"),
}


def risk_tier(node: GNode) -> str:
    if node.listed:
        return "listed"
    if node.band in ("high", "elevated"):
        return node.band
    return "low"


def short_label(name: str, chars: int = LABEL_CHARS) -> str:
    """A label that stays readable in a crowded drawing: common endings dropped, then cut.

    >>> short_label("杭州甲科技有限公司")
    '杭州甲科技'
    >>> short_label("浙江省温州市某某机械制造股份有限公司")
    '浙江省温州市某…'
    >>> short_label("王建国")
    '王建国'
    """
    text = name
    for ending in _NAME_ENDINGS:
        if text.endswith(ending) and len(text) > len(ending):
            text = text[: -len(ending)]
            break
    return text if len(text) <= chars else text[: chars - 1] + "…"


def format_amount(value: float | int | None) -> str:
    """CNY the way a loan file writes it: 亿 / 万 with two decimals at most."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    v = float(value)
    if abs(v) >= 1e8:
        return f"{v / 1e8:.2f}".rstrip("0").rstrip(".") + "亿"
    if abs(v) >= 1e4:
        return f"{v / 1e4:.2f}".rstrip("0").rstrip(".") + "万"
    return f"{v:.0f}"


def format_pct(value: float | int | None, *, fraction: bool = False) -> str:
    if value is None:
        return ""
    v = float(value) * (100 if fraction else 1)
    return f"{v:.2f}".rstrip("0").rstrip(".") + "%"


def edge_label(edge: GEdge) -> str:
    """What the line says: shareholding %, guaranteed amount, role, relation, control share."""
    p = edge.props
    if edge.type == schema.HOLDS_SHARES:
        return format_pct(p.get("pct"))
    if edge.type in (schema.GUARANTEES, schema.GUARANTEES_LOAN):
        return format_amount(p.get("amount"))
    if edge.type == schema.HOLDS_POSITION:
        return str(p.get("role") or p.get("title") or "")
    if edge.type == schema.FAMILY_OF:
        return str(p.get("relation") or "")
    if edge.type == schema.CONTROLS:
        return format_pct(p.get("share"), fraction=True) if p.get("share") is not None else ""
    return ""


def _tooltip(node: GNode) -> str:
    """Plain-text hover title (vis-network shows strings as text, so nothing here is interpreted)."""
    lines = [f"{node.name}", f"{KIND_STYLES.get(node.kind, UNKNOWN_STYLE).zh}", f"id: {node.id}"]
    if node.risk is not None:
        lines.append(f"风险 risk: {node.risk:.2f}")
    if node.listed:
        lines.append("在名单 listed")
    if node.loan_status:
        lines.append(f"贷款 loan: {LOAN_STATUS_ZH.get(node.loan_status, node.loan_status)}")
    if node.circle_id:
        lines.append(f"担保圈 guarantee circle: {node.circle_id}")
    if node.alerts:
        lines.append(f"预警 alerts: {node.alerts}")
    for key in ("uscc", "id_number", "region", "industry", "status", "amount", "balance", "kind"):
        if node.props.get(key) not in (None, ""):
            lines.append(f"{key}: {node.props[key]}")
    return "\n".join(lines)


def node_options(node: GNode, *, center: bool, on_path: bool, dimmed: bool) -> dict[str, Any]:
    style = KIND_STYLES.get(node.kind, UNKNOWN_STYLE)
    border, width, _ = RISK_TIERS[risk_tier(node)]
    if on_path:
        border, width = PATH_COLOR, 6
    size = 14 + (10 if center else 0) + (8 * node.risk if node.risk else 0)
    background = DISTRESS_COLOR if node.loan_status else style.color
    marks = (DISTRESS_MARK if node.loan_status else "") + (CIRCLE_MARK if node.circle_id else "")
    opts: dict[str, Any] = {
        "label": (marks + " " if marks else "") + short_label(node.name),
        # what the page's label placement draws: the short name (the full one zoomed in), marks first
        "short_label": short_label(node.name),
        "full_label": node.name,
        "marks": marks,
        "center": center,
        "on_path": on_path,
        "title": _tooltip(node),
        "shape": style.shape,
        "size": round(size, 1),
        "borderWidth": width,
        "color": {
            "background": background,
            "border": border,
            "highlight": {"background": "#ffff99", "border": border},
            "hover": {"background": background, "border": border},
        },
        "kind": node.kind,
        "risk_tier": risk_tier(node),
        "loan_status": node.loan_status or "",
        "circle_id": node.circle_id or "",
    }
    if node.circle_id:
        opts["shapeProperties"] = {"borderDashes": [6, 3]}
    if dimmed:
        opts["opacity"] = 0.35
    return opts


def edge_width(edge: GEdge, *, on_path: bool) -> float:
    """Shareholdings drawn as wide as their share (an 81% owner's line four times a 19% holder's);
    other links thin, a highlighted path thick.

    >>> e = lambda pct: GEdge("P:A", "C:B", schema.HOLDS_SHARES, {"pct": pct})
    >>> edge_width(e(81.0), on_path=False) > 4 * edge_width(e(19.0), on_path=False) * 0.9
    True
    >>> edge_width(e(19.0), on_path=True) == edge_width(e(19.0), on_path=False)
    True
    """
    if edge.type == schema.HOLDS_SHARES and isinstance(edge.props.get("pct"), int | float):
        return round(max(0.5, 10.0 * float(edge.props["pct"]) / 100.0), 2)
    return 5.0 if on_path else 1.5


def _edge_tooltip(edge: GEdge) -> str:
    """Plain text: the relationship and its facts as ``name: value`` lines."""
    _, _, text = REL_STYLES.get(edge.type, ("", False, edge.type))
    lines = [text]
    label = edge_label(edge)
    if label:
        lines.append(label)
    for k, v in edge.props.items():
        if v not in (None, "") and not str(k).startswith("_") and k not in ("pct", "amount"):
            lines.append(f"{k}: {v}")
    return "\n".join(lines)


def edge_options(edge: GEdge, *, on_path: bool, dimmed: bool) -> dict[str, Any]:
    color, dashed, _ = REL_STYLES.get(edge.type, ("#999999", False, edge.type))
    if on_path:
        color = PATH_COLOR
    return {
        "label": edge_label(edge),
        "title": _edge_tooltip(edge),
        "color": {"color": color, "opacity": 0.25 if dimmed else 1.0},
        "dashes": dashed,
        "width": edge_width(edge, on_path=on_path),
        "arrows": "to",
        "font": {"size": 11, "align": "middle", "strokeWidth": 3},
        "rel_type": edge.type,
        "id": edge.key,
    }


def vis_options(node_count: int, *, hierarchical: bool = False) -> dict[str, Any]:
    """Physics that settles: a bounded stabilization, then the page turns physics off.

    Measured in headless Chromium (bench/explorer/run.py): at 500 nodes the time goes mostly into the
    yields between stabilization batches, so large graphs run their iterations in one or two batches
    (``updateInterval``) with a coarser Barnes-Hut (``theta``); improvedLayout (Kamada-Kawai seeding)
    costs seconds above ~100 nodes and is used on small graphs only.
    """
    if hierarchical:  # ownership trees: owners above what they own, no physics needed
        return {
            "physics": {"enabled": False},
            "layout": {
                "hierarchical": {
                    "enabled": True,
                    "direction": "UD",
                    "sortMethod": "directed",
                    "levelSeparation": 130,
                    "nodeSpacing": 170,
                }
            },
            "interaction": {"hover": True, "tooltipDelay": 150},
            "edges": {"smooth": {"enabled": True, "type": "cubicBezier", "forceDirection": "vertical"}},
            "nodes": {"font": {"size": 13}},
        }
    small = node_count <= 150
    iterations = 400 if small else 150
    return {
        "physics": {
            "enabled": True,
            "solver": "barnesHut",
            "barnesHut": {
                "gravitationalConstant": -6000,
                "springLength": 140,
                "springConstant": 0.04,
                "damping": 0.3,
                "avoidOverlap": 0.1,
                "theta": 0.5 if small else 0.9,
            },
            "stabilization": {
                "enabled": True,
                "iterations": iterations,
                "updateInterval": 100 if small else iterations,
                "fit": True,
            },
            "minVelocity": 1.0,
        },
        "layout": {"improvedLayout": node_count <= 100, "randomSeed": 7},
        "interaction": {"hover": True, "tooltipDelay": 150, "navigationButtons": False},
        "edges": {"smooth": {"enabled": node_count <= 200, "type": "dynamic"}},
        "nodes": {"font": {"size": 13}, "scaling": {"label": {"drawThreshold": 1}}},
    }


def build_network(
    sg: Subgraph, *, height: str = "650px", width: str = "100%", hierarchical: bool = False
) -> Network:
    """The pyvis network of a subgraph: styled by type and risk, path highlighted when set."""
    net = Network(height=height, width=width, directed=True, cdn_resources="in_line")
    has_path = bool(sg.highlight_nodes)
    for n in sg.nodes:
        on_path = n.id in sg.highlight_nodes
        net.add_node(
            n.id,
            **node_options(n, center=n.id == sg.center, on_path=on_path, dimmed=has_path and not on_path),
        )
    known = {n.id for n in sg.nodes}
    for e in sg.edges:
        if e.source in known and e.target in known:
            on_path = e.key in sg.highlight_edges
            net.add_edge(
                e.source, e.target, **edge_options(e, on_path=on_path, dimmed=has_path and not on_path)
            )
    net.options = vis_options(len(sg.nodes), hierarchical=hierarchical)
    return net


def legend(sg: Subgraph | None = None) -> dict[str, list[dict[str, Any]]]:
    """Legend entries drawn as the shapes the network draws: node types (shape and fill), the risk
    borders, the defaulted fill and circle dashes when present, and the relationship lines."""
    kinds = [k for k in KIND_STYLES if sg is None or any(n.kind == k for n in sg.nodes)]
    rels = [r for r in REL_STYLES if sg is None or any(e.type == r for e in sg.edges)]
    node_items = [
        {
            "text": KIND_STYLES[k].zh,
            "color": KIND_STYLES[k].color,
            "border": "#4a4a4a",
            "shape": KIND_STYLES[k].shape,
            "dashed": False,
        }
        for k in kinds
    ]
    tiers = [t for t in RISK_TIERS if sg is None or any(risk_tier(n) == t for n in sg.nodes)]
    node_items += [
        {
            "text": RISK_TIERS[t][2],
            "color": "#ffffff",
            "border": RISK_TIERS[t][0],
            "shape": "dot",
            "dashed": False,
        }
        for t in tiers
    ]
    if sg is None or any(n.loan_status for n in sg.nodes):
        node_items.append(
            {
                "text": f"{DISTRESS_MARK} 违约/逾期 Defaulted / overdue",
                "color": DISTRESS_COLOR,
                "border": "#4a4a4a",
                "shape": "dot",
                "dashed": False,
            }
        )
    if sg is None or any(n.circle_id for n in sg.nodes):
        node_items.append(
            {
                "text": f"{CIRCLE_MARK} 担保圈成员 Circle member",
                "color": "#ffffff",
                "border": "#4a4a4a",
                "shape": "dot",
                "dashed": True,
            }
        )
    if sg is not None and sg.highlight_nodes:
        node_items.append(
            {"text": "路径 path", "color": "#ffffff", "border": PATH_COLOR, "shape": "dot", "dashed": False}
        )
    edge_items = [
        {"text": REL_STYLES[r][2], "color": REL_STYLES[r][0], "dashed": REL_STYLES[r][1]} for r in rels
    ]
    return {"nodes": node_items, "edges": edge_items}


def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(TEMPLATES), str(PYVIS_TEMPLATES)]),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=True),
    )


def render_html(
    sg: Subgraph,
    *,
    title: str = "",
    warnings: list[str] | None = None,
    height: str = "650px",
    width: str = "100%",
    show_legend: bool = True,
    hierarchical: bool = False,
) -> str:
    """The standalone interactive page for a subgraph (the app embeds it, the export saves it)."""
    net = build_network(sg, height=height, width=width, hierarchical=hierarchical)
    nodes, edges, _heading, _h, _w, options = net.get_network_data()
    return (
        _env()
        .get_template("network.html")
        .render(
            title=title,
            warnings=warnings or [],
            nodes=nodes,
            edges=edges,
            options=options,
            height=height,
            width=width,
            legend=legend(sg) if show_legend else None,
            node_count=len(nodes),
            edge_count=len(edges),
        )
    )


#: resource-loading constructs that would reach a network host
_REMOTE_RESOURCE = re.compile(
    r"""(?:\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?//)|(?:url\(\s*["']?\s*(?:https?:)?//)|(?:@import\s+["']?(?:url\()?\s*["']?(?:https?:)?//)""",
    re.IGNORECASE,
)


def remote_resources(html: str) -> list[str]:
    """Every place the page would load something from a host (empty = works offline)."""
    return [html[max(0, m.start() - 20) : m.end() + 60] for m in _REMOTE_RESOURCE.finditer(html)]
