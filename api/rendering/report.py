"""The relationship-risk report for the loan file (授信档案关联风险报告), from a pre-loan check's answer.

The report runs no definition of its own: the verdict, reasons, group, limits, guarantee motifs,
ownership, contagion paths and related parties are the check's answer (which reads the rule run's
risk profile); the report adds only what a loan file needs around it — who generated it and when,
the data's provenance, and a reading of each related party's own facts (listed, loans in default or
overdue, registration status) with the basis stated. Values arrive masked for the reader's role;
Jinja escapes HTML. The PDF is WeasyPrint's print of the same HTML (paged media: A4, page numbers).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jinja2

from api.rendering import charts
from api.rendering.reasons import EFFECT, LISTING_ZH
from api.rendering.text import Names, Text, amount_zh, day, pct, pct_points
from risk_rules.findings.conclusions import NOT_OPERATING
from risk_rules.rules._limits import DENOMINATOR_ZH, LIMIT_NAMES_ZH

TEMPLATES = Path(__file__).parent / "templates"
RELATION = {
    "controller": ("实际控制人", "controller"),
    "intermediate_controller": ("中间控制企业", "intermediate controller"),
    "controlled_entity": ("受申请人控制", "controlled by the applicant"),
    "shareholder": ("股东", "shareholder"),
    "officer": ("董监高", "officer"),
    "near_relative": ("近亲属", "near relative"),
    "controlled_by_related": ("关联方控制的企业", "controlled by a related party"),
}
BASIS = {
    "ownership": ("持股", "ownership"),
    "control": ("控制", "control"),
    "senior_manager": ("高管", "senior manager"),
}
RATING = {"high": ("高", "high"), "medium": ("中", "medium"), "low": ("低", "low")}
#: main-text caps; the appendix lists everything
MAIN_MEMBERS, MAIN_RELATED, MAIN_PATHS = 10, 12, 3


def rate_party(
    eid: str, facts: Mapping[str, Any] | None, motifs: set[str], on_paths: set[str]
) -> tuple[str, list[Text]]:
    """(rating, basis) of one related party from its own facts and the check's findings.

    high: listed, a defaulted loan, or no longer operating; medium: an overdue loan, or in a guarantee
    motif with the applicant or on a contagion path; low: none of these found. The basis lists each
    fact, so a reader sees why, and "low" says what was looked at.
    """
    basis: list[Text] = []
    rating = "low"
    f = facts or {}
    loans = f.get("loans") or []
    status = str(f.get("status") or "")
    if f.get("listed"):
        basis.append({"zh": "在名单上", "en": "listed"})
        rating = "high"
    for lo in loans:
        if lo.get("status") == "defaulted":
            basis.append({"zh": f"违约贷款 {amount_zh(lo.get('balance'))}", "en": "defaulted loan"})
            rating = "high"
    if any(s in status for s in NOT_OPERATING):
        basis.append({"zh": f"登记状态“{status}”", "en": f"registered as '{status}'"})
        rating = "high"
    if any(lo.get("status") == "overdue" for lo in loans):
        basis.append({"zh": "有逾期贷款", "en": "overdue loan"})
        rating = "medium" if rating == "low" else rating
    if eid in motifs:
        basis.append(
            {"zh": "与申请人有担保关联（互保/担保圈）", "en": "in a guarantee motif with the applicant"}
        )
        rating = "medium" if rating == "low" else rating
    if eid in on_paths:
        basis.append({"zh": "位于名单传染路径上", "en": "on a contagion path to a listed entity"})
        rating = "medium" if rating == "low" else rating
    if not basis:
        balance = sum(float(lo.get("balance") or 0) for lo in loans)
        basis.append(
            {
                "zh": f"未发现名单、违约、逾期或异常登记（贷款余额 {amount_zh(balance)}）",
                "en": "no listing, default, overdue loan or irregular registration found",
            }
        )
    return rating, basis


def _relations(kinds: Sequence[str]) -> Text:
    ks = [RELATION.get(k, (k, k)) for k in kinds]
    return {"zh": "、".join(k[0] for k in ks), "en": ", ".join(k[1] for k in ks)}


def _relation_path(path: Sequence[Mapping[str, Any]], n: Names) -> str:
    if not path:
        return ""
    out = [n.who(path[0].get("source"))["zh"]]
    for step in path:
        rel = str(step.get("relation") or "")
        word = RELATION.get(rel, (rel, rel))[0]
        detail = step.get("detail")
        out.append(
            f"—{word}{'（' + pct_points(detail) + '）' if isinstance(detail, int | float) else ''}→ {n.who(step.get('target'))['zh']}"
        )
    return " ".join(out)


def _flatten(value: Any, n: Names, prefix: str = "") -> list[tuple[str, str]]:
    """Evidence as (field, value) rows for the appendix: scalars only, ids with their names."""
    if isinstance(value, Mapping):
        rows: list[tuple[str, str]] = []
        for k, v in value.items():
            rows += _flatten(v, n, f"{prefix}.{k}" if prefix else str(k))
        return rows
    if isinstance(value, list):
        if all(not isinstance(v, Mapping | list) for v in value):
            return [(prefix, "、".join(_scalar(v, n) for v in value) or "—")]
        rows = []
        for i, v in enumerate(value):
            rows += _flatten(v, n, f"{prefix}[{i + 1}]")
        return rows
    return [(prefix, _scalar(value, n))]


def _scalar(v: Any, n: Names) -> str:
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "是" if v else "否"
    s = str(v)
    if s in n.names:
        return n.who(s)["zh"]
    return s


def context(
    check: Mapping[str, Any],
    n: Names,
    *,
    facts: Sequence[Mapping[str, Any]],
    provenance: Sequence[Mapping[str, Any]],
    meta: Mapping[str, Any],
    appendix: bool,
) -> dict[str, Any]:
    """Everything the template shows, in words and small tables."""
    app = check.get("applicant") or {}
    eid = str(app.get("entity_id") or "")
    labels = {k: (n.name(k) or k) for k in n.names}
    g = check.get("guarantees") or {}
    circle = g.get("circle") or None
    motifs = {x for m in g.get("mutual") or [] for x in (m.get("a"), m.get("b"), m.get("other")) if x}
    motifs |= set((circle or {}).get("members") or [])
    bl = check.get("blacklist") or {}
    on_paths = {x for p in bl.get("paths") or [] for x in p.get("nodes") or []}
    by_id = {str(f.get("entity_id")): f for f in facts}
    related = []
    for rp in check.get("related_parties") or []:
        rating, basis = rate_party(rp["entity_id"], by_id.get(rp["entity_id"]), motifs, on_paths)
        related.append(
            {
                "who": n.who(rp["entity_id"]),
                "relation": _relations(rp.get("kinds") or []),
                "rating": rating,
                "rating_text": RATING[rating],
                "basis": basis,
                "paths": [_relation_path(p, n) for p in rp.get("paths") or []],
            }
        )
    related.sort(key=lambda r: ("high", "medium", "low").index(r["rating"]))
    exposure = (check.get("exposure") or {}).get("group") or {}
    members = sorted(exposure.get("members") or [], key=lambda m: -float(m.get("balance") or 0))
    group = check.get("group") or None
    own = check.get("ownership") or {}
    ctl = own.get("controller") or None
    limits = [
        {
            **lim,
            "title": LIMIT_NAMES_ZH.get(lim["name"], lim["name"]),
            "denominator_zh": DENOMINATOR_ZH.get(lim["denominator_name"], lim["denominator_name"]),
        }
        for lim in check.get("limits") or []
    ]
    reasons = [
        {
            "effect": EFFECT.get(r["effect"], (r["effect"], r["effect"])),
            "message": r.get("message"),
            "code": r["code"],
        }
        for r in check.get("reasons") or []
    ]
    details = [r for rows in (check.get("details") or {}).values() for r in rows]
    return {
        "meta": meta,
        "check": check,
        "applicant": app,
        "who": n.who(eid) if eid else {"zh": "—", "en": "—"},
        "reasons": reasons,
        "details": [
            {
                "effect": EFFECT.get(r["effect"], (r["effect"], r["effect"])),
                "message": r.get("message"),
                "code": r["code"],
            }
            for r in details
        ],
        "group": group,
        "group_controllers": n.many((group or {}).get("controller_ids") or []),
        "group_total": exposure.get("loans"),
        "members": members if appendix else members[:MAIN_MEMBERS],
        "members_total": exposure.get("members_total") or len(members),
        "limits": limits,
        "limits_svg": charts.limits_svg(limits, LIMIT_NAMES_ZH),
        "circle": circle,
        "circle_path": n.path((circle or {}).get("cycle_through_applicant") or []),
        "circle_svg": charts.circle_svg((circle or {}).get("cycle_through_applicant") or [], labels),
        "mutual": [
            {"other": n.who(m.get("other") or m.get("b")), "ab": m.get("amount_ab"), "ba": m.get("amount_ba")}
            for m in g.get("mutual") or []
        ],
        "guarantees": g,
        "owners": [{"who": n.who(o["entity_id"]), "pct": o.get("pct")} for o in own.get("owners") or []],
        "controller": ctl
        and {
            "who": n.many(ctl.get("controller_ids") or []),
            "basis": BASIS.get(str(ctl.get("basis")), (str(ctl.get("basis")), str(ctl.get("basis")))),
            "chain": [
                {
                    "controller": n.many(link.get("controller") or []),
                    "company": n.who(link.get("company")),
                    "votes": link.get("votes_pct"),
                    "basis": link.get("basis"),
                }
                for link in ctl.get("chain") or []
            ],
        },
        "beneficial": [
            {
                "who": n.who(o["entity_id"]),
                "share": o.get("share"),
                "basis": BASIS.get(str(o.get("basis")), (str(o.get("basis")), str(o.get("basis")))),
                "paths": [n.path(p)["zh"] for p in (o.get("paths") or [])[:MAIN_PATHS]],
            }
            for o in own.get("beneficial_owners") or []
        ],
        "blacklist": bl,
        "nearest": [
            {
                "who": n.who(x["entity_id"]),
                "kinds": "、".join(LISTING_ZH.get(str(k), str(k)) for k in x.get("listing_kinds") or [])
                or "、".join(
                    LISTING_ZH.get(str(li.get("kind")), str(li.get("kind"))) for li in x.get("listings") or []
                ),
            }
            for x in bl.get("nearest") or []
        ],
        "bl_paths": [
            {"path": n.path(p.get("nodes") or [], " — ")["zh"], "strength": p.get("strength")}
            for p in (bl.get("paths") or [])[:MAIN_PATHS]
        ],
        "related": related if appendix else related[:MAIN_RELATED],
        "related_total": max(int(check.get("related_parties_total") or 0), len(related)),
        "related_rated": len(related),
        "related_counts": {k: sum(1 for r in related if r["rating"] == k) for k in ("high", "medium", "low")},
        "provenance": provenance,
        "freshness": check.get("freshness") or {},
        "appendix": appendix,
        "evidence": [
            {"code": r["code"], "message": r.get("message"), "rows": _flatten(r.get("evidence") or {}, n)}
            for r in [*(check.get("reasons") or []), *details]
        ]
        if appendix
        else [],
    }


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=True),
        finalize=lambda v: "—" if v is None else v,
    )
    env.filters["amount"] = amount_zh
    env.filters["pct"] = pct
    env.filters["pct_points"] = pct_points
    env.filters["day"] = day
    return env


def report_html(ctx: Mapping[str, Any]) -> str:
    return _env().get_template("preloan_report.html").render(**ctx)


def html_to_pdf(html: str) -> bytes:
    """The PDF of the report, offline (WeasyPrint: no browser, no network)."""
    import weasyprint

    return bytes(weasyprint.HTML(string=html).write_pdf())
