"""The ownership and control view of one entity: 股权穿透, actual controller, beneficial owners.

Computed on the fly from the shareholdings above the entity with the rule framework's algorithms and
the bank's control parameters, so the answer matches what the ownership rules would conclude.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from api.models.investigations import Ownership
from api.repositories.ownership import OwnershipRepository
from api.services.preloan import rules_config
from risk_rules.algorithms.ownership import (
    actual_controller,
    beneficial_owners,
    integrated_ownership,
    upstream_inconsistencies,
)
from risk_rules.findings.params import FindingParams


def _link(link: Any) -> dict[str, Any]:
    return {
        "controller": list(link.controller),
        "company": link.company,
        "basis": link.basis,
        "votes": link.votes,
        "runner_up": link.runner_up,
        "contributions": [list(c) for c in link.contributions],
    }


async def ownership_view(
    repo: OwnershipRepository, entity_id: str, max_hops: int, rules_config_path: str | None
) -> Ownership | None:
    """None when the entity does not exist."""
    start = await repo.start(entity_id)
    if start is None:
        return None
    edges, truncated, company_eids = await repo.upward(start["eid"], max_hops, 2000)
    G: nx.DiGraph[str] = nx.DiGraph()
    for e in edges:
        if e["pct"] is not None:
            G.add_edge(e["holder"], e["company"], pct=float(e["pct"]))
            G.nodes[e["holder"]]["kind"] = "person" if e["is_person"] else "company"
    officers = await repo.officers(company_eids)
    positions = [(o["person"], o["company"], o["role"]) for o in officers if o["role"]]
    persons = sorted({n for n, d in G.nodes(data=True) if d.get("kind") == "person"})
    family = [(f["a"], f["b"], f["relation"]) for f in await repo.family(persons) if f["relation"]]
    cfg = rules_config(rules_config_path)
    ctl = cfg.control
    ck: dict[str, Any] = {
        "majority": ctl.majority,
        "plurality": ctl.plurality,
        "margin": ctl.margin,
        "board_roles": tuple(ctl.board_roles),
        "family_scope": ctl.family_scope,
    }
    fp = FindingParams.from_config(cfg)
    b = fp.beneficial
    issues = upstream_inconsistencies(G, entity_id, tolerance=fp.ownership_quality.tolerance)
    quality = [i.as_json() for i in issues]
    integrated: list[dict[str, Any]] = []
    controller: dict[str, Any] | None = None
    bo: dict[str, Any] = {"basis": "none", "owners": []}
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
                "ownership_consistent": not issues,
            }
        res = beneficial_owners(
            G,
            entity_id,
            positions=positions,
            family_pairs=fam,
            **b.owner_kwargs(ck),
        )
        bo = {
            "basis": res.basis,
            "criteria": b.criteria,
            "ownership_consistent": not issues,
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
    return Ownership.model_validate(
        dict(
            entity_id=entity_id,
            direct_holders=[
                {"holder": e["holder"], "name": e["holder_name"], "pct": e["pct"]}
                for e in edges
                if e["company"] == entity_id
            ],
            integrated=integrated,
            controller=controller,
            beneficial_owners=bo,
            rule_controls=await repo.controls_in(entity_id),
            edges=[{"holder": e["holder"], "company": e["company"], "pct": e["pct"]} for e in edges],
            max_hops=max_hops,
            truncated=truncated,
            ownership_consistent=not issues,
            data_quality=quality,
        )
    )
