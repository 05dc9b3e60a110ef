"""Exports: CSV of nodes and edges, safe download names (the loan-file report is the API's)."""

from __future__ import annotations

import csv
import io
import json

from explorer.export import edges_csv, nodes_csv
from explorer.graph_data import subgraph_from_api
from explorer.sample_graph import neighbourhood


def _sg():
    return subgraph_from_api(
        {
            "center": "C:1",
            "nodes": [
                {
                    "id": "C:1",
                    "type": "Company",
                    "name": "甲纺织有限公司",
                    "properties": {"uscc": "91330100MA2XXXXXX1"},
                },
                {"id": "P:1", "type": "Person", "name": '=HYPERLINK("x")', "risk_score": 0.7},
                {"id": "C:2", "type": "Company", "name": "乙化工有限公司", "listed": True},
            ],
            "edges": [
                {"source": "P:1", "target": "C:1", "type": "HOLDS_SHARES", "properties": {"pct": 60}},
                {"source": "C:2", "target": "C:1", "type": "GUARANTEES", "properties": {"amount": 3e7}},
            ],
        }
    )


def test_csv_round_trips_every_node_and_edge():
    sg = subgraph_from_api(neighbourhood(80))
    nodes = list(csv.DictReader(io.StringIO(nodes_csv(sg))))
    edges = list(csv.DictReader(io.StringIO(edges_csv(sg))))
    assert [r["id"] for r in nodes] == [n.id for n in sg.nodes]
    assert [(r["source"], r["target"], r["type"]) for r in edges] == [
        (e.source, e.target, e.type) for e in sg.edges
    ]
    assert [json.loads(r["properties"]) for r in edges] == [dict(e.props) for e in sg.edges]


def test_csv_neutralises_spreadsheet_formulas():
    rows = list(csv.DictReader(io.StringIO(nodes_csv(_sg()))))
    assert rows[1]["name"].startswith("'=")
    assert rows[0]["name"] == "甲纺织有限公司"


def test_download_names_come_from_the_answered_id_and_are_file_system_safe():
    from explorer.export import export_file_name

    assert export_file_name("report", "P:1101**********5671", "pdf") == "report-P-1101xxxxxxxxxx5671.pdf"
    assert export_file_name("report", "C:91330106MA2B000013", "html") == "report-C-91330106MA2B000013.html"
    assert "/" not in export_file_name("report", "../../etc/passwd", "html")


def test_a_chinese_purpose_reference_is_sent_as_ascii_and_decodes_back():
    from urllib.parse import unquote

    from explorer.api_client import purpose_header

    assert purpose_header("LA-2026-0042") == "LA-2026-0042"
    sent = purpose_header("贷款申请-2026-1")
    assert sent.isascii() and unquote(sent) == "贷款申请-2026-1"
