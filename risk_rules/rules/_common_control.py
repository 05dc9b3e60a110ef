"""Guarantee circles through common control, shared by the mutual-guarantee and circle rules.

A bank treats a group customer (entities under common control, the definition of
``group.customer``) as one customer; guarantees that go round through such a group are a mutual
guarantee or a circle in substance although no two entities guarantee each other.
"""

from __future__ import annotations

from typing import Any

from risk_rules.algorithms import ControlGroup, ControlledCircle, circles_through_common_control
from risk_rules.framework import Finding, RuleContext
from risk_rules.projection import guarantee_graph
from risk_rules.rules._control import chain_json, groups
from risk_rules.rules._helpers import SENTENCE_ITEMS, fmt_cny, join_labels, label, more_text, names_of


def common_control_circles(ctx: RuleContext) -> tuple[tuple[ControlledCircle, ...], dict[str, ControlGroup]]:
    """The circles of the guarantee network with each group customer collapsed, and the groups."""

    def load() -> tuple[tuple[ControlledCircle, ...], dict[str, ControlGroup]]:
        grps = {g.group_id: g for g in groups(ctx)}
        unit_of = {m: g.group_id for g in grps.values() for m in g.members}
        return circles_through_common_control(guarantee_graph(ctx), unit_of), grps

    return ctx.cached("common_control_circles", load)


def evidence(c: ControlledCircle, grps: dict[str, ControlGroup]) -> dict[str, Any]:
    """The proof: the guarantee edges, and for each group the control chain of its members."""
    control = {}
    for unit, members in c.unit_members:
        g = grps.get(unit)
        if g is None:
            continue
        control[unit] = {
            "controllers": [list(b) for b in g.controllers],
            "members": list(members),
            "chains": {m: chain_json(g.chain_of(m)) for m in members if g.chain_of(m)},
        }
    return {
        "circle_id": c.circle_id,
        "through_common_control": True,
        "units": list(c.units),
        "unit_cycle": list(c.cycle),
        "members": list(c.members),
        "edges": [{"from": u, "to": v, "type": "GUARANTEES", "amount": a} for u, v, a in c.edges],
        "control": control,
        "paths": [[u, v] for u, v, _ in c.edges],
    }


def finding(
    ctx: RuleContext, c: ControlledCircle, grps: dict[str, ControlGroup], severity: str, extra: dict[str, Any]
) -> Finding:
    """One alert for a circle in substance, naming the guarantees and who controls whom (the first
    :data:`SENTENCE_ITEMS` customers and guarantees: a circle in substance can join thousands, which
    no sentence can name; the evidence lists them all)."""
    names = names_of(ctx, [*c.members, *(x for g in grps.values() for b in g.controllers for x in b)])

    def unit_text(unit: str) -> str:
        g = grps.get(unit)
        if g is None:
            return label(names, unit)
        members = dict(c.unit_members)[unit]
        top = "+".join(label(names, x) for b in g.controllers for x in b)
        return f"{top} 控制的 {join_labels(names, members)}"

    def unit_text_en(unit: str) -> str:
        g = grps.get(unit)
        if g is None:
            return label(names, unit)
        members = dict(c.unit_members)[unit]
        top = "+".join(label(names, x) for b in g.controllers for x in b)
        return f"{join_labels(names, members)} (controlled by {top})"

    edges = c.edges[:SENTENCE_ITEMS]
    legs = "；".join(f"{label(names, u)} 为 {label(names, v)} 担保 {fmt_cny(a)} 元" for u, v, a in edges)
    legs_en = "; ".join(
        f"{label(names, u)} guarantees {label(names, v)} CNY {fmt_cny(a)}" for u, v, a in edges
    )
    more_legs, more_legs_en = more_text(len(c.edges), SENTENCE_ITEMS, "笔")
    units = c.units[:SENTENCE_ITEMS]
    more_units, more_units_en = more_text(len(c.units), SENTENCE_ITEMS, "个客户")
    kind_zh = "互保" if c.mutual else "担保圈"
    kind_en = "a mutual guarantee" if c.mutual else "a guarantee circle"
    return Finding(
        subject_key=c.circle_id,
        entity_ids=c.members,
        severity=severity,  # type: ignore[arg-type]
        kind="common_control",
        explanation_zh=(
            f"同一控制下的企业视为一个客户时构成实质{kind_zh}："
            + "、".join(unit_text(u) for u in units)
            + more_units
            + f"。担保：{legs}{more_legs}。"
        ),
        explanation_en=(
            f"Taking entities under common control as one customer, this is {kind_en} in substance: "
            + "; ".join(unit_text_en(u) for u in units)
            + more_units_en
            + f". Guarantees: {legs_en}{more_legs_en}."
        ),
        evidence={**evidence(c, grps), **extra},
    )
