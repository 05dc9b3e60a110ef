"""Ownership and control chain with beneficial owners; the group an entity belongs to."""

from __future__ import annotations

from typing import Annotated

import networkx as nx
from fastapi import APIRouter, Depends, Query, Request

from api.dependencies import Repos, require
from api.models.common import PROBLEM_RESPONSES
from api.models.investigations import EntityGroups, Group, Ownership
from api.routers.entities import EntityId, not_found
from api.services.preloan import rules_config
from risk_rules.algorithms.ownership import actual_controller, beneficial_owners, integrated_ownership

router = APIRouter(prefix="/v1", tags=["ownership & groups"], responses=PROBLEM_RESPONSES)


def _link(link) -> dict:
    return {
        "controller": list(link.controller),
        "company": link.company,
        "basis": link.basis,
        "votes": link.votes,
        "runner_up": link.runner_up,
        "contributions": [list(c) for c in link.contributions],
    }


@router.get(
    "/entities/{entity_id}/ownership",
    response_model=Ownership,
    summary="Ownership and control chain (股权穿透), beneficial owners (受益所有人)",
    dependencies=[Depends(require("entity:read"))],
)
async def ownership(
    r: Repos, entity_id: EntityId, request: Request, max_hops: Annotated[int, Query(ge=1, le=10)] = 6
) -> Ownership:
    start = await r.ownership.start(entity_id)
    if start is None:
        raise not_found(entity_id)
    s = request.app.state.settings
    edges, truncated, company_eids = await r.ownership.upward(start["eid"], max_hops, 2000)
    G = nx.DiGraph()
    for e in edges:
        if e["pct"] is not None:
            G.add_edge(e["holder"], e["company"], pct=float(e["pct"]))
            G.nodes[e["holder"]]["kind"] = "person" if e["is_person"] else "company"
    officers = await r.ownership.officers(company_eids)
    positions = [(o["person"], o["company"], o["role"]) for o in officers if o["role"]]
    persons = sorted({n for n, d in G.nodes(data=True) if d.get("kind") == "person"})
    family = [(f["a"], f["b"], f["relation"]) for f in await r.ownership.family(persons) if f["relation"]]
    cfg = rules_config(str(s.rules_config) if s.rules_config else None)
    ctl = cfg.control
    ck = {
        "majority": ctl.majority,
        "plurality": ctl.plurality,
        "margin": ctl.margin,
        "board_roles": tuple(ctl.board_roles),
    }
    bo_params = cfg.rules.get("ownership.beneficial_owner", {})
    integrated, controller, bo = [], None, {"basis": "none", "owners": []}
    if start["is_company"]:
        G.add_node(entity_id, kind="company")
        shares = integrated_ownership(G, entity_id) if G.number_of_edges() else {}
        integrated = [
            {"holder": h, "share_pct": round(v, 6)}
            for h, v in sorted(shares.items(), key=lambda kv: (-kv[1], kv[0]))
        ]
        fam = family if ctl.family_as_one_controller else None
        cr = actual_controller(G, entity_id, positions=positions, family_pairs=fam, **ck)
        if cr.controller:
            controller = {
                "controller": list(cr.controller),
                "basis": cr.basis,
                "chain": [_link(x) for x in cr.chain],
            }
        res = beneficial_owners(
            G,
            entity_id,
            threshold=float(bo_params.get("threshold_pct", 25.0)),
            comparison=str(bo_params.get("comparison", ">=")),
            positions=positions,
            family_pairs=fam,
            manager_roles=tuple(bo_params.get("manager_roles", ("senior_manager", "legal_representative"))),
            control_kwargs=ck,
        )
        bo = {
            "basis": res.basis,
            "threshold": res.threshold,
            "comparison": res.comparison,
            "owners": [
                {
                    "person": o.person,
                    "basis": o.basis,
                    "share_pct": round(o.share, 6),
                    "role": o.role,
                    "paths": [
                        {"nodes": list(p.nodes), "pcts": list(p.pcts), "product": p.product} for p in o.paths
                    ],
                    "paths_cover": o.paths_cover,
                    "control_chain": [_link(x) for x in o.control_chain],
                }
                for o in res.owners
            ],
        }
    return Ownership(
        entity_id=entity_id,
        direct_holders=[
            {"holder": e["holder"], "name": e["holder_name"], "pct": e["pct"]}
            for e in edges
            if e["company"] == entity_id
        ],
        integrated=integrated,
        controller=controller,
        beneficial_owners=bo,
        rule_controls=await r.ownership.controls_in(entity_id),
        edges=[{"holder": e["holder"], "company": e["company"], "pct": e["pct"]} for e in edges],
        max_hops=max_hops,
        truncated=truncated,
    )


@router.get(
    "/entities/{entity_id}/groups",
    response_model=EntityGroups,
    summary="The group customers (集团) an entity belongs to",
    dependencies=[Depends(require("entity:read"))],
)
async def entity_groups(r: Repos, entity_id: EntityId) -> EntityGroups:
    if not await r.entities.exists(entity_id):
        raise not_found(entity_id)
    groups = [await r.alerts.group(gid) for gid in await r.alerts.groups_of(entity_id)]
    return EntityGroups(entity_id=entity_id, groups=[Group(**g) for g in groups if g])


@router.get(
    "/groups/{group_id}",
    response_model=Group,
    summary="A group customer with its members",
    dependencies=[Depends(require("entity:read"))],
)
async def group(r: Repos, group_id: str) -> Group:
    g = await r.alerts.group(group_id)
    if g is None:
        from api.errors import ApiError

        raise ApiError(404, f"集团不存在：{group_id} / No such group: {group_id}")
    return Group(**g)
