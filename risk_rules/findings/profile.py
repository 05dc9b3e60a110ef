"""One entity's profile: what every rule concludes about it, with the evidence, as plain JSON.

The same functions serve the rule run (over the whole graph's projections) and the pre-loan
check's live recompute (over the entity's neighbourhood: ``CONTROL_HOPS`` ownership links,
read by :mod:`risk_rules.findings.neighbourhood`), so a hop, a circle, a controller or a
contagion path means the same thing on every screen. Everything is computed once per input by
:func:`precompute` — controllers, control groups, guarantee circles and chains, contagion scores,
shared contacts, and the indexes that related parties and beneficial owners are read from — and
:func:`entity_profile` reads one entity's part of it. In the run that is the rules' own answer on
the whole graph (the related-party rule's related parties, the beneficial-owner rule's owners);
in a live recompute it is the same computation on the neighbourhood.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from risk_rules.algorithms import (
    BeneficialOwnership,
    ContagionResult,
    ControlGroup,
    ControlledCircle,
    ControlResult,
    GuaranteeChainReport,
    GuaranteeCircle,
    aggregate_exposure,
    all_controllers,
    circles_through_common_control,
    control_groups,
    extended_family,
    guarantee_chains,
    guarantee_circles,
    mutual_guarantees,
    ownership_inconsistencies,
    shortest_cycle_through,
    upstream_inconsistencies,
)
from risk_rules.algorithms.contagion import LinkGraph
from risk_rules.algorithms.groups import RelatedPartyFinder
from risk_rules.algorithms.ownership.holdings import FamilyTies
from risk_rules.execution.split import family_index, owners_of_company, positions_by_company
from risk_rules.findings.params import FindingParams
from risk_rules.projection import OwnershipData
from risk_rules.rules._control import chain_json
from risk_rules.rules.blacklist_contagion import contagion_of, seed_weights

#: links of the ownership neighbourhood a live recompute reads (shareholding, position, family)
CONTROL_HOPS = 3
#: rows an entity's profile lists of its group's members, its related parties and the members of
#: its related-party exposure (largest balances / nearest relations first), each with its total and
#: the sums the limits need: the members of a large group would otherwise each carry the whole
#: group, and the check read megabytes. A group's every row is kept once, in its group profile.
PROFILE_ROWS = 50


@dataclass
class Hood:
    """The inputs of profiles: the projections the rules read, for the whole graph or one ball.

    ``guarantees`` edges carry ``amount`` (summed over contracts) and ``contracts``; its nodes
    ``net_assets``. ``linkage`` is the contagion link graph (same projection as the rule);
    ``listed`` the entities listed at the as-of date with their listing kinds.
    """

    ownership: OwnershipData
    guarantees: nx.DiGraph
    linkage: LinkGraph | None
    listed: dict[str, list[str]]
    names: dict[str, str]
    loans: dict[str, float]
    net_assets: dict[str, float]
    truncated: bool = False


@dataclass
class OwnershipFindings:
    """The ownership projection prepared once for every entity's owners, controller, related
    parties and beneficial owners: asking per entity then costs that entity's answer, not the
    graph (a bank's run profiles every entity it touches)."""

    controllers: dict[str, ControlResult]
    related: RelatedPartyFinder
    family_ties: FamilyTies
    positions_at: dict[str, list[tuple[str, str, str]]]  # company → its position rows
    family_at: dict[str, list[tuple[str, str, str]]] | None  # person → family rows (control families)
    over_100: dict[str, float]  # company → total pct, the data-quality rule's tolerance
    has_links: bool  # any shareholding or position (a networkx edge count is a scan of the graph)
    #: companies' beneficial owners already computed by the rule this run (the rest on demand)
    beneficial: dict[str, BeneficialOwnership] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        own: OwnershipData,
        fp: FindingParams,
        controllers: dict[str, ControlResult] | None = None,
        beneficial: dict[str, BeneficialOwnership] | None = None,
    ) -> OwnershipFindings:
        fam = own.family if fp.control.family_as_one_controller else None
        if controllers is None:
            controllers = (
                all_controllers(own.graph, positions=own.positions, family_pairs=fam, **fp.control_kwargs)
                if own.graph.number_of_edges()
                else {}
            )
        related = RelatedPartyFinder(
            own.graph,
            positions=own.positions,
            family_pairs=own.family,
            controllers=controllers,
            family_as_one_controller=fp.control.family_as_one_controller,
            **fp.control_kwargs,
        )
        return cls(
            controllers=controllers,
            related=related,
            family_ties=FamilyTies.of(own.family),
            positions_at=positions_by_company(own.positions),
            family_at=family_index(fam) if fam is not None else None,
            over_100=ownership_inconsistencies(own.graph, tolerance=fp.ownership_quality.tolerance),
            has_links=own.graph.number_of_edges() > 0 or bool(own.positions),
            beneficial=dict(beneficial or {}),
        )


