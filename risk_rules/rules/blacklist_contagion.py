"""黑名单传染 blacklist contagion: proximity of every entity to listed entities, with paths.

Algorithm: personalized PageRank from the listed seeds on the hop-bounded linkage ball (control,
guarantee, shareholding by %, family, position, shared contact), plus each entity's strongest
explaining paths (:func:`~risk_rules.algorithms.blacklist_contagion`). The alert threshold is on
the best path's strength by default (a product of link weights and damping per hop, so it means
the same thing whatever the number of seeds), or on the PPR score. Every run adds a RiskScore
snapshot so :func:`risk_rules.reach.reach_diff` can say what came within reach since a date.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, PositiveInt, field_validator

from graph_model import schema as S
from risk_rules.algorithms import blacklist_contagion
from risk_rules.algorithms.contagion import MAJORITY_HOLDING, ContagionResult, LinkGraph, PathSearch
from risk_rules.config import ControlParams, RuleParams, Severity
from risk_rules.derived import write_scores
from risk_rules.execution.split_contagion import split_path_search
from risk_rules.framework import Finding, Rule, RuleContext, RuleOutput
from risk_rules.projection import blacklist, linkage_ball
from risk_rules.rules._helpers import label, names_of


class Params(RuleParams):
    max_hops: PositiveInt = Field(
        description="hop bound of contagion: entities farther from every listed one are not scored (3)"
    )
    damping: float = Field(
        gt=0, lt=1, description="PageRank damping; also the per-hop decay of path strength"
    )
    rel_weights: dict[str, float] = Field(
        description="link-type weights when risk travels the link's way: controller → company, holder → "
        "company, guarantor → the borrower it guarantees (control > guarantee > shareholding …)"
    )
    reverse_weights: dict[str, float] = Field(
        description="link-type weights against the link's way (borrower → its guarantor: the guarantor "
        "pays); types not named weigh rel_weights both ways"
    )
    measure: Literal["path_strength", "ppr"] = Field(description="score compared with the threshold")
    threshold: float = Field(ge=0, le=1, description="alert when the measure reaches this")
    high_score: float = Field(ge=0, le=1, description="from this measure on, severity_high")
    severity: Severity
    severity_high: Severity
    top_paths: PositiveInt = Field(description="explaining paths kept per entity")
    max_contact_group: PositiveInt = Field(description="contacts shared by more entities are not links")
    kind_weights: dict[str, float] = Field(
        description="seed weight per listing kind (失信被执行人 > … > 经营异常名录); a path starts at it; "
        "a kind not named weighs 1.0; an entity listed under several kinds takes the heaviest"
    )
    snapshot_min_score: float = Field(
        ge=0, le=1, description="RiskScore snapshot keeps entities from this measure"
    )
    majority_holding_as_control: bool = Field(
        description="a holder of a majority (control.majority, > 50%) is the controlling shareholder "
        "(公司法 控股股东): its holding weighs as control, even when the actual controller sits higher"
    )

    @field_validator("kind_weights")
    @classmethod
    def _known_kinds(cls, v: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(v) - set(S.BLACKLIST_KINDS))
        if unknown:
            raise ValueError(
                f"未知名单类型 / unknown listing kinds {unknown}; known: {list(S.BLACKLIST_KINDS)}"
            )
        bad = sorted(k for k, w in v.items() if not 0 <= w <= 1)
        if bad:
            raise ValueError(f"名单权重须在 [0,1] / listing-kind weights must be in [0, 1]: {bad}")
        return v

    @field_validator("rel_weights", "reverse_weights")
    @classmethod
    def _known_rels(cls, v: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(v) - set(LINK_TYPES))
        if unknown:
            raise ValueError(f"未知关联类型 / unknown link types {unknown}; known: {list(LINK_TYPES)}")
        bad = sorted(k for k, w in v.items() if not 0 <= w <= 1)
        if bad:
            raise ValueError(f"关联权重须在 [0,1] / link weights must be in [0, 1]: {bad}")
        return v


#: The link types of the contagion projection (:func:`risk_rules.projection.linkage_ball`).
LINK_TYPES = ("control", "guarantee", "shareholding", "family", "position", "shared_contact")

#: How a hop reads in an explanation (the path's ``rels``; backward hops of directed types).
REL_LABELS: dict[str, tuple[str, str]] = {
    "control": ("控制", "controls"),
    "controlled_by": ("受控于", "controlled by"),
    "guarantee": ("为其担保", "guarantees"),
    "guaranteed_by": ("由其担保", "guaranteed by"),
    "shareholding": ("持股", "holds shares in"),
    "held_by": ("股东为", "held by"),
    MAJORITY_HOLDING: ("控股", "holds a majority of"),
    "majority_held_by": ("控股股东为", "majority-held by"),
    "family": ("亲属", "family of"),
    "position": ("任职", "office"),
    "shared_contact": ("共用电话/地址", "shares a phone/address with"),
}


def seed_weights(listed: dict[str, list[str]], params: Params) -> dict[str, float]:
    """Listed entity → seed weight: the heaviest of its listing kinds (a kind not named: 1.0);
    entities whose kinds all weigh 0 are no seeds. The rule and the findings engine both use it."""
    seeds = {
        e: max((params.kind_weights.get(k, 1.0) for k in kinds), default=1.0) for e, kinds in listed.items()
    }
    return {e: w for e, w in seeds.items() if w > 0}


def contagion_of(
    L: LinkGraph,
    seeds: dict[str, float],
    params: Params,
    control: ControlParams,
    path_search: PathSearch | None = None,
) -> ContagionResult:
    """The contagion computation with the rule's parameters and the run's control definition
    (the rule and the findings engine); ``path_search`` spreads the path search over components."""
    return blacklist_contagion(
        L,
        seeds,
        rel_weights=params.rel_weights,
        reverse_weights=params.reverse_weights,
        max_hops=params.max_hops,
        damping=params.damping,
        top_k_paths=params.top_paths,
        majority_pct=control.majority if params.majority_holding_as_control else None,
        path_search=path_search,
    )


def path_text(names: dict[str, str], nodes: tuple[str, ...], rels: tuple[str, ...], lang: str) -> str:
    """``A —[guarantees]→ B`` in the reader's language, names beside ids."""
    i = 0 if lang == "zh" else 1
    return label(names, nodes[0]) + "".join(
        f" —[{REL_LABELS.get(r, (r, r))[i]}]→ {label(names, n)}" for r, n in zip(rels, nodes[1:], strict=True)
    )


