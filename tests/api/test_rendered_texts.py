"""The API's rendered texts: every alert kind and every kind of pre-loan reason in words.

No text may carry a Python/JSON literal, an entity id without its name, or a Markdown metacharacter
from users' data unescaped. The pre-loan reasons are made by the check's own conclusion functions;
the alerts carry evidence shaped as each rule writes it. No database: rendering is pure.
"""

from __future__ import annotations

import re

import pytest

from api.masking import mask_pii
from api.rendering import alerts as A
from api.rendering.reasons import render_check
from api.rendering.text import Names, amount_zh, md_escape
from risk_rules.config import load_config
from risk_rules.findings import conclusions as C
from risk_rules.findings.params import FindingParams
from risk_rules.registry import all_rules
from tests.support.sample_world import make_ric

RIC = make_ric("11010219900505567")
PERSON = "P:" + RIC  # a strong-key person id embeds the resident ID
APP, SIS, OUT, LISTED, BOSS = "C:APP", "C:SIS", "C:OUT", "C:LISTED", "P:P-efab2f6bf268"
NAMES = {
    APP: "杭州*甲*科技_有限公司",  # Markdown metacharacters in a name from the data
    SIS: "杭州乙贸易[集团]有限公司",
    OUT: "宁波丙实业有限公司",
    LISTED: "温州丁#投资有限公司",
    BOSS: "王建国",
    PERSON: "孙丽",
}
LITERALS = ("{'", "['", "': ", "None", "True", "False", '{"', '["')
ID = re.compile(r"[CP][:\-][A-Za-z0-9\-*\\]+")


def _bad(text: str, names: dict[str, str]) -> list[str]:
    """What is wrong with one rendered text (empty: nothing)."""
    out = [f"literal {lit!r}" for lit in LITERALS if lit in text]
    for m in ID.finditer(text):
        eid = m.group(0).replace("\\", "")
        name = names.get(eid)
        before = text[max(0, m.start() - 60) : m.start()]
        if name is None or md_escape(name) not in before:
            out.append(f"id {eid} without its name")
    for name in names.values():
        if name and name != md_escape(name) and name in text:
            out.append(f"unescaped {name!r}")
    return out


