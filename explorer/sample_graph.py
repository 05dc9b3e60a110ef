"""A deterministic, API-shaped neighbourhood of any size, for the draw benchmark, browser tests and
README screenshots when no server is at hand. It mimics what the API answers (companies, persons,
shareholdings, positions, guarantees, a listing) so the renderer sees realistic mixes of types."""

from __future__ import annotations

import random
from typing import Any

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚"
PLACES = "杭州宁波温州嘉兴湖州绍兴金华衢州台州丽水"
TRADES = ["纺织", "化工", "机械", "建材", "贸易", "电子", "物流", "印染", "五金", "塑业"]


def neighbourhood(n_nodes: int, seed: int = 7) -> dict[str, Any]:
    """``{"center", "nodes", "edges"}`` with ~n_nodes nodes (60 % companies), edges ≈ 1.6 × nodes."""
    rng = random.Random(seed)
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    n_comp = max(1, int(n_nodes * 0.6))
    for i in range(n_comp):
        name = f"{rng.choice(PLACES)}{rng.choice(PLACES)}{rng.choice(TRADES)}有限公司{i}"
        node: dict[str, Any] = {
            "id": f"C:{i:05d}",
            "type": "Company",
            "name": name,
            "properties": {"region": "浙江"},
        }
        if rng.random() < 0.15:
            node["risk_score"] = round(rng.random(), 2)
        nodes.append(node)
    for j in range(n_nodes - n_comp):
        nodes.append(
            {
                "id": f"P:{j:05d}",
                "type": "Person",
                "name": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
            }
        )
    nodes[min(3, len(nodes) - 1)]["listed"] = True
    comps = [n["id"] for n in nodes if n["type"] == "Company"]
    persons = [n["id"] for n in nodes if n["type"] == "Person"]
    # a tree from the center keeps everything reachable, as a neighbourhood is
    ids = [n["id"] for n in nodes]
    for k in range(1, len(ids)):
        parent = ids[rng.randrange(0, k)]
        a, b = ids[k], parent
        if a.startswith("P:") and b.startswith("P:"):
            edges.append(
                {"source": a, "target": b, "type": "FAMILY_OF", "properties": {"relation": "sibling"}}
            )
        elif a.startswith("P:") or b.startswith("P:"):
            p, c = (a, b) if a.startswith("P:") else (b, a)
            if rng.random() < 0.5:
                edges.append(
                    {
                        "source": p,
                        "target": c,
                        "type": "HOLDS_SHARES",
                        "properties": {"pct": round(rng.uniform(5, 80), 1)},
                    }
                )
            else:
                edges.append(
                    {"source": p, "target": c, "type": "HOLDS_POSITION", "properties": {"role": "director"}}
                )
        else:
            kind = rng.choice(["HOLDS_SHARES", "GUARANTEES"])
            props = (
                {"pct": round(rng.uniform(5, 100), 1)}
                if kind == "HOLDS_SHARES"
                else {"amount": rng.randrange(1, 500) * 1e5}
            )
            edges.append({"source": a, "target": b, "type": kind, "properties": props})
    for _ in range(int(n_nodes * 0.6)):  # extra guarantees: circles and fans
        a, b = rng.sample(comps, 2) if len(comps) > 1 else (comps[0], comps[0])
        if a != b:
            edges.append(
                {
                    "source": a,
                    "target": b,
                    "type": "GUARANTEES",
                    "properties": {"amount": rng.randrange(1, 900) * 1e5, "contract_id": f"G{len(edges)}"},
                }
            )
    if persons and comps:
        edges.append(
            {"source": persons[0], "target": comps[0], "type": "HOLDS_SHARES", "properties": {"pct": 60.0}}
        )
    return {"center": ids[0], "nodes": nodes, "edges": edges}
