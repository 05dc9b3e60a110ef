"""Small inline SVG figures for the loan-file report: limits as bars against their lines, a circle.

Plain SVG strings (no script, no external reference) so the HTML report and its PDF stay offline.
Every label is XML-escaped here; values are already masked by the caller.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from api.rendering.text import pct


def limits_svg(rows: Sequence[Mapping[str, Any]], labels: Mapping[str, str]) -> str:
    """One bar per limit: current exposure (dark), the requested amount on top (light), the limit
    as a red line; the axis is in percent of the denominator."""
    rows = [r for r in rows if r.get("denominator")]
    if not rows:
        return ""
    left, width, bar, gap = 190, 330, 14, 10
    top = max(
        max(float(r.get("limit") or 0) for r in rows) * 1.25,
        max(float(r.get("ratio") or 0) for r in rows) * 1.05,
        1e-9,
    )
    height = len(rows) * (bar + gap) + 28
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 70}" height="{height}" '
        f'viewBox="0 0 {left + width + 70} {height}" font-size="9" role="img">'
    ]
    for i, r in enumerate(rows):
        y = 6 + i * (bar + gap)
        den = float(r["denominator"])
        current = float(r.get("numerator") or 0) / den
        total = float(r.get("ratio") or 0)
        limit = float(r.get("limit") or 0)
        x = lambda f: left + width * min(f / top, 1.0)  # noqa: E731
        colour = "#c0392b" if r.get("breach") else "#2c3e50"
        name = escape(labels.get(str(r.get("name")), str(r.get("name"))))
        out += [
            f'<text x="{left - 6}" y="{y + bar - 3}" text-anchor="end">{name}</text>',
            f'<rect x="{left}" y="{y}" width="{x(current) - left:.1f}" height="{bar}" fill="{colour}"/>',
            f'<rect x="{x(current):.1f}" y="{y}" width="{max(x(total) - x(current), 0):.1f}" height="{bar}" '
            f'fill="{colour}" fill-opacity="0.35"/>',
            f'<line x1="{x(limit):.1f}" x2="{x(limit):.1f}" y1="{y - 3}" y2="{y + bar + 3}" stroke="#e74c3c" '
            'stroke-width="2"/>',
            f'<text x="{x(max(total, limit)) + 4:.1f}" y="{y + bar - 3}">{escape(pct(total))} / {escape(pct(limit))}</text>',
        ]
    y = height - 8
    out.append(
        f'<text x="{left}" y="{y}" fill="#555">深色 现有敞口 existing · 浅色 本次申请 requested · 红线 限额 limit</text>'
    )
    out.append("</svg>")
    return "".join(out)


def circle_svg(cycle: Sequence[str], labels: Mapping[str, str], size: int = 260) -> str:
    """The shortest guarantee cycle through the applicant: nodes on a ring, arrows guarantor → borrower."""
    nodes = list(dict.fromkeys(cycle))
    if len(nodes) < 2:
        return ""
    r, cx, cy = size * 0.32, size / 2, size / 2
    pos = [
        (
            cx + r * math.cos(2 * math.pi * i / len(nodes) - math.pi / 2),
            cy + r * math.sin(2 * math.pi * i / len(nodes) - math.pi / 2),
        )
        for i in range(len(nodes))
    ]
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size + 120}" height="{size}" viewBox="-60 0 {size + 120} {size}" '
        'font-size="8" role="img"><defs><marker id="arr" markerWidth="8" markerHeight="8" refX="7" refY="3" '
        'orient="auto"><path d="M0,0 L0,6 L7,3 z" fill="#555"/></marker></defs>'
    ]
    for i in range(len(nodes)):
        (x1, y1), (x2, y2) = pos[i], pos[(i + 1) % len(nodes)]
        d = math.hypot(x2 - x1, y2 - y1) or 1
        sx, sy = x1 + (x2 - x1) * 9 / d, y1 + (y2 - y1) * 9 / d
        ex, ey = x2 - (x2 - x1) * 11 / d, y2 - (y2 - y1) * 11 / d
        out.append(
            f'<line x1="{sx:.1f}" y1="{sy:.1f}" x2="{ex:.1f}" y2="{ey:.1f}" stroke="#555" marker-end="url(#arr)"/>'
        )
    for i, (x, y) in enumerate(pos):
        text = labels.get(nodes[i], nodes[i])
        short = text if len(text) <= 14 else text[:13] + "…"
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="7" fill="{"#c0392b" if i == 0 else "#2980b9"}"/>')
        out.append(f'<text x="{x:.1f}" y="{y + 17:.1f}" text-anchor="middle">{escape(short)}</text>')
    out.append("</svg>")
    return "".join(out)