@dataclass
class Precomputed:
    """Structures computed once per :class:`Hood` and shared by every entity's profile."""

    groups: dict[str, ControlGroup]  # member → its control group
    circles: dict[str, GuaranteeCircle]  # member → its circle
    chains: GuaranteeChainReport | None
    contagion: ContagionResult | None
    ownership: OwnershipFindings
    shared_contacts: dict[str, list[str]] = field(default_factory=dict)  # entity → entities
    controlled_circles: dict[str, ControlledCircle] = field(default_factory=dict)  # member → circle
    #: group id → its members' rows, largest balance first (built once per group, not per member)
    group_rows: dict[str, GroupRows] = field(default_factory=dict)
    #: circle id → the circle in substance as profiles show it (built once per circle)
    substances: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class GroupRows:
    """A group's member rows (largest balance first, then id), their loans and the members
    with no loan figure: what every member's profile lists a part of."""

    rows: tuple[dict[str, Any], ...]
    loans: float
    missing: tuple[str, ...]

    @classmethod
    def of(cls, members: Any, hood: Hood, label: str = "") -> GroupRows:
        exp = aggregate_exposure(members, hood.loans, label=label)
        ordered = sorted(exp.per_member, key=lambda row: (-row[1], row[0]))
        rows = tuple({"entity_id": m, "name": _name(hood, m), "balance": bal} for m, bal, _ in ordered)
        return cls(rows, exp.loans, exp.missing)

    def others_loans(self, eid: str) -> float:
        """The loans of every member but ``eid`` (the check adds the applicant's own, read now)."""
        return sum(r["balance"] for r in self.rows if r["entity_id"] != eid)


def shared_contact_map(linkage: LinkGraph | None) -> dict[str, list[str]]:
    """Entity → entities it shares a phone or address with (the contagion projection's links)."""
    out: dict[str, set[str]] = defaultdict(set)
    if linkage is None:
        return {}
    for u, v, d in linkage.edges(data=True):
        if d.get("rel") == "shared_contact":
            out[u].add(v)
            out[v].add(u)
    return {k: sorted(v) for k, v in out.items()}


def contagion_scores(
    linkage: LinkGraph, listed: dict[str, list[str]], fp: FindingParams
) -> ContagionResult | None:
    """The contagion rule's computation (seed weights, algorithm, parameters) on ``linkage``."""
    p = fp.contagion
    seeds = seed_weights({e: kinds for e, kinds in listed.items() if e in linkage}, p)
    if not seeds:
        return None
    return contagion_of(linkage, seeds, p, fp.control)


def precompute(
    hood: Hood,
    fp: FindingParams,
    *,
    controllers: dict[str, ControlResult] | None = None,
    contagion: ContagionResult | None = None,
    shared_contacts: dict[str, list[str]] | None = None,
    beneficial: dict[str, BeneficialOwnership] | None = None,
    groups_found: Iterable[ControlGroup] | None = None,
    controlled_circles: Iterable[ControlledCircle] | None = None,
) -> Precomputed:
    """Groups, circles, chains, contagion and shared contacts of ``hood``, and the ownership
    findings' indexes (the run passes what its rules already computed on the same projections:
    the controllers, the control groups, the circles through common control, the contagion
    result, the beneficial owners)."""
    own = hood.ownership
    fam = own.family if fp.control.family_as_one_controller else None
    owned = OwnershipFindings.of(own, fp, controllers, beneficial)
    ctrl = owned.controllers
    if groups_found is None:
        groups_found = (
            control_groups(
                own.graph,
                positions=own.positions,
                family_pairs=fam,
                controllers=ctrl,
                min_members=2,
                family_scope=fp.control.family_scope,
            )
            if own.graph.number_of_edges()
            else ()
        )
    groups: dict[str, ControlGroup] = {m: g for g in groups_found for m in g.members}
    circles: dict[str, GuaranteeCircle] = {}
    controlled: dict[str, ControlledCircle] = {}
    chains = None
    G = hood.guarantees
    if G.number_of_edges():
        c = fp.circle
        for circle in guarantee_circles(
            G,
            max_cycles=c.max_cycles,
            max_sources=c.max_sources,
            max_cycle_length=c.max_cycle_length,
            min_size=c.min_size,
        ):
            for m in circle.members:
                circles[m] = circle
        chains = guarantee_chains(G)
        if fp.circle.through_common_control or fp.mutual.through_common_control:
            if controlled_circles is None:
                unit_of = {m: g.group_id for m, g in groups.items()}
                controlled_circles = circles_through_common_control(G, unit_of)
            for cc in controlled_circles:
                for m in cc.members:
                    controlled.setdefault(m, cc)
    if contagion is None and hood.linkage is not None:
        contagion = contagion_scores(hood.linkage, hood.listed, fp)
    if shared_contacts is None:
        shared_contacts = shared_contact_map(hood.linkage)
    return Precomputed(groups, circles, chains, contagion, owned, shared_contacts, controlled)