def _alerts() -> list[dict]:
    ids = [APP, SIS]
    checks = [
        {
            "name": "group_customer",
            "source": "商业银行集团客户授信业务风险管理指引",
            "numerator": 3.4e9,
            "denominator": 2e10,
            "denominator_name": "net_capital",
            "ratio": 0.17,
            "limit": 0.15,
            "breach": True,
            "headroom": -4e8,
        }
    ]
    chain = [{"controller": [BOSS], "company": APP, "basis": "majority", "votes_pct": 60.0}]
    ev = {
        "guarantee.circle": {
            "circle_id": "GC:1",
            "members": [APP, SIS, OUT],
            "paths": [[APP, SIS, OUT, APP]],
            "edge_count": 3,
            "internal_amount": 1.25e8,
            "distressed": {OUT: ["defaulted", "blacklisted:dishonest_debtor"]},
        },
        "guarantee.circle_exposure": {
            "circle_id": "GC:1",
            "members": [APP, SIS],
            "arithmetic": {"total_loans": 3.4e7, "ratio": 0.0017, "threshold_ratio": 0.1},
            "defaulted": [OUT],
            "overdue": [],
            "blacklisted": [],
        },
        "guarantee.mutual": {
            "paths": [[APP, SIS, APP]],
            "edges": [{"from": APP, "to": SIS, "amount": 5e7}, {"from": SIS, "to": APP, "amount": 8000}],
            "distressed": {SIS: ["overdue"]},
        },
        "guarantee.chain_depth": {"depth": 5, "paths": [[APP, SIS, OUT, LISTED, PERSON]]},
        "guarantee.one_for_many": {
            "center": APP,
            "degree": 6,
            "total_amount": 9e7,
            "net_assets": 2e7,
            "subgraph": {"nodes": [APP, SIS, OUT]},
        },
        "guarantee.many_for_one": {
            "center": APP,
            "degree": 6,
            "total_amount": 9e7,
            "net_assets": None,
            "subgraph": {"nodes": [APP, SIS]},
        },
        "guarantee.leverage": {
            "arithmetic": {"total_guaranteed": 9e7, "net_assets": 1e7, "ratio": 9.0, "limit": 3.0},
            "borrowers": [SIS],
        },
        "contagion.blacklist": {
            "score": 0.31,
            "hops": 2,
            "seeds": [LISTED],
            "listing_kinds": {LISTED: ["dishonest_debtor"]},
            "paths": [
                {"nodes": [APP, OUT, LISTED], "rels": ["GUARANTEES", "HOLDS_SHARES"], "strength": 0.31}
            ],
        },
        "group.customer": {
            "group_id": "G:1",
            "controllers": [[BOSS, PERSON]],
            "members": [APP, SIS],
            "loans": {APP: 5e7, SIS: 3e7},
        },
        "group.concentration": {"group_id": "G:1", "members": [APP, SIS], "checks": checks},
        "concentration.large_exposure": {"checks": checks, "loans": 3.4e9},
        "concentration.related_party": {"insider": PERSON, "checks": checks},
        "control.actual_controller": {"paths": [[BOSS, SIS, APP]], "control_chain": chain * 2},
        "ownership.beneficial_owner": {
            "basis": "ownership",
            "threshold_pct": 25.0,
            "comparison": ">=",
            "owners": [{"person": BOSS, "share_pct": 60.0}, {"person": PERSON, "share_pct": 40.0}],
        },
        "linkage.shell_cluster": {
            "cluster_id": "SC:1",
            "shared_values": [{"attribute": "phone", "value": "13912345678", "companies": [APP, SIS]}],
            "subgraph": {"nodes": [APP, SIS]},
            "distressed": {SIS: ["blacklisted:court"]},
        },
        "data_quality.ownership_over_100": {"company": APP, "total_pct": 130.0, "sources": ["registry_a"]},
    }
    subjects = {
        "control.actual_controller": [APP, BOSS],
        "ownership.beneficial_owner": [APP, BOSS, PERSON],
        "concentration.related_party": [APP],
    }
    return [
        {
            "alert_id": f"{rid}:x",
            "rule_id": rid,
            "severity": "high",
            "entity_ids": subjects.get(rid, ids),
            "evidence": e,
        }
        for rid, e in ev.items()
    ]


def test_every_rule_has_a_renderer_and_every_alert_reads_as_words():
    rule_ids = {r.id for r in all_rules()}
    assert rule_ids <= set(A.RENDERERS), rule_ids - set(A.RENDERERS)
    alerts = _alerts()
    assert {a["rule_id"] for a in alerts} == set(A.RENDERERS)
    n = Names(NAMES)
    problems = {}
    for a in alerts:
        t = A.rendered(a, n)
        for lang in ("zh", "en"):
            bad = _bad(t["message"][lang], NAMES) + _bad(t["title"][lang], NAMES)
            if bad:
                problems[(a["rule_id"], lang)] = (bad, t["message"][lang])
    assert not problems, problems
    circle = A.rendered(alerts[0], n)["message"]["zh"]
    assert (
        "违约、在名单上" in circle and "1.25亿元" in circle and r"杭州\*甲\*科技\_有限公司（C:APP）" in circle
    )


def test_a_masked_person_id_is_escaped_and_stays_masked():
    masked = {str(mask_pii(k)): v for k, v in NAMES.items()}
    n = Names(masked)
    text = n.who(mask_pii(PERSON))["zh"]
    assert RIC not in text and "孙丽（P:" in text
    assert "**" not in text and r"\*\*" in text  # Markdown no longer turns the rest bold


