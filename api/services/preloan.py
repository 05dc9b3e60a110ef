"""The pre-loan check: one deterministic verdict with every reason tied to its evidence.

Flow (few round trips, all bounded): resolve the applicant (exact keys first; a name only with
hints, never silently) → in parallel: the control ball (ownership, positions, family) for related
parties and the group, the guarantee ball for mutual pairs and circles, the contagion ball or the
latest RiskScore snapshot for blacklist proximity → facts (loans, listings) → risk_rules'
arithmetic for every concentration limit → verdict.

Verdict: ``decline-suggested`` when any reason says so (applicant listed, not operating, defaulted
loan, a limit breached with the requested amount), else ``refer`` when any reason asks a human
(unresolved or ambiguous applicant, guarantee circle / mutual guarantee, blacklist within reach,
limit near its ceiling, overdue loan, high open alert), else ``pass``. Outputs are sorted; the only
time-dependent field is ``checked_at``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import networkx as nx

from api.models.checks import PreLoanRequest
from api.repositories.base import parse_json
from api.repositories.checks import CheckRepository
from api.repositories.entities import classify_query, normalize_name
from api.services.disputes import disputed_fact_reasons
from graph_model import schema as S
from risk_rules.algorithms.contagion import best_paths, link_weights
from risk_rules.algorithms.groups import (
    ExposureLimits,
    aggregate_exposure,
    concentration_checks,
    control_groups,
    related_parties,
)
from risk_rules.algorithms.guarantee import (
    guarantee_circles_from_edges,
    mutual_guarantees,
    shortest_cycle_through,
)
from risk_rules.algorithms.ownership import all_controllers
from risk_rules.config import RulesConfig, load_config

CONTROL_TYPES = [S.HOLDS_SHARES, S.HOLDS_POSITION, S.FAMILY_OF, S.CONTROLS]
ALL_TYPES = sorted(
    {
        S.HOLDS_SHARES,
        S.HOLDS_POSITION,
        S.GUARANTEES,
        S.FAMILY_OF,
        S.CONTROLS,
        S.HAS_PHONE,
        S.HAS_ADDRESS,
        S.LISTED_AS,
    }
)
CONTAGION_TYPES = [
    S.HOLDS_SHARES,
    S.HOLDS_POSITION,
    S.GUARANTEES,
    S.FAMILY_OF,
    S.CONTROLS,
    S.HAS_PHONE,
    S.HAS_ADDRESS,
    S.LISTED_AS,
]
REL_OF_TYPE = {
    S.HOLDS_SHARES: "shareholding",
    S.HOLDS_POSITION: "position",
    S.GUARANTEES: "guarantee",
    S.FAMILY_OF: "family",
    S.CONTROLS: "control",
    S.HAS_PHONE: "shared_contact",
    S.HAS_ADDRESS: "shared_contact",
}
NOT_OPERATING = ("注销", "吊销", "撤销", "cancelled", "revoked")
EFFECT_ORDER = {"decline-suggested": 0, "refer": 1, "info": 2}


@dataclass(frozen=True)
class CheckBounds:
    control_hops: int = 3
    guarantee_hops: int = 4
    blacklist_hops: int = 3
    supernode_degree: int = 100
    max_nodes: int = 1000

    @property
    def ball_hops(self) -> int:
        """One ball serves all three views: control, guarantees, contagion (+1 hop for listings)."""
        return max(self.control_hops, self.guarantee_hops, self.blacklist_hops + 1)

    max_candidates: int = 5
    refer_score: float = 0.3


@lru_cache(maxsize=4)
def rules_config(path: str | None) -> RulesConfig:
    return load_config(path)


def _reason(code: str, effect: str, zh: str, en: str, **evidence: Any) -> dict[str, Any]:
    return {"code": code, "effect": effect, "message_zh": zh, "message_en": en, "evidence": evidence}


def _checked_identifier(
    raw: str | None, kind: str, reasons: list[dict[str, Any]], code: str, zh: str, en: str, field: str
) -> str | None:
    """The identifier as looked up: normalized when it passes its check; otherwise it is still looked
    up as given (upper-cased), and a `refer` reason says that it failed the check."""
    if not raw:
        return None
    found_kind, value = classify_query(raw)
    if found_kind == kind:
        return value
    reasons.append(_reason(code, "refer", zh, en, field=field))
    return raw.upper()


class PreLoanCheck:
    def __init__(self, repo: CheckRepository, config: RulesConfig, bounds: CheckBounds) -> None:
        self.repo = repo
        self.cfg = config
        self.b = bounds
        self._capped = False

    # --- resolution --------------------------------------------------------------------------
    async def _by_key(self, **keys: str | None) -> tuple[list[dict[str, Any]], tuple]:
        return await self.repo.ball_by_key(
            **keys,
            types=ALL_TYPES,
            hops=self.b.ball_hops,
            cap=self.b.supernode_degree,
            max_nodes=self.b.max_nodes,
        )

    async def resolve(
        self, req: PreLoanRequest
    ) -> tuple[str, dict[str, Any] | None, list[dict[str, Any]], list[dict[str, Any]], tuple]:
        """(resolution, applicant, candidates, reasons, the ball around the applicant). Key lookups
        come back with the ball in the same round trip."""
        a = req.applicant
        empty: tuple = ({}, [], [])
        reasons: list[dict[str, Any]] = []
        uscc = _checked_identifier(
            a.uscc,
            "uscc",
            reasons,
            "invalid_uscc",
            "统一社会信用代码校验失败。",
            "The USCC fails its check digit.",
            "applicant.uscc",
        )
        ric = _checked_identifier(
            a.resident_id,
            "id_number",
            reasons,
            "invalid_resident_id",
            "身份证号码校验失败。",
            "The resident ID fails its check.",
            "applicant.resident_id",
        )
        if uscc or ric or a.entity_id:
            rows, ball = await self._by_key(uscc=uscc, ric=ric, entity_id=a.entity_id)
            if len(rows) == 1:
                return "resolved", rows[0], [], reasons, ball
            if len(rows) > 1:
                cands = [_candidate(r) for r in rows]
                reasons.append(
                    _reason(
                        "applicant_ambiguous",
                        "refer",
                        "申请人标识对应多个实体，需人工确认。",
                        "The applicant's identifiers match several entities; a person must decide.",
                        candidates=[c["entity_id"] for c in cands],
                    )
                )
                return "ambiguous", None, cands, reasons, empty
            if not a.name:
                reasons.append(
                    _reason(
                        "applicant_not_found",
                        "refer",
                        "图谱中找不到申请人，不能自动通过。",
                        "The applicant is not in the graph; it cannot pass automatically.",
                        identifiers=sorted(k for k in ("uscc", "resident_id", "entity_id") if getattr(a, k)),
                    )
                )
                return "not_found", None, [], reasons, empty
        name = normalize_name(a.name or "")
        birth = a.hints.birth_date.isoformat() if a.hints.birth_date else None
        cands = await self.repo.by_name(name, a.kind, a.hints.region, birth, self.b.max_candidates + 1)
        exact = [c for c in cands if c["matched_on"] == "name_exact"]
        # a name resolves only when exactly one entity carries it exactly (persons: only with a birth date hint)
        if (
            len(exact) == 1
            and (exact[0]["kind"] == "company" or a.hints.birth_date)
            and len([c for c in cands if c["matched_on"] == "name_exact"]) == 1
        ):
            rows, ball = await self._by_key(uscc=None, ric=None, entity_id=exact[0]["entity_id"])
            reasons.append(
                _reason(
                    "resolved_by_name",
                    "info",
                    "申请人仅按名称（及提示）确定。",
                    "The applicant was resolved by name (and hints) only.",
                    name=name,
                    hints=a.hints.model_dump(mode="json", exclude_none=True),
                )
            )
            return "resolved", rows[0], [], reasons, ball
        if not cands:
            reasons.append(
                _reason(
                    "applicant_not_found",
                    "refer",
                    "图谱中找不到申请人，不能自动通过。",
                    "The applicant is not in the graph; it cannot pass automatically.",
                    name=name,
                )
            )
            return "not_found", None, [], reasons, empty
        cands = cands[: self.b.max_candidates]
        reasons.append(
            _reason(
                "applicant_ambiguous",
                "refer",
                "申请人名称对应多个候选实体，需人工确认。",
                "The applicant's name matches several candidates; a person must decide.",
                candidates=[c["entity_id"] for c in cands],
            )
        )
        return "ambiguous", None, cands, reasons, empty

    # --- the check ---------------------------------------------------------------------------
    async def run(self, req: PreLoanRequest) -> dict[str, Any]:
        resolution, app, candidates, reasons, ball = await self.resolve(req)
        result: dict[str, Any] = {
            "application_ref": req.application_ref,
            "resolution": resolution,
            "applicant": None,
            "candidates": candidates,
            "related_parties": [],
            "group": None,
            "exposure": None,
            "limits": [],
            "guarantees": None,
            "blacklist": None,
            "open_alerts": [],
            "bounds": self._bounds(),
        }
        if app is not None:
            eid, app_id = app["eid"], app["entity_id"]
            score = app.get("score")
            group_ids = app.get("groups") or []
            self._capped = len(ball[0]) >= self.b.max_nodes  # the node cap cut the ball: views may be partial
            control = sub_ball(ball, eid, set(CONTROL_TYPES), self.b.control_hops)
            guarantees = sub_ball(ball, eid, {S.GUARANTEES}, self.b.guarantee_hops)
            contagion = sub_ball(ball, eid, set(CONTAGION_TYPES), self.b.blacklist_hops + 1)
            entity_eids = sorted(e for e, n in control[0].items() if _is_entity(n))
            seen = {app_id} | {n["key"] for n in ball[0].values() if n.get("key")}
            # second and last round trip: facts of the control view, the group, alerts, disputes
            facts_rows, group_row, alerts_near, disputed = await asyncio.gather(
                self.repo.facts(entity_eids),
                self.repo.group(group_ids[0], cap=2000) if group_ids else _none(),
                self.repo.open_alerts(entity_eids, limit=500),
                disputed_fact_reasons(self.repo, sorted(seen)),
            )
            facts = {f["entity_id"]: f for f in facts_rows}
            me = facts.get(app_id, {})
            result["applicant"] = {
                k: app.get(k)
                for k in ("entity_id", "name", "uscc", "id_number", "region", "status", "birth_date")
            }
            result["applicant"]["kind"] = "company" if S.COMPANY in app["labels"] else "person"
            reasons += self._own_state(app, me)
            rp, group, group_facts = self._related_and_group(app_id, facts, group_row)
            result["related_parties"] = rp
            result["group"] = group
            reasons += self._limits(req, app_id, {**facts, **group_facts}, rp, group, result)
            result["guarantees"], g_reasons = self._guarantees(app_id, guarantees)
            reasons += g_reasons
            result["blacklist"], b_reasons = self._blacklist(app_id, me, contagion, score)
            reasons += b_reasons
            concerned = {app_id} | {r["entity_id"] for r in rp}
            result["open_alerts"] = [al for al in alerts_near if concerned & set(al.get("entity_ids") or [])][
                :50
            ]
            reasons += self._alerts(app_id, result["open_alerts"])
            # say when a fact in the check's view is under dispute (it still counts)
            reasons += disputed
        reasons.sort(
            key=lambda r: (
                EFFECT_ORDER[r["effect"]],
                r["code"],
                json.dumps(r["evidence"], sort_keys=True, default=str),
            )
        )
        verdict = "pass"
        if any(r["effect"] == "decline-suggested" for r in reasons):
            verdict = "decline-suggested"
        elif any(r["effect"] == "refer" for r in reasons):
            verdict = "refer"
        result["verdict"] = verdict
        result["reasons"] = reasons
        digest = hashlib.sha256(json.dumps([req.model_dump(), result], sort_keys=True, default=str).encode())
        result["check_id"] = "CHK:" + digest.hexdigest()[:24]
        result["checked_at"] = datetime.now(UTC).isoformat(timespec="milliseconds")
        return result

    def _bounds(self) -> dict[str, Any]:
        return {
            "control_hops": self.b.control_hops,
            "guarantee_hops": self.b.guarantee_hops,
            "blacklist_hops": self.b.blacklist_hops,
            "supernode_degree": self.b.supernode_degree,
            "max_nodes": self.b.max_nodes,
        }

    # --- parts -------------------------------------------------------------------------------
    def _own_state(self, app: dict[str, Any], me: dict[str, Any]) -> list[dict[str, Any]]:
        out = []
        status = str(app.get("status") or "")
        if any(s in status for s in NOT_OPERATING):
            out.append(
                _reason(
                    "applicant_not_operating",
                    "decline-suggested",
                    f"申请人登记状态为“{status}”。",
                    f"The applicant's registered status is '{status}'.",
                    entity_id=app["entity_id"],
                    status=status,
                )
            )
        for loan in me.get("loans", []):
            if loan["status"] == "defaulted":
                out.append(
                    _reason(
                        "applicant_defaulted_loan",
                        "decline-suggested",
                        "申请人有违约贷款。",
                        "The applicant has a defaulted loan.",
                        entity_id=app["entity_id"],
                        loan=loan,
                    )
                )
            elif loan["status"] == "overdue":
                out.append(
                    _reason(
                        "applicant_overdue_loan",
                        "refer",
                        "申请人有逾期贷款。",
                        "The applicant has an overdue loan.",
                        entity_id=app["entity_id"],
                        loan=loan,
                    )
                )
        return out

    def _related_and_group(
        self, app_id: str, facts: dict[str, dict[str, Any]], g: dict[str, Any] | None
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None, dict[str, dict[str, Any]]]:
        """Related parties (risk_rules.related_parties on the control ball) and the group: the
        rule-written Group when the applicant has one, else the control group computed on the ball;
        plus the facts (loans) of group members, which may lie outside the ball."""
        G: nx.DiGraph[str] = nx.DiGraph()
        positions: list[tuple[str, str, str]] = []
        family: list[tuple[str, str, str]] = []
        for eid, f in facts.items():
            G.add_node(eid, kind="company" if f["is_company"] else "person")
            for holder, pct in f["holders"]:
                if pct is not None:
                    G.add_edge(holder, eid, pct=float(pct))
            positions += [(p, eid, role) for p, role in f["officers"] if role]
            if not f["is_company"]:
                family += [(eid, q, rel) for q, rel in f["family"] if rel]
        ctl = self.cfg.control
        ck: dict[str, Any] = {
            "majority": ctl.majority,
            "plurality": ctl.plurality,
            "margin": ctl.margin,
            "board_roles": tuple(ctl.board_roles),
        }
        fam = sorted(set(family)) if ctl.family_as_one_controller else None
        controllers = (
            all_controllers(G, positions=positions, family_pairs=fam, **ck) if G.number_of_edges() else {}
        )
        rp_params = self.cfg.rules.get("concentration.related_party", {})
        rps = (
            related_parties(
                G,
                app_id,
                positions=positions,
                family_pairs=sorted(set(family)),
                shareholder_threshold=float(rp_params.get("shareholder_threshold", 5.0)),
                controllers=controllers,
                **ck,
            )
            if app_id in G
            else ()
        )
        related = [
            {
                "entity_id": r.entity,
                "name": facts.get(r.entity, {}).get("name"),
                "kinds": list(r.kinds),
                "paths": [
                    [
                        {"source": s.source, "relation": s.relation, "target": s.target, "detail": s.detail}
                        for s in path
                    ]
                    for path in r.reasons
                ],
            }
            for r in rps
        ]
        group = None
        group_facts: dict[str, dict[str, Any]] = {}
        if g:
            group_facts = {m["entity_id"]: m for m in g["members"]}
            group = {
                "group_id": g["group_id"],
                "source": "rule_run",
                "name": g["name"],
                "controller_ids": sorted(g["controller_ids"] or []),
                "members": sorted(group_facts),
                "size": g["size"],
                "run_id": g["run_id"],
            }
        elif controllers:
            for cg in control_groups(G, positions=positions, family_pairs=fam, controllers=controllers, **ck):
                if app_id in cg.members:
                    group = {
                        "group_id": cg.group_id,
                        "source": "computed",
                        "name": None,
                        "controller_ids": sorted({p for block in cg.controllers for p in block}),
                        "members": sorted(cg.members),
                        "size": len(cg.members),
                        "run_id": None,
                    }
        return related, group, group_facts

    def _limits(
        self,
        req: PreLoanRequest,
        app_id: str,
        facts: dict[str, dict[str, Any]],
        rp: list[dict[str, Any]],
        group: dict[str, Any] | None,
        result: dict[str, Any],
    ) -> list[dict[str, Any]]:
        all_facts = facts
        loans = {
            e: sum(float(lo["balance"] or 0.0) for lo in f["loans"])
            for e, f in all_facts.items()
            if f["loans"]
        }
        borrower = aggregate_exposure([app_id], loans, label="borrower")
        members = sorted(set(group["members"]) | {app_id}) if group else None
        grp = aggregate_exposure(members, loans, label="group") if members else None
        rules = self.cfg.rules
        le = rules.get("concentration.large_exposure", {})
        gc = rules.get("group.concentration", {})
        rpc = rules.get("concentration.related_party", {})
        limits = ExposureLimits(
            single_borrower=float(le.get("single_borrower_limit", 0.10)),
            group_customer=float(gc.get("group_limit", 0.15)),
            large_single=float(le.get("large_single_limit", 0.15)),
            large_group=float(gc.get("large_group_limit", 0.20)),
            related_single=float(rpc.get("single_limit", 0.10)),
            related_group=float(rpc.get("group_limit", 0.15)),
            related_all=float(rpc.get("all_limit", 0.50)),
        )
        insiders = set(rpc.get("insiders") or [])
        rp_ids = {r["entity_id"] for r in rp}
        is_related = bool(insiders & (rp_ids | {app_id}))
        related_grp = (
            aggregate_exposure(sorted(rp_ids | {app_id}), loans, label="related") if is_related else None
        )
        checks = concentration_checks(
            net_capital=self.cfg.bank.net_capital,
            tier1_capital=self.cfg.bank.tier1_capital,
            borrower=borrower,
            group=grp,
            requested=req.requested_amount,
            requested_kind=req.requested_kind,
            related_party=is_related,
            related_group=related_grp,
            limits=limits,
        )
        member_of = {
            "single_borrower": [app_id],
            "large_exposure_single": [app_id],
            "group_customer": members or [],
            "large_exposure_group": members or [],
            "related_party_single": [app_id],
            "related_party_group": sorted(rp_ids | {app_id}),
        }
        result["exposure"] = {
            "borrower": {"loans": borrower.loans, "members": [list(m) for m in borrower.per_member]},
            "group": {
                "loans": grp.loans,
                "members": [list(m) for m in grp.per_member],
                "missing": list(grp.missing),
            }
            if grp
            else None,
            "requested": req.requested_amount,
            "requested_kind": req.requested_kind,
            "net_capital": self.cfg.bank.net_capital,
            "tier1_capital": self.cfg.bank.tier1_capital,
            "related_party_of_bank": is_related,
            "note": "loans = outstanding balances of open loans; off-balance bank guarantees are not in the graph",
        }
        warn = float(le.get("warn_fraction", 0.8))
        out = []
        for c in checks:
            row = {
                "name": c.name,
                "source": c.source,
                "numerator": c.numerator,
                "requested": c.requested,
                "denominator": c.denominator,
                "denominator_name": c.denominator_name,
                "ratio": c.ratio,
                "limit": c.limit,
                "breach": c.breach,
                "headroom": c.headroom,
                "members": member_of.get(c.name, []),
            }
            result["limits"].append(row)
            arithmetic = f"({c.numerator:,.2f} + {c.requested:,.2f}) / {c.denominator:,.2f} = {c.ratio:.4%}"
            if c.breach:
                out.append(
                    _reason(
                        f"limit_breach:{c.name}",
                        "decline-suggested",
                        f"加上申请金额后超过限额 {c.name}（{c.source}）：{arithmetic} > {c.limit:.2%}。",
                        f"With the requested amount, limit {c.name} ({c.source}) is breached: "
                        f"{arithmetic} > {c.limit:.2%}.",
                        limit=row,
                        arithmetic=arithmetic,
                    )
                )
            elif c.ratio >= warn * c.limit:
                out.append(
                    _reason(
                        f"limit_near:{c.name}",
                        "refer",
                        f"接近限额 {c.name}：{arithmetic}（上限 {c.limit:.2%}）。",
                        f"Close to limit {c.name}: {arithmetic} (limit {c.limit:.2%}).",
                        limit=row,
                        arithmetic=arithmetic,
                        warn_fraction=warn,
                    )
                )
        return out

    def _guarantees(self, app_id: str, ball: tuple) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        nodes, links, skipped = ball
        G: nx.DiGraph[str] = nx.DiGraph()
        seen: set[tuple[str, str, str]] = set()
        for lk in links:
            key = (lk["src"], lk["dst"], str(lk.get("contract_id")))
            if key in seen:
                continue
            seen.add(key)
            amt = float(lk.get("amount") or 0.0)
            if G.has_edge(lk["src"], lk["dst"]):
                G[lk["src"]][lk["dst"]]["amount"] += amt
                G[lk["src"]][lk["dst"]]["contracts"].append(lk.get("contract_id"))
            else:
                G.add_edge(lk["src"], lk["dst"], amount=amt, contracts=[lk.get("contract_id")])
        given = (
            [
                {"borrower": v, "amount": d["amount"], "contracts": sorted(map(str, d["contracts"]))}
                for _, v, d in sorted(G.out_edges(app_id, data=True))
            ]
            if app_id in G
            else []
        )
        received = (
            [
                {"guarantor": u, "amount": d["amount"], "contracts": sorted(map(str, d["contracts"]))}
                for u, _, d in sorted(G.in_edges(app_id, data=True))
            ]
            if app_id in G
            else []
        )
        mutual = [
            {"a": m.a, "b": m.b, "amount_ab": m.amount_ab, "amount_ba": m.amount_ba}
            for m in mutual_guarantees(G)
            if app_id in (m.a, m.b)
        ]
        circle: dict[str, Any] | None = None
        if app_id in G and G.number_of_edges():
            edges: list[tuple[str, str, float]] = sorted(G.edges(data="amount"))
            for c in guarantee_circles_from_edges(
                [e[0] for e in edges], [e[1] for e in edges], [e[2] for e in edges], max_cycles=5
            ):
                if app_id in c.members:
                    circle = {
                        "circle_id": c.circle_id,
                        "members": list(c.members),
                        "edge_count": c.edge_count,
                        "internal_amount": c.internal_amount,
                        "cycle_through_applicant": list(shortest_cycle_through(G, app_id) or ()),
                    }
        reasons = []
        for m in mutual:
            reasons.append(
                _reason(
                    "mutual_guarantee",
                    "refer",
                    f"申请人与 {m['b'] if m['a'] == app_id else m['a']} 互保。",
                    f"The applicant and {m['b'] if m['a'] == app_id else m['a']} guarantee each other.",
                    pair=m,
                )
            )
        if circle:
            reasons.append(
                _reason(
                    "guarantee_circle",
                    "refer",
                    f"申请人处于担保圈中（{len(circle['members'])} 个成员，检索半径 {self.b.guarantee_hops} 跳）。",
                    f"The applicant is in a guarantee circle ({len(circle['members'])} members within "
                    f"{self.b.guarantee_hops} hops).",
                    circle_id=circle["circle_id"],
                    cycle=circle["cycle_through_applicant"],
                    members=circle["members"],
                )
            )
        structures = {
            "guarantees_given": given,
            "guarantees_received": received,
            "mutual": mutual,
            "circle": circle,
            "searched_hops": self.b.guarantee_hops,
            "truncated": bool(skipped) or self._capped,
        }
        return structures, reasons

    def _blacklist(
        self, app_id: str, me: dict[str, Any], ball: tuple, snapshot: dict[str, Any] | None
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        nodes, links, skipped = ball
        truncated = bool(skipped) or self._capped
        bl: dict[str, Any]
        if me.get("listings"):
            bl = {
                "source": "self_listed",
                "score": 1.0,
                "hops": 0,
                "nearest": [{"entity_id": app_id, "listings": me["listings"]}],
                "paths": [],
                "searched_hops": self.b.blacklist_hops,
                "truncated": truncated,
            }
            return bl, [
                _reason(
                    "applicant_blacklisted",
                    "decline-suggested",
                    "申请人本身在黑名单上。",
                    "The applicant itself is blacklisted.",
                    entity_id=app_id,
                    listings=me["listings"],
                )
            ]
        listed: dict[str, list[dict[str, Any]]] = {}
        L: nx.MultiDiGraph[str] = nx.MultiDiGraph()
        for lk in links:
            if lk["type"] == S.LISTED_AS:
                continue
            rel = REL_OF_TYPE[lk["type"]]
            attrs: dict[str, Any] = {"rel": rel}
            if rel == "shareholding" and lk.get("pct") is not None:
                attrs["pct"] = float(lk["pct"])
            L.add_edge(lk["src"], lk["dst"], **attrs)
        entries = {n["key"]: n for n in nodes.values() if S.BLACKLIST_ENTRY in (n.get("labels") or [])}
        for lk in links:
            if lk["type"] == S.LISTED_AS and lk["dst"] in entries:
                listed.setdefault(lk["src"], []).append({"entry_id": lk["dst"]})
        if snapshot is not None:
            paths = parse_json(snapshot.get("paths")) or []
            bl = {
                "source": "snapshot",
                "score": float(snapshot.get("score") or 0.0),
                "hops": snapshot.get("hops"),
                "run_id": snapshot.get("run_id"),
                "as_of": snapshot.get("as_of"),
                "nearest": [
                    {"entity_id": e, "listings": sorted(v, key=lambda x: x["entry_id"])}
                    for e, v in sorted(listed.items())
                ],
                "paths": [{"nodes": p} if isinstance(p, list) else p for p in paths],
                "searched_hops": self.b.blacklist_hops,
                "truncated": truncated,
            }
        else:
            seeds: dict[Hashable, float] = {e: 1.0 for e in listed if e in L}
            found = (
                best_paths(link_weights(L), seeds, max_hops=self.b.blacklist_hops, k=3, damping=0.85)
                if seeds and app_id in L
                else {}
            )
            mine = found.get(app_id, ())
            nearest_ids = sorted({str(next(iter(p.nodes))) for p in mine})
            bl = {
                "source": "on_the_fly" if seeds else "none",
                "score": round(next(iter(mine)).strength, 6) if mine else 0.0,
                "hops": min((p.hops for p in mine), default=None),
                "nearest": [
                    {"entity_id": e, "listings": sorted(listed[e], key=lambda x: x["entry_id"])}
                    for e in nearest_ids
                ],
                "paths": [
                    {"nodes": list(p.nodes), "rels": list(p.rels), "strength": round(p.strength, 6)}
                    for p in mine
                ],
                "searched_hops": self.b.blacklist_hops,
                "truncated": truncated,
            }
        reasons = []
        if bl["score"] >= self.b.refer_score and bl["score"] > 0:
            reasons.append(
                _reason(
                    "blacklist_proximity",
                    "refer",
                    f"申请人距黑名单实体 {bl['hops']} 跳，关联强度 {bl['score']:.3f} ≥ {self.b.refer_score}。",
                    f"The applicant is {bl['hops']} hops from a blacklisted entity, strength "
                    f"{bl['score']:.3f} ≥ {self.b.refer_score}.",
                    score=bl["score"],
                    hops=bl["hops"],
                    source=bl["source"],
                    nearest=[n["entity_id"] for n in bl["nearest"]],
                    paths=bl["paths"],
                )
            )
        elif bl["score"] > 0:
            reasons.append(
                _reason(
                    "blacklist_in_reach",
                    "info",
                    "黑名单实体在检索范围内，但关联较弱。",
                    "A blacklisted entity is within reach, but the link is weak.",
                    score=bl["score"],
                    hops=bl["hops"],
                    paths=bl["paths"],
                )
            )
        return bl, reasons

    def _alerts(self, app_id: str, alerts: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for al in alerts:
            concerns_me = app_id in (al.get("entity_ids") or [])
            effect = "refer" if concerns_me and al.get("severity") in ("high", "critical") else "info"
            out.append(
                _reason(
                    f"open_alert:{al['rule_id']}",
                    effect,
                    f"未处理预警 {al['alert_id']}（{al.get('severity')}）：{al.get('explanation_zh') or ''}",
                    f"Open alert {al['alert_id']} ({al.get('severity')}): {al.get('explanation_en') or ''}",
                    alert_id=al["alert_id"],
                    entity_ids=al.get("entity_ids") or [],
                )
            )
        return out


def sub_ball(ball: tuple, root: str, types: set[str], hops: int) -> tuple:
    """The part of ``ball`` reachable from ``root`` within ``hops`` over ``types`` only — the same
    answer a separate query over those types would give, as long as the ball's caps did not cut it
    (the ball has at least as many hops and every type)."""
    nodes, links, skipped = ball
    adjacency: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for lk in links:
        if lk["type"] in types:
            adjacency.setdefault(lk["nid"], []).append((lk["mid"], lk))
    sub = {root: {**nodes[root], "hop": 0}} if root in nodes else {}
    kept: list[dict[str, Any]] = []
    frontier = list(sub)
    for hop in range(1, hops + 1):
        nxt = []
        for e in frontier:
            for m, lk in adjacency.get(e, ()):
                kept.append(lk)
                if m not in sub:
                    sub[m] = {**nodes[m], "hop": hop}
                    nxt.append(m)
        frontier = nxt
    keys = {n["key"] for n in sub.values()}
    return sub, kept, [s for s in skipped if s["entity"] in keys]


async def _none() -> None:
    return None


def _is_entity(node: dict[str, Any]) -> bool:
    labels = node.get("labels")
    return labels is None or S.COMPANY in labels or S.PERSON in labels


def _candidate(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "entity_id": row["entity_id"],
        "kind": "company" if S.COMPANY in row["labels"] else "person",
        "name": row["name"],
        "uscc": row.get("uscc"),
        "id_number": row.get("id_number"),
        "region": row.get("region"),
        "status": row.get("status"),
        "birth_date": row.get("birth_date"),
        "score": 1.0,
        "matched_on": "key",
    }