def _name(hood: Hood, eid: str) -> str | None:
    return hood.names.get(eid)


def _ownership_part(eid: str, hood: Hood, pre: Precomputed, fp: FindingParams) -> dict[str, Any]:
    own = hood.ownership
    G = own.graph
    of = pre.ownership
    owners = (
        [
            {"entity_id": h, "name": _name(hood, h), "pct": round(float(d.get("pct") or 0.0), 6)}
            for h, _, d in sorted(G.in_edges(eid, data=True))
        ]
        if eid in G
        else []
    )
    controller = None
    related: list[dict[str, Any]] = []
    related_ids: list[str] = []
    bos: list[dict[str, Any]] = []
    if of.has_links:
        res = of.controllers.get(eid)
        if res is not None and res.controller:
            controller = {
                "controller_ids": list(res.controller),
                "names": [_name(hood, x) for x in res.controller],
                "basis": res.basis,
                "chain": chain_json(res.chain),
                "extended_family": extended_family_json(of.family_ties, res.controller, hood),
            }
        found = of.related.of(eid, shareholder_threshold=fp.related.shareholder_threshold)
        related_ids = [rp.entity for rp in found]
        nearest = sorted(found, key=lambda rp: (len(rp.reasons[0]) if rp.reasons else 1 << 30, rp.entity))
        for rp in nearest[:PROFILE_ROWS]:
            related.append(
                {
                    "entity_id": rp.entity,
                    "name": _name(hood, rp.entity),
                    "kinds": list(rp.kinds),
                    "paths": [
                        [
                            {
                                "source": s.source,
                                "relation": s.relation,
                                "target": s.target,
                                "detail": s.detail,
                            }
                            for s in path
                        ]
                        for path in rp.reasons
                    ],
                }
            )
        if eid in G and G.nodes[eid].get("kind") == "company":
            bos = [
                {
                    "entity_id": o.person,
                    "name": _name(hood, o.person),
                    "basis": o.basis,
                    "share": round(o.share, 6),
                    "paths": [list(p.nodes) for p in o.paths] if o.paths else [],
                    "role": o.role,
                }
                for o in _beneficial_owners(eid, G, of, fp).owners
            ]
    issues = (
        [i.as_json() for i in upstream_inconsistencies(G, eid, over_100=of.over_100)] if of.over_100 else []
    )
    consistent = not issues
    if controller is not None:
        controller["ownership_consistent"] = consistent
    for b_owner in bos:
        b_owner["ownership_consistent"] = consistent
    return {
        "owners": owners,
        "controller": controller,
        "beneficial_owners": bos,
        "related_parties": related,
        "related_parties_total": len(related_ids),
        "related_party_ids": sorted(related_ids),
        "extended_family": extended_family_json(of.family_ties, [eid], hood),
        "ownership_consistent": consistent,
        "data_quality": issues,
    }


def _beneficial_owners(
    eid: str, G: nx.DiGraph, of: OwnershipFindings, fp: FindingParams
) -> BeneficialOwnership:
    """The rule's answer when it ran this run, else the rule's computation (on the company's
    ownership ancestors, as the rule solves it)."""
    bo = of.beneficial.get(eid)
    if bo is None:
        bo = owners_of_company(
            G,
            eid,
            of.positions_at,
            of.family_at,
            of.controllers,
            **fp.beneficial.owner_kwargs(fp.control_kwargs),
        )
        of.beneficial[eid] = bo
    return bo


def extended_family_json(family: FamilyTies | list, persons, hood: Hood) -> list[dict[str, Any]]:
    """The in-laws and other two-step relatives of ``persons`` (evidence: not related parties nor
    one control block unless the family scope is "extended")."""
    inside = set(persons)
    return [
        {
            "person": t.person,
            "relative": t.relative,
            "relative_name": _name(hood, t.relative),
            "via": t.via,
            "via_name": _name(hood, t.via),
            "relations": list(t.relations),
        }
        for t in extended_family(family, persons)
        if t.relative not in inside
    ]


