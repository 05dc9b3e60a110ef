"""Exports of what the explorer shows: network CSV, standalone HTML, the loan-file report (HTML, PDF).

Pure functions over API JSON and `Subgraph`s, so every export is tested without a server. The PDF is
made offline by WeasyPrint (Debian's pango libraries); when WeasyPrint cannot load, headless Chromium's
printToPDF over CDP is the fallback (both take the same HTML).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2

from explorer.graph_data import Subgraph
from explorer.network_html import TEMPLATES, edge_label, format_amount, format_pct, risk_tier

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


# --- the relationship-risk report for the loan file --------------------------------------------


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=True),
    )
    env.filters["amount"] = format_amount
    env.filters["pct"] = format_pct
    env.filters["fraction_pct"] = lambda v: format_pct(v, fraction=True)
    env.filters["tojson_pretty"] = lambda v: json.dumps(v, ensure_ascii=False, indent=1, default=str)
    return env


def _rows(items: Any) -> list[Mapping[str, Any]]:
    if isinstance(items, Mapping):
        for key in ("items", "results", "rows", "members", "circles", "alerts", "data"):
            if isinstance(items.get(key), list):
                return list(items[key])
        return []
    return list(items or [])


def report_html(
    *,
    entity: Mapping[str, Any],
    network: Subgraph | None = None,
    ownership: Mapping[str, Any] | None = None,
    group: Mapping[str, Any] | None = None,
    circles: Sequence[Mapping[str, Any]] | Mapping[str, Any] | None = None,
    alerts: Sequence[Mapping[str, Any]] | Mapping[str, Any] | None = None,
    preloan: Mapping[str, Any] | None = None,
    prepared_by: str = "",
    purpose: str = "",
    generated_at: datetime | None = None,
) -> str:
    """A printable relationship-risk report of one entity, from the API answers the app already has.

    Sections that were not fetched (or that the caller's role may not see) say so rather than vanish,
    so a reader of the loan file can tell "none found" from "not checked".
    """
    generated_at = generated_at or datetime.now(UTC)
    related = []
    if network is not None:
        names = {n.id: n for n in network.nodes}
        for e in network.edges:
            if network.center in (e.source, e.target):
                other = e.target if e.source == network.center else e.source
                n = names.get(other)
                related.append(
                    {
                        "direction": "→" if e.source == network.center else "←",
                        "type": e.type,
                        "label": edge_label(e),
                        "id": other,
                        "name": n.name if n else other,
                        "kind": n.kind if n else "",
                        "risk_tier": risk_tier(n) if n else "",
                    }
                )
    return (
        _env()
        .get_template("report.html")
        .render(
            entity=entity,
            props=entity.get("properties") or entity,
            related=related,
            network=network,
            ownership=ownership,
            group=group,
            circles=None if circles is None else _rows(circles),
            alerts=None if alerts is None else _rows(alerts),
            preloan=preloan,
            prepared_by=prepared_by,
            purpose=purpose,
            generated_at=generated_at.strftime("%Y-%m-%d %H:%M UTC"),
        )
    )


def html_to_pdf(html: str, out: Path | None = None) -> bytes:
    """PDF bytes of an HTML report, offline: WeasyPrint first, headless Chromium if it cannot load."""
    try:
        import weasyprint

        data = weasyprint.HTML(string=html).write_pdf()
    except (ImportError, OSError):  # pango missing: fall back to the browser
        data = _chromium_pdf(html)
    if out is not None:
        out.write_bytes(data)
    return data


def _chromium_pdf(html: str) -> bytes:
    import tempfile

    from explorer.headless import browser

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "report.html"
        src.write_text(html, encoding="utf-8")
        with browser() as b:
            page = b.new_page()
            page.navigate(src.as_uri())
            return page.print_pdf(Path(tmp) / "report.pdf").read_bytes()
