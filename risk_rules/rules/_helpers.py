"""Small helpers the rule modules share: names for explanations, amounts, distress of members."""

from __future__ import annotations

from collections.abc import Iterable

from neo4j import READ_ACCESS

from graph_model import schema as S
from risk_rules.framework import RuleContext
from risk_rules.projection import entity_facts


def fmt_cny(x: float | None) -> str:
    return "未知/unknown" if x is None else f"{x:,.2f}"


def fmt_pct(x: float | None, digits: int = 2) -> str:
    return "未知/unknown" if x is None else f"{x:.{digits}f}%"


def names_of(ctx: RuleContext, ids: Iterable[str]) -> dict[str, str]:
    """Display names for entity ids, from the cached facts or (for the rest) one UNWIND read."""
    cache: dict[str, str] = ctx.cache.setdefault("names", {})
    facts_names = entity_facts(ctx).name
    missing = [i for i in set(ids) if i not in cache and i not in facts_names]
    if missing:
        with ctx.driver.session(
            database=ctx.database, default_access_mode=READ_ACCESS, notifications_min_severity="OFF"
        ) as session:
            for label in (S.COMPANY, S.PERSON):
                for rec in session.run(
                    f"UNWIND $ids AS id MATCH (n:{label} {{entity_id: id}}) RETURN n.entity_id AS id, n.name AS name",
                    ids=missing,
                ):
                    cache[rec["id"]] = rec["name"] or rec["id"]
    return {i: cache.get(i) or facts_names.get(i) or i for i in ids}


def label(names: dict[str, str], eid: str) -> str:
    """``name (id)`` for explanations: readable and still unambiguous."""
    n = names.get(eid)
    return f"{n}({eid})" if n and n != eid else eid


def distress(ctx: RuleContext, ids: Iterable[str]) -> dict[str, list[str]]:
    """Members that are overdue, defaulted or blacklisted at as-of → reasons."""
    facts = entity_facts(ctx)
    out: dict[str, list[str]] = {}
    for i in ids:
        reasons = []
        st = facts.loan_status.get(i)
        if st in ("overdue", "defaulted"):
            reasons.append(st)
        if facts.blacklisted.get(i):
            reasons.append("blacklisted:" + ",".join(sorted(facts.blacklisted[i])))
        if reasons:
            out[i] = reasons
    return out


#: how many entities, customers or guarantees one sentence names before it says how many there are:
#: a circle in substance or a shell cluster can join thousands, which the evidence lists and no
#: sentence can
SENTENCE_ITEMS = 8


def more_text(total: int, shown: int, unit_zh: str = "个") -> tuple[str, str]:
    """(zh, en) tails of a list cut to its first ``shown`` of ``total``: ``" 等共 12 个客户"``,
    ``" and 4 more"``; empty when nothing was cut."""
    if total <= shown:
        return "", ""
    return f" 等共 {total} {unit_zh}", f" and {total - shown} more"


def join_labels(names: dict[str, str], ids: Iterable[str], limit: int = SENTENCE_ITEMS) -> str:
    ids = list(ids)
    text = "、".join(label(names, i) for i in ids[:limit])
    return text + (f" …(+{len(ids) - limit})" if len(ids) > limit else "")


_DISTRESS_ZH = {"overdue": "逾期", "defaulted": "违约", "blacklisted": "在名单上"}


def distress_text(
    names: dict[str, str], bad: dict[str, list[str]], limit: int = SENTENCE_ITEMS
) -> tuple[str, str]:
    """(zh, en) of :func:`distress`'s result in words: ``甲(C:1)违约、在名单上(court)``; the first
    ``limit`` members and how many more (a large cluster can hold hundreds; the evidence lists them)."""
    zh, en = [], []
    for eid, reasons in sorted(bad.items())[:limit]:
        heads = [r.partition(":") for r in reasons]
        zh.append(
            label(names, eid)
            + "、".join(_DISTRESS_ZH.get(h, h) + (f"({t})" if t else "") for h, _, t in heads)
        )
        en.append(label(names, eid) + " " + ", ".join(h + (f" ({t})" if t else "") for h, _, t in heads))
    tail_zh, tail_en = more_text(len(bad), limit)
    return "；".join(zh) + tail_zh, "; ".join(en) + (";" + tail_en if tail_en else "")