def _guarantee_part(eid: str, hood: Hood, pre: Precomputed, fp: FindingParams) -> dict[str, Any]:
    G = hood.guarantees
    if eid not in G:
        return {
            "given": [],
            "received": [],
            "mutual": [],
            "circle": None,
            "common_control_circle": None,
            "chain": None,
            "fans": {},
            "leverage": None,
        }
    given = [
        {
            "borrower": v,
            "name": _name(hood, v),
            "amount": float(d.get("amount") or 0.0),
            "contracts": sorted(map(str, d.get("contracts") or [])),
        }
        for _, v, d in sorted(G.out_edges(eid, data=True))
    ]
    received = [
        {
            "guarantor": u,
            "name": _name(hood, u),
            "amount": float(d.get("amount") or 0.0),
            "contracts": sorted(map(str, d.get("contracts") or [])),
        }
        for u, _, d in sorted(G.in_edges(eid, data=True))
    ]
    local = G.subgraph({eid, *G.successors(eid), *G.predecessors(eid)})
    mutual = [
        {
            "a": m.a,
            "b": m.b,
            "other": m.b if m.a == eid else m.a,
            "other_name": _name(hood, m.b if m.a == eid else m.a),
            "amount_ab": m.amount_ab,
            "amount_ba": m.amount_ba,
        }
        for m in mutual_guarantees(local)
        if eid in (m.a, m.b) and m.amount_ab >= fp.mutual.min_amount and m.amount_ba >= fp.mutual.min_amount
    ]
    circle = None
    c = pre.circles.get(eid)
    if c is not None:
        cycle = list(shortest_cycle_through(G, eid, max_length=fp.circle.max_cycle_length) or ())
        listed = list(c.members[:PROFILE_ROWS])
        circle = {
            "circle_id": c.circle_id,
            "size": c.size,
            "members": listed,
            "names": {m: _name(hood, m) for m in sorted({*listed, *cycle})},
            "edge_count": c.edge_count,
            "internal_amount": c.internal_amount,
            "cycle_through_applicant": cycle,
        }
    cc = pre.controlled_circles.get(eid)
    substance = _substance(cc, hood, pre) if cc is not None else None
    chain = None
    if pre.chains is not None:
        d = pre.chains.depth_of(eid)
        chain = {"upstream": d.upstream, "downstream": d.downstream, "depth": d.length}
    fans = {"out_degree": len(given), "in_degree": len(received)}
    total = sum(g["amount"] for g in given)
    na = hood.net_assets.get(eid)
    leverage = None
    if given:
        leverage = {
            "total_guaranteed": total,
            "net_assets": na,
            "ratio": (total / na) if na and na > 0 else None,
            "status": "ok"
            if na and na > 0
            else ("missing_net_assets" if na is None else "non_positive_net_assets"),
        }
    return {
        "given": given,
        "received": received,
        "mutual": mutual,
        "circle": circle,
        "common_control_circle": substance,
        "chain": chain,
        "fans": fans,
        "leverage": leverage,
    }


def _substance(cc: ControlledCircle, hood: Hood, pre: Precomputed) -> dict[str, Any]:
    """A circle in substance as every member's profile shows it, built once per circle: its units
    and unit cycle, the largest :data:`PROFILE_ROWS` guarantees between units with the members on
    them, and how each unit's controller controls those members (totals beside every list)."""
    hit = pre.substances.get(cc.circle_id)
    if hit is not None:
        return hit
    edges = sorted(cc.edges, key=lambda e: (-e[2], e[0], e[1]))[:PROFILE_ROWS]
    shown = sorted({x for u, v, _ in edges for x in (u, v)})
    on_edges = set(shown)
    control = {}
    for unit, members in cc.unit_members:
        g = next((pre.groups[m] for m in members if m in pre.groups), None)
        if g is not None and g.group_id == unit:
            listed = [m for m in members if m in on_edges]
            control[unit] = {
                "controller_ids": sorted({p for block in g.controllers for p in block}),
                "members": listed,
                "members_total": len(members),
                "chains": {m: chain_json(g.chain_of(m)) for m in listed if g.chain_of(m)},
            }
    out = {
        "circle_id": cc.circle_id,
        "mutual": cc.mutual,
        "units": list(cc.units),
        "unit_cycle": list(cc.cycle),
        "members": shown,
        "members_total": len(cc.members),
        "names": {m: _name(hood, m) for m in shown},
        "edges": [
            {"from": u, "to": v, "amount": a if a == a else 0.0} for u, v, a in edges
        ],  # NaN: none recorded
        "edges_total": len(cc.edges),
        "control": control,
    }
    pre.substances[cc.circle_id] = out
    return out


