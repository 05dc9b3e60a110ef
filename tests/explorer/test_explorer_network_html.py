"""The network page: offline (no remote resource), styled by type and risk, labelled edges, legend, escaping."""

from __future__ import annotations

import json
import re

import pytest

from explorer.graph_data import mark_path, subgraph_from_api
from explorer.network_html import (
    KIND_STYLES,
    PATH_COLOR,
    RISK_TIERS,
    VIS_JS,
    build_network,
    edge_label,
    format_amount,
    remote_resources,
    render_html,
)
from explorer.sample_graph import neighbourhood


def _sg():
    return subgraph_from_api(
        {
            "center": "C:1",
            "nodes": [
                {"id": "C:1", "type": "Company", "name": "甲公司"},
                {"id": "C:2", "type": "Company", "name": "乙公司", "listed": True},
                {
                    "id": "P:1",
                    "type": "Person",
                    "name": "张三",
                    "styling": {"contagion_score": 0.65, "contagion_band": "high"},
                },
                {
                    "id": "P:2",
                    "type": "Person",
                    "name": "李四",
                    "styling": {
                        "contagion_score": 0.35,
                        "contagion_band": "elevated",
                        "loan_status": "overdue",
                    },
                },
            ],
            "edges": [
                {"source": "P:1", "target": "C:1", "type": "HOLDS_SHARES", "properties": {"pct": 51.5}},
                {
                    "source": "C:2",
                    "target": "C:1",
                    "type": "GUARANTEES",
                    "properties": {"amount": 12_000_000},
                },
                {"source": "P:2", "target": "P:1", "type": "FAMILY_OF", "properties": {"relation": "spouse"}},
            ],
        }
    )


def _vis_data(html: str, which: str) -> list[dict]:
    m = re.search(rf"var {which} = new vis\.DataSet\((.*?)\);\n", html, re.S)
    assert m, which
    return json.loads(m.group(1))


def test_page_loads_nothing_from_any_host_and_inlines_vis_network():
    html = render_html(subgraph_from_api(neighbourhood(120)), title="t")
    assert remote_resources(html) == []
    assert "<script src" not in html and "<link" not in html
    assert VIS_JS.read_text(encoding="utf-8")[:2000] in html  # the library itself is in the page


def test_remote_resource_detector_catches_cdn_links():
    # the detector must fail pages like pyvis' stock template, or the offline test above proves nothing
    bad = [
        '<script src="https://cdn.jsdelivr.net/npm/x.js"></script>',
        "<link href='//cdnjs.cloudflare.com/a.css' rel=stylesheet>",
        "<style>@import url(https://fonts.googleapis.com/css);</style>",
        '<div style="background: url( http://x/y.png)"></div>',
    ]
    for snippet in bad:
        assert remote_resources(snippet), snippet
    assert remote_resources('<svg xmlns="http://www.w3.org/2000/svg"></svg>') == []
    stock = build_network(_sg())
    stock.cdn_resources = "remote"
    assert remote_resources(stock.generate_html())


def test_nodes_are_styled_by_type_and_risk_tier():
    html = render_html(_sg())
    nodes = {n["id"]: n for n in _vis_data(html, "nodes")}
    assert nodes["C:1"]["color"]["background"] == KIND_STYLES["Company"].color
    assert nodes["P:1"]["shape"] == KIND_STYLES["Person"].shape
    assert nodes["C:2"]["color"]["border"] == RISK_TIERS["listed"][0]
    assert nodes["P:1"]["color"]["border"] == RISK_TIERS["high"][0]
    assert nodes["P:2"]["color"]["border"] == RISK_TIERS["elevated"][0]
    assert nodes["P:2"]["label"].startswith("⚠") and nodes["P:1"]["label"] == "张三"
    assert nodes["C:1"]["color"]["border"] == RISK_TIERS["low"][0]
    assert nodes["C:1"]["size"] > nodes["C:2"]["size"]  # the center stands out


