"""Exports of what the explorer shows: the network as CSV, and safe download names.

Pure functions over `Subgraph`s, so every export is tested without a server. The loan-file report
(HTML, PDF) is not made here: the API renders it from the pre-loan check, masked for the caller's
role (``GET /v1/reports/preloan/{entity_id}``), and the explorer only downloads it.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

from explorer.graph_data import Subgraph
from explorer.network_html import edge_label, risk_tier

NODE_COLUMNS = ("id", "kind", "name", "risk", "risk_tier", "listed", "alerts", "properties")
EDGE_COLUMNS = ("source", "target", "type", "label", "properties")


_UNSAFE_IN_NAME = re.compile(r"[^\w.\-]+")


def export_file_name(prefix: str, subject: str, ext: str) -> str:
    """A download's file name from the id the API answered (already masked without ``pii``).

    Never from what the user typed: ``P:<resident ID>`` typed into the search box must not end up in
    a file name on disk. Characters a file system may refuse (``:``, ``*``, ``/``) become safe ones.
    """
    clean = _UNSAFE_IN_NAME.sub("-", subject.replace("*", "x")).strip("-") or "export"
    return f"{prefix}-{clean}.{ext}"


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _csv_safe(value: Any) -> Any:
    """Neutralise spreadsheet formulas (CSV injection): a cell never starts with = + - @ as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def nodes_csv(sg: Subgraph) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(NODE_COLUMNS)
    for n in sg.nodes:
        row = (
            n.id,
            n.kind,
            n.name,
            "" if n.risk is None else n.risk,
            risk_tier(n),
            n.listed,
            n.alerts,
            _json(dict(n.props)),
        )
        w.writerow([_csv_safe(v) for v in row])
    return buf.getvalue()


def edges_csv(sg: Subgraph) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(EDGE_COLUMNS)
    for e in sg.edges:
        w.writerow([_csv_safe(v) for v in (e.source, e.target, e.type, edge_label(e), _json(dict(e.props)))])
    return buf.getvalue()