def _contagion_part(eid: str, hood: Hood, pre: Precomputed, fp: FindingParams) -> dict[str, Any]:
    p = fp.contagion
    s = pre.contagion.get(eid) if pre.contagion is not None else None
    if s is None or s.is_seed:
        return {"measure": p.measure, "score": 0.0, "ppr": 0.0, "hops": None, "paths": []}
    return {
        "measure": p.measure,
        "score": round(s.path_strength if p.measure == "path_strength" else s.score, 6),
        "ppr": s.score,
        "hops": s.hops,
        "paths": [
            {
                "nodes": list(x.nodes),
                "names": [_name(hood, n) for n in x.nodes],
                "rels": list(x.rels),
                "strength": round(x.strength, 6),
                "listing_kinds": sorted(hood.listed.get(x.nodes[0], [])),
            }
            for x in s.paths
        ],
    }


def _group_rows(g: ControlGroup, hood: Hood, pre: Precomputed) -> GroupRows:
    rows = pre.group_rows.get(g.group_id)
    if rows is None:
        rows = pre.group_rows[g.group_id] = GroupRows.of(g.members, hood, label=g.group_id)
    return rows


def _group_part(eid: str, hood: Hood, pre: Precomputed) -> dict[str, Any] | None:
    """The entity's group: who controls it, how big it is, the sums the group limits need and the
    first :data:`PROFILE_ROWS` members (the whole group is in :func:`group_profile`)."""
    g = pre.groups.get(eid)
    if g is None:
        return None
    gr = _group_rows(g, hood, pre)
    ties = g.extended_family
    return {
        "group_id": g.group_id,
        "controller_ids": sorted({p for block in g.controllers for p in block}),
        "size": len(g.members),
        "members": list(gr.rows[:PROFILE_ROWS]),
        "members_total": len(gr.rows),
        "loans": gr.loans,
        "others_loans": gr.others_loans(eid),
        "missing": list(gr.missing[:PROFILE_ROWS]),
        "missing_total": len(gr.missing),
        "chain": chain_json(g.chain_of(eid)),
        "extended_family": [
            {"person": t.person, "relative": t.relative, "via": t.via, "relations": list(t.relations)}
            for t in ties[:PROFILE_ROWS]
        ],
        "extended_family_total": len(ties),
    }


def group_profile(g: ControlGroup, hood: Hood, pre: Precomputed) -> dict[str, Any]:
    """A control group once, whole: every member with its balance, the members with no loan
    figure and the extended-family ties (read by the group view; each member's profile lists a part)."""
    gr = _group_rows(g, hood, pre)
    return {
        "group_id": g.group_id,
        "controller_ids": sorted({p for block in g.controllers for p in block}),
        "controller_names": {
            p: _name(hood, p) for p in sorted({p for block in g.controllers for p in block})
        },
        "size": len(g.members),
        "members": list(gr.rows),
        "loans": gr.loans,
        "missing": list(gr.missing),
        "extended_family": [
            {"person": t.person, "relative": t.relative, "via": t.via, "relations": list(t.relations)}
            for t in g.extended_family
        ],
    }


def entity_profile(eid: str, hood: Hood, pre: Precomputed, fp: FindingParams) -> dict[str, Any]:
    """The profile body of ``eid`` (JSON-ready, deterministic: equal inputs give equal bodies)."""
    body: dict[str, Any] = {"entity_id": eid, "name": _name(hood, eid)}
    body["ownership"] = _ownership_part(eid, hood, pre, fp)
    body["group"] = _group_part(eid, hood, pre)
    body["guarantees"] = _guarantee_part(eid, hood, pre, fp)
    body["contagion"] = _contagion_part(eid, hood, pre, fp)
    body["shared_contacts"] = [
        {"entity_id": x, "name": _name(hood, x)} for x in pre.shared_contacts.get(eid, [])
    ]
    rp = body["ownership"].pop("related_party_ids")
    insiders = set(fp.related.insiders)
    related = GroupRows.of([eid, *rp], hood)
    body["exposure"] = {
        "borrower_loans": float(hood.loans.get(eid, 0.0)),
        "related_party_of_bank": bool(insiders & {eid, *rp}),
        "related_members": list(related.rows[:PROFILE_ROWS]),
        "related_members_total": len(related.rows),
        "related_others_loans": related.others_loans(eid),
    }
    body["truncated"] = hood.truncated
    return body