def test_edges_carry_shareholding_percent_and_guaranteed_amount():
    edges = {e["rel_type"]: e for e in _vis_data(render_html(_sg()), "edges")}
    assert edges["HOLDS_SHARES"]["label"] == "51.5%"
    assert edges["GUARANTEES"]["label"] == "1200万"
    assert edges["FAMILY_OF"]["label"] == "spouse"
    assert all(e["arrows"] == "to" for e in edges.values())


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, ""), (5000, "5000"), (12_000_000, "1200万"), (350_000_000, "3.5亿"), (10_000, "1万")],
)
def test_amounts_are_written_in_wan_and_yi(value, text):
    assert format_amount(value) == text


def test_unknown_relationship_has_no_label_rather_than_a_wrong_one():
    sg = subgraph_from_api(
        {"nodes": [], "edges": [{"source": "a", "target": "b", "type": "NEW_KIND", "amount": 5}]}
    )
    assert edge_label(sg.edges[0]) == ""


def test_path_is_highlighted_and_the_rest_dimmed():
    sg = mark_path(_sg(), ["P:2", "P:1", "C:1"])
    html = render_html(sg)
    nodes = {n["id"]: n for n in _vis_data(html, "nodes")}
    edges = {e["rel_type"]: e for e in _vis_data(html, "edges")}
    assert {i for i, n in nodes.items() if n["color"]["border"] == PATH_COLOR} == {"P:2", "P:1", "C:1"}
    assert nodes["C:2"].get("opacity", 1) < 1
    assert (
        edges["FAMILY_OF"]["color"]["color"] == PATH_COLOR
        and edges["HOLDS_SHARES"]["color"]["color"] == PATH_COLOR
    )
    assert edges["GUARANTEES"]["color"]["color"] != PATH_COLOR
    assert "路径 path" in html


def test_legend_lists_the_types_present_only():
    html = render_html(_sg())
    legend = html[html.index('<div id="rg-legend">') : html.index('<script type="text/javascript">')]
    assert "企业 Company" in legend and "自然人 Person" in legend and "担保 guarantee" in legend
    assert "贷款 Loan" not in legend and "借款 borrowed" not in legend
    # each entry is drawn as the shape the network draws: a square for persons, a dot for companies
    assert 'data-shape="square"><svg' in legend and "<rect" in legend
    assert 'data-shape="dot"><svg' in legend and "<circle" in legend
    assert "违约/逾期 Defaulted / overdue" in legend and "担保圈成员" not in legend


def test_shareholding_lines_are_as_wide_as_the_share():
    sg = subgraph_from_api(
        {
            "nodes": [
                {"id": i, "type": "Person" if i[0] == "P" else "Company", "name": i}
                for i in ("P:A", "P:B", "C:X")
            ],
            "edges": [
                {"source": "P:A", "target": "C:X", "type": "HOLDS_SHARES", "properties": {"pct": 81.0}},
                {"source": "P:B", "target": "C:X", "type": "HOLDS_SHARES", "properties": {"pct": 19.0}},
            ],
        }
    )
    sg = mark_path(sg, ["P:B", "C:X"])  # the controller's chain marked: colour, not width
    widths = {e["label"]: e["width"] for e in _vis_data(render_html(sg, hierarchical=True), "edges")}
    assert widths["81%"] == pytest.approx(widths["19%"] * 81 / 19, rel=0.02)


def test_crowded_drawings_keep_short_labels_with_the_full_name_on_hover():
    nb = subgraph_from_api(neighbourhood(300))
    nodes = _vis_data(render_html(nb), "nodes")
    assert all(len(n["label"]) <= 10 for n in nodes)
    assert all(n["full_label"] in n["title"] for n in nodes)


def test_physics_stabilizes_then_turns_off():
    html = render_html(subgraph_from_api(neighbourhood(500)))
    options = json.loads(re.search(r"var options = (\{.*?\});\n", html, re.S).group(1))
    assert options["physics"]["stabilization"]["enabled"] is True
    assert options["physics"]["stabilization"]["iterations"] > 0
    assert options["layout"]["improvedLayout"] is False  # too slow at 500 nodes
    assert 'network.once("stabilizationIterationsDone", rgSettled)' in html
    assert "physics: { enabled: false }" in html


def test_names_cannot_inject_markup():
    evil = "</script><script>alert(1)</script>"
    sg = subgraph_from_api({"nodes": [{"id": "C:x", "type": "Company", "name": evil}], "edges": []})
    html = render_html(sg, title=evil, warnings=[evil])
    assert evil not in html
    assert "<script>alert(1)" not in html
