"""Default-cascade simulation: which entities, loans and how much of the bank's exposure a set of
assumed defaults puts at risk, by DebtRank (Battiston et al. 2012) over guarantees and stakes.

The repository reads the exposure ball; :func:`risk_rules.algorithms.debtrank` computes the
cascade (one definition of W = min(1, exposure / equity), each node spreads once); this module
only assembles the answer: names beside ids, the explaining paths, loans at risk, totals and a
bilingual summary. Deterministic: every list is sorted with stable ties. Numbers in the answer are
元; the summary's amounts are the renderer's (元/万元/亿元, CNY m).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import networkx as nx

from api.errors import ApiError
from api.models.simulations import (
    DefaultSimulation,
    DefaultSimulationRequest,
    DistressedEntity,
    LoanAtRisk,
    PathHop,
)
from api.rendering.text import amount_en, amount_zh
from api.repositories.simulations import SimulationRepository
from risk_rules.algorithms import debtrank


@dataclass(frozen=True)
class SimulationBounds:
    max_defaults: int
    max_hops: int
    max_rounds: int
    max_entities: int
    max_rows: int
    top_paths: int

    @classmethod
    def from_settings(cls, s: Any) -> SimulationBounds:
        return cls(
            max_defaults=s.api_simulation_max_defaults,
            max_hops=s.api_simulation_max_hops,
            max_rounds=s.api_simulation_max_rounds,
            max_entities=s.api_simulation_max_entities,
            max_rows=s.api_simulation_max_rows,
            top_paths=s.api_simulation_top_paths,
        )


def _bad(message_zh: str, message_en: str) -> ApiError:
    return ApiError(422, f"{message_zh} / {message_en}", code="invalid-simulation")


async def simulate_default(
    repo: SimulationRepository, req: DefaultSimulationRequest, b: SimulationBounds
) -> DefaultSimulation:
    try:
        ids = req.ids()
    except ValueError as exc:
        raise _bad("entity_ids 含无效主体编号", str(exc)) from None
    if len(ids) > b.max_defaults:
        raise _bad(
            f"entity_ids 最多 {b.max_defaults} 个（收到 {len(ids)} 个）",
            f"entity_ids: at most {b.max_defaults} entities (got {len(ids)})",
        )
    rounds_cap = min(req.max_rounds or b.max_rounds, b.max_rounds)
    edges, facts, cut = await repo.exposure_ball(ids, max_hops=b.max_hops, max_nodes=b.max_entities)
    return assemble(ids, edges, facts, cut, rounds_cap, b)


def assemble(
    ids: list[str],
    edges: list[dict[str, Any]],
    facts: dict[str, dict[str, Any]],
    cut: bool,
    max_rounds: int,
    b: SimulationBounds,
) -> DefaultSimulation:
    """The answer from what the repository read (pure: tested without a database)."""
    known = [x for x in ids if x in facts]
    unknown = [x for x in ids if x not in facts]
    G: nx.DiGraph = nx.DiGraph()
    for eid in sorted(facts):
        na = facts[eid].get("net_assets")
        G.add_node(eid, equity=float(na) if na is not None else None, value=max(float(na or 0.0), 0.0))
    for e in edges:
        g, o = e["exposed"], e["obligor"]
        if g in facts and o in facts:
            if G.has_edge(g, o):  # a guarantee and a stake between the same pair: both are lost
                G[g][o]["amount"] += float(e["amount"] or 0.0)
                G[g][o]["rel"] = min(G[g][o]["rel"], e["rel"])
            else:
                G.add_edge(g, o, amount=float(e["amount"] or 0.0), rel=e["rel"])
    r = debtrank(
        G,
        known,
        value_attr="value",
        max_rounds=max_rounds,
        top_k_paths=b.top_paths,
        max_path_hops=b.max_hops,
    )
    rounds = dict(r.reached_round)

    def name(x: str) -> str | None:
        return facts.get(x, {}).get("name")

    def open_balance(x: str) -> float:
        return float(sum(float(lo["balance"] or 0.0) for lo in facts.get(x, {}).get("loans") or []))

    distressed = [
        DistressedEntity(
            entity_id=s.entity,
            name=name(s.entity),
            kind="person" if facts.get(s.entity, {}).get("person") else "company",
            h=round(s.score, 6),
            round=rounds.get(s.entity, 0),
            assumed_default=s.is_seed,
            equity=G.nodes[s.entity].get("equity"),
            open_balance=open_balance(s.entity),
            paths=[
                PathHop(
                    nodes=list(p.nodes),
                    names=[name(x) for x in p.nodes],
                    rels=list(p.rels),
                    impact=round(p.strength, 6),
                )
                for p in s.paths
            ],
        )
        for s in r.scores
    ]  # r.scores: by h, highest first, ties by id
    loans = sorted(
        (
            LoanAtRisk(
                loan_id=lo["loan_id"],
                entity_id=d.entity_id,
                name=d.name,
                balance=float(lo["balance"] or 0.0),
                status=lo.get("status"),
                h=d.h,
            )
            for d in distressed
            for lo in facts.get(d.entity_id, {}).get("loans") or []
        ),
        key=lambda x: (-x.balance, x.loan_id),
    )
    at_risk = sum(lo.balance for lo in loans)
    expected = sum(lo.balance * lo.h for lo in loans)
    truncated = cut or r.truncated or len(distressed) > b.max_rows or len(loans) > b.max_rows
    n_new = sum(1 for d in distressed if not d.assumed_default)
    summary_zh = (
        f"假设 {len(known)} 个主体违约，经 {r.rounds} 轮传导，另有 {n_new} 个主体承压"
        f"（DebtRank {r.R:.4f}）；受影响贷款 {len(loans)} 笔，余额合计 {amount_zh(at_risk)}，"
        f"按承压程度加权 {amount_zh(expected)}。"
        + ("结果因规模上限被截断。" if truncated else "")
        + (f"以下编号不存在：{', '.join(unknown)}。" if unknown else "")
    )
    summary_en = (
        f"Assuming {len(known)} entit{'y' if len(known) == 1 else 'ies'} default, {n_new} more are distressed "
        f"after {r.rounds} round(s) (DebtRank {r.R:.4f}); {len(loans)} loan(s) at risk with balances of "
        f"{amount_en(at_risk)}, {amount_en(expected)} weighted by distress."
        + (" The answer was cut by a size bound." if truncated else "")
        + (f" No such entity: {', '.join(unknown)}." if unknown else "")
    )
    return DefaultSimulation(
        defaulted=known,
        unknown=unknown,
        rounds=r.rounds,
        truncated=truncated,
        debtrank=round(r.R, 6),
        distressed_count=len(distressed),
        exposure_at_risk=at_risk,
        expected_exposure_at_risk=round(expected, 2),
        entities=distressed[: b.max_rows],
        loans_at_risk=loans[: b.max_rows],
        missing_equity=list(r.missing_equity),
        summary_zh=summary_zh,
        summary_en=summary_en,
        params={
            "max_hops": b.max_hops,
            "max_rounds": max_rounds,
            "max_entities": b.max_entities,
            "max_rows": b.max_rows,
        },
    )
