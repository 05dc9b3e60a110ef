"""Exports: CSV of nodes and edges, the loan-file report in HTML and as an offline PDF."""

from __future__ import annotations

import csv
import io
import json

import pypdf

from explorer.export import edges_csv, html_to_pdf, nodes_csv, report_html
from explorer.graph_data import subgraph_from_api
from explorer.network_html import remote_resources
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


def _report(**kw):
    return report_html(
        entity={
            "entity_id": "C:1",
            "name": "甲纺织有限公司",
            "uscc": "91330100MA2XXXXXX1",
            "kind": "Company",
        },
        network=_sg(),
        preloan={
            "verdict": "REVIEW",
            "reasons": [
                {
                    "code": "guarantee_circle",
                    "message_zh": "处于担保圈",
                    "message_en": "in a guarantee circle",
                }
            ],
        },
        prepared_by="examiner1",
        purpose="LOAN-2026-001",
        **kw,
    )


def test_report_names_the_entity_verdict_links_and_what_was_not_checked():
    html = _report(alerts=[])
    assert "甲纺织有限公司" in html and "91330100MA2XXXXXX1" in html
    assert "REVIEW" in html and "处于担保圈" in html and "in a guarantee circle" in html
    assert "乙化工有限公司" in html and "60%" in html and "3000万" in html
    assert "LOAN-2026-001" in html and "examiner1" in html
    # alerts were queried and empty; circles were not queried: the reader can tell the two apart
    alerts = html[html.index("7. 预警 Alerts") :]
    assert "无 None." in alerts
    circles = html[html.index("6. 担保圈") : html.index("7. 预警")]
    assert "未查询 Not queried." in circles
    assert remote_resources(html) == []


def test_report_shows_beneficial_owners_group_limits_and_circles():
    html = _report(
        ownership={"beneficial_owners": [{"name": "张三", "share": 0.6, "basis": "ownership"}]},
        group={
            "name": "甲集团",
            "size": 4,
            "exposure": 2.5e8,
            "limits": [
                {"name": "单一集团 15%", "exposure": 2.5e8, "cap": 2e8, "ratio": 0.1875, "breached": True}
            ],
        },
        circles=[
            {
                "circle_id": "GC1",
                "size": 3,
                "exposure": 9e7,
                "members": [{"name": "甲"}, {"name": "乙"}, {"name": "丙"}],
            }
        ],
        alerts=[
            {"rule_id": "mutual_guarantee", "severity": "high", "status": "open", "explanation_zh": "互保"}
        ],
    )
    assert "张三" in html and "60%" in html
    assert "甲集团" in html and "2.5亿" in html and "18.75%" in html and "是 YES" in html
    assert "GC1" in html and "9000万" in html and "甲、乙、丙" in html
    assert "mutual_guarantee" in html and "互保" in html


def test_pdf_is_made_offline_and_keeps_the_chinese_text(tmp_path):
    out = tmp_path / "r.pdf"
    data = html_to_pdf(_report(), out)
    assert data[:5] == b"%PDF-" and out.read_bytes() == data
    text = "".join(p.extract_text() for p in pypdf.PdfReader(out).pages)
    assert "甲纺织有限公司" in text and "关联风险报告" in text and "处于担保圈" in text


def test_pdf_fallback_through_headless_chromium(chromium_installed, tmp_path):
    """The second offline PDF path (used when WeasyPrint's pango libraries are missing) works too."""
    from explorer.export import _chromium_pdf

    data = _chromium_pdf(_report())
    out = tmp_path / "c.pdf"
    out.write_bytes(data)
    assert data[:5] == b"%PDF-"
    text = "".join(p.extract_text() for p in pypdf.PdfReader(out).pages)
    assert "甲纺织有限公司" in text and "处于担保圈" in text


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