class BlacklistContagionRule(Rule[Params]):
    id = "contagion.blacklist"
    version = "1.0"
    title_zh = "黑名单风险传染"
    title_en = "Blacklist contagion"
    description_zh = (
        "以当日有效名单主体为种子，在 3 跳以内的关联图（控制、担保、持股比例（过半数持股按控制计）、亲属、任职、共用联系方式）上计算个性化 PageRank"
        "和最强传染路径；路径强度达到阈值的主体预警，附前若干条路径；每次运行保存评分快照，可查询某日以来新进入/退出影响范围的主体。"
    )
    description_en = (
        "Personalized PageRank from the entities listed at the as-of date over the linkage graph within 3 hops "
        "(control, guarantee, shareholding by % with a majority holding as control, family, position, shared "
        "contact), with the strongest explaining "
        "paths; entities whose path strength reaches the threshold are alerted with their top paths; each run "
        "keeps a score snapshot to answer what came within reach since a date."
    )
    sources = (
        "Haveliwala, Topic-sensitive PageRank, WWW 2002 (personalized PageRank)",
        "Jeh & Widom, Scaling personalized web search, WWW 2003",
    )
    shared_reads = frozenset({"blacklist", "linkage_ball", "entity_facts", "names"})
    derived_writes = frozenset({S.RISK_SCORE, S.SCORED})

    def evaluate(self, ctx: RuleContext, params: Params) -> RuleOutput:
        listed = blacklist(ctx)
        seeds = seed_weights(listed, params)
        if not seeds:
            derived = write_scores(ctx.driver, ctx.database, [], ctx.run_id, ctx.as_of)
            return RuleOutput([], derived=derived, stats={"seeds": 0})
        ctx.progress(
            f"contagion: reading the {params.max_hops}-hop ball around {len(seeds)} listed entities …"
        )
        L = linkage_ball(ctx, sorted(seeds), params.max_hops, params.max_contact_group)
        ctx.progress(f"contagion: PageRank on {L.number_of_nodes()} entities …")
        # the explaining paths one ball component per unit of the run's executor
        result = contagion_of(L, seeds, params, ctx.control, split_path_search(ctx.executor))
        ball = L.number_of_nodes()
        ctx.cache["findings.contagion"] = result  # read by the profile step (risk_rules.findings)
        del L  # the ball's links are not needed any more: free them before the findings are built

        def measure(s) -> float:
            return s.path_strength if params.measure == "path_strength" else s.score

        snapshot, findings = [], []
        hits = [
            s for s in result.scores if not s.is_seed and measure(s) >= params.threshold and measure(s) > 0
        ]
        names = names_of(ctx, {x for s in hits for p in s.paths for x in p.nodes})
        for s in result.scores:
            m = measure(s)
            if s.is_seed or m >= params.snapshot_min_score:
                paths = [
                    {"nodes": list(p.nodes), "rels": list(p.rels), "strength": p.strength} for p in s.paths
                ]
                snapshot.append(
                    {
                        "entity_id": s.entity,
                        "score": m,
                        "ppr": s.score,
                        "hops": s.hops,
                        "paths": paths,
                        "seed": s.is_seed,
                    }
                )
        for s in hits:
            m = measure(s)
            best = s.paths[0] if s.paths else None
            text_zh = path_text(names, best.nodes, best.rels, "zh") if best else ""
            text_en = path_text(names, best.nodes, best.rels, "en") if best else ""
            listed_seeds = sorted({p.nodes[0] for p in s.paths})
            findings.append(
                Finding(
                    subject_key=s.entity,
                    entity_ids=(s.entity, *listed_seeds),
                    severity=params.severity_high if m >= params.high_score else params.severity,
                    explanation_zh=(
                        f"{label(names, s.entity)} 距名单主体 {s.hops} 跳，传染强度 {m:.3f}（阈值 {params.threshold:g}）；"
                        f"最强路径：{text_zh}。"
                    ),
                    explanation_en=(
                        f"{label(names, s.entity)} is {s.hops} hop(s) from a listed entity, contagion strength "
                        f"{m:.3f} (threshold {params.threshold:g}); strongest path: {text_en}."
                    ),
                    evidence={
                        "measure": params.measure,
                        "score": round(m, 6),
                        "hops": s.hops,
                        "seeds": listed_seeds,
                        "listing_kinds": {x: sorted(listed.get(x, [])) for x in listed_seeds},
                        "paths": [
                            {"nodes": list(p.nodes), "rels": list(p.rels), "strength": round(p.strength, 6)}
                            for p in s.paths
                        ],
                    },
                )
            )
        reached = len(result.scores)
        del result, hits
        derived = write_scores(ctx.driver, ctx.database, snapshot, ctx.run_id, ctx.as_of)
        return RuleOutput(
            findings,
            derived=derived,
            stats={"seeds": len(seeds), "ball": ball, "reached": reached},
        )