def _check_result(fp: FindingParams) -> dict:
    """A check answer with a reason of every kind, made by the check's own conclusion functions."""
    found = C.own_facts(
        APP,
        NAMES[APP],
        "吊销",
        [
            {"loan_id": "L-1*", "balance": 3.4e7, "status": "defaulted"},
            {"loan_id": "L-2", "balance": 8000, "status": "overdue"},
        ],
        [{"entry_id": "B1", "kind": "dishonest_debtor"}],
    )
    members = [{"entity_id": APP, "balance": 3.4e9}, {"entity_id": SIS, "balance": 1e9}]
    both = C.Members.of_rows(APP, members)
    _, _, lim = C.limits(APP, 3.4e9, both, both, 5e8, "loan", fp)
    g = {
        "mutual": [
            {"a": APP, "b": SIS, "other": SIS, "other_name": NAMES[SIS], "amount_ab": 5e7, "amount_ba": 3e7}
        ],
        "circle": {
            "circle_id": "GC:1",
            "size": 3,
            "members": [APP, SIS, OUT],
            "cycle_through_applicant": [APP, SIS, OUT, APP],
        },
        "chain": {"depth": 9},
        "fans": {"out_degree": 99, "in_degree": 99},
        "leverage": {"ratio": 9.0, "status": "ok", "total_guaranteed": 9e7, "net_assets": 1e7},
    }
    paths = [{"nodes": [APP, OUT, LISTED], "names": [NAMES[APP], None, NAMES[LISTED]], "strength": 0.9}]
    cont = C.contagion(APP, NAMES[APP], {"score": 0.9, "hops": 2, "paths": paths}, fp)
    weak = C.contagion(APP, NAMES[APP], {"score": 1e-9, "hops": 3, "paths": paths}, fp)
    al = C.open_alerts(
        APP, [{"alert_id": "a1", "rule_id": "guarantee.circle", "severity": "high", "entity_ids": [APP, SIS]}]
    )
    extra = [
        C.Conclusion("applicant_ambiguous", "refer", "resolution", "x", "x", {"candidates": [SIS, OUT]}),
        C.Conclusion("applicant_not_found", "refer", "resolution", "x", "x", {"name": "甲"}),
        C.Conclusion("resolved_by_name", "info", "resolution", "x", "x", {"matched_on": "name_variant"}),
        C.Conclusion("invalid_uscc", "refer", "resolution", "x", "x", {"field": "applicant.uscc"}),
        C.Conclusion(
            "disputed_fact",
            "info",
            "disputes",
            "x",
            "x",
            {"dispute_id": "D-1", "subject": "L-1", "entity_ids": [APP]},
        ),
    ]
    allc = found + lim + C.guarantees(APP, NAMES[APP], g, fp) + cont + weak + al + extra
    head, grouped = C.decisive_first(allc, 5)
    return {
        "verdict": C.verdict(allc),
        "applicant": {"entity_id": APP, "name": NAMES[APP]},
        "reasons": [c.as_dict() for c in head],
        "details": {k: [c.as_dict() for c in v] for k, v in grouped.items()},
        "open_alerts": [
            {"alert_id": "a1", "rule_id": "guarantee.circle", "severity": "high", "entity_ids": [APP, SIS]}
        ],
    }


def test_every_kind_of_pre_loan_reason_reads_as_words():
    fp = FindingParams.from_config(load_config())
    result = render_check(_check_result(fp), Names(NAMES))
    rows = result["reasons"] + [r for v in result["details"].values() for r in v]
    codes = {r["code"].split(":")[0] for r in rows}
    assert {
        "applicant_not_operating",
        "applicant_blacklisted",
        "applicant_defaulted_loan",
        "applicant_overdue_loan",
        "limit_breach",
        "mutual_guarantee",
        "guarantee_circle",
        "guarantee_chain",
        "guarantee_one_for_many",
        "guarantee_many_for_one",
        "guarantee_leverage",
        "blacklist_proximity",
        "blacklist_in_reach",
        "open_alert",
        "applicant_ambiguous",
        "disputed_fact",
    } <= codes, codes
    problems = {
        (r["code"], lang): (_bad(r["message"][lang], NAMES), r["message"][lang])
        for r in rows
        for lang in ("zh", "en")
        if _bad(r["message"][lang], NAMES)
    }
    for lang in ("zh", "en"):
        if _bad(result["summary"][lang], NAMES):
            problems[("summary", lang)] = (_bad(result["summary"][lang], NAMES), result["summary"][lang])
    assert not problems, problems
    assert result["verdict_text"]["zh"] == "建议拒绝"
    defaulted = next(r for r in rows if r["code"] == "applicant_defaulted_loan")["message"]["zh"]
    assert r"L-1\*" in defaulted and "3,400万元" in defaulted


@pytest.mark.parametrize(
    ("x", "zh"), [(1.25e8, "1.25亿元"), (3.4e7, "3,400万元"), (8000, "8,000元"), (-2e4, "-2万元")]
)
def test_one_amount_formatter(x, zh):
    assert amount_zh(x) == zh
