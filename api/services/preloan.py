"""The pre-loan check: resolve the applicant, read what the rules found, add the requested amount.

Flow: one indexed read resolves the applicant by its keys and brings its own facts (loans,
listings valid today), its risk profile, its group and the open alerts about it (a name is
first turned into candidates, and resolves only when exactly one entity carries it exactly —
persons only with a birth-date hint — or is a recorded name variant of exactly one company).
The profile is used as the rule run wrote it unless it is missing, was computed with other
parameters, or an ingest batch started after the profile run touched the applicant's
neighbourhood; then it is recomputed live, in a worker thread, by the rules' own code
(:func:`risk_rules.findings.live.live_profile`). Every conclusion — effects, thresholds, limit
arithmetic with the requested amount — comes from :mod:`risk_rules.findings.conclusions`; this
module only assembles the answer: verdict, at most five decisive reasons, details by kind.
Outputs are sorted; the only time-dependent field is ``checked_at``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from neo4j import Driver

from api.models.checks import PreLoanRequest
from api.repositories.checks import CheckRepository
from api.repositories.entities import classify_query, normalize_name
from api.repositories.snapshots import SnapshotRepository
from api.services.as_of import past_date, profile_as_of
from api.services.disputes import disputed_fact_reasons
from risk_rules.config import RulesConfig, load_config
from risk_rules.findings import conclusions as C
from risk_rules.findings.conclusions import Conclusion
from risk_rules.findings.live import live_profile
from risk_rules.findings.neighbourhood import LiveBounds
from risk_rules.findings.params import FindingParams
from risk_rules.findings.profile import CONTROL_HOPS


@dataclass(frozen=True)
class CheckBounds:
    """Search bounds of the check (how much is looked at), not rule parameters."""

    max_candidates: int = 5
    max_reasons: int = 5
    guarantee_hops: int = 4
    supernode_degree: int = 100
    max_nodes: int = 5000
    #: member ids listed in the answer's group, circle and limit rows (the full count beside them):
    #: keeps a check of a large group a few KB instead of hundreds
    max_members: int = 50
    #: labelled rows listed per table (related parties, guarantees given/received, group exposure,
    #: owners, shared contacts), each with its total and the endpoint that lists them all
    max_rows: int = 20
    #: relation or contagion paths listed per party / per reason (the strongest or first ones)
    max_paths: int = 3

    @classmethod
    def complete(cls, **kw: Any) -> CheckBounds:
        """Bounds that list every row: the loan-file report's appendix shows them all."""
        big = 1_000_000
        return cls(max_members=big, max_rows=big, max_paths=big, **kw)

    @property
    def live(self) -> LiveBounds:
        return LiveBounds(self.guarantee_hops, self.supernode_degree, self.max_nodes)


@lru_cache(maxsize=4)
def rules_config(path: str | None) -> RulesConfig:
    return load_config(path)


_PARAMS: dict[int, tuple[RulesConfig, FindingParams, str]] = {}


def _finding_params(cfg: RulesConfig) -> tuple[FindingParams, str]:
    """The rules' parameters of ``cfg`` and their digest, validated and hashed once per
    configuration object (both are immutable)."""
    hit = _PARAMS.get(id(cfg))
    if hit is None or hit[0] is not cfg:
        fp = FindingParams.from_config(cfg)
        hit = _PARAMS[id(cfg)] = (cfg, fp, fp.digest())
    return hit[1], hit[2]


def _refer(code: str, kind: str, zh: str, en: str, **evidence: Any) -> Conclusion:
    return Conclusion(code, "refer", kind, zh, en, evidence)


def _checked_identifier(
    raw: str | None, kind: str, out: list[Conclusion], code: str, zh: str, en: str, field: str
) -> str | None:
    """The identifier as looked up: normalized when it passes its check; otherwise it is still
    looked up as given (upper-cased), and a `refer` conclusion says that it failed the check."""
    if not raw:
        return None
    found_kind, value = classify_query(raw)
    if found_kind == kind:
        return value
    out.append(_refer(code, "resolution", zh, en, field=field))
    return raw.upper()


def _candidate(row: dict[str, Any], matched_on: str = "key") -> dict[str, Any]:
    return {
        "entity_id": row["entity_id"],
        "kind": row.get("kind") or ("company" if row.get("is_company") else "person"),
        "name": row["name"],
        "uscc": row.get("uscc"),
        "id_number": row.get("id_number"),
        "region": row.get("region"),
        "status": row.get("status"),
        "birth_date": row.get("birth_date"),
        "score": float(row.get("score") or 1.0),
        "matched_on": row.get("matched_on") or matched_on,
    }


class PreLoanCheck:
    def __init__(
        self,
        repo: CheckRepository,
        config: RulesConfig,
        bounds: CheckBounds,
        sync_driver: Driver | None = None,
        database: str = "neo4j",
        snapshots: SnapshotRepository | None = None,
    ) -> None:
        self.snapshots = snapshots  # read for a check as of a past date (api.services.as_of)
        self.repo = repo
        self.cfg = config
        self.fp, self.digest = _finding_params(config)
        self.b = bounds
        self.sync_driver = sync_driver
        self.database = database

    # --- resolution --------------------------------------------------------------------------
    async def resolve(
        self, req: PreLoanRequest
    ) -> tuple[str, dict[str, Any] | None, list[dict[str, Any]], list[Conclusion]]:
        """(resolution, the applicant row with profile and facts, candidates, conclusions)."""
        a = req.applicant
        out: list[Conclusion] = []
        uscc = _checked_identifier(
            a.uscc,
            "uscc",
            out,
            "invalid_uscc",
            "统一社会信用代码校验失败。",
            "The USCC fails its check digit.",
            "applicant.uscc",
        )
        ric = _checked_identifier(
            a.resident_id,
            "id_number",
            out,
            "invalid_resident_id",
            "身份证号码校验失败。",
            "The resident ID fails its check.",
            "applicant.resident_id",
        )
        if uscc or ric or a.entity_id:
            rows = await self.repo.applicant(
                uscc=uscc, ric=ric, entity_id=a.entity_id, alert_ids=self.b.max_members
            )
            if len(rows) == 1:
                return "resolved", rows[0], [], out
            if len(rows) > 1:
                cands = [_candidate(r) for r in rows]
                out.append(
                    _refer(
                        "applicant_ambiguous",
                        "resolution",
                        "申请人标识对应多个实体，需人工确认。",
                        "The applicant's identifiers match several entities; a person must decide.",
                        candidates=[c["entity_id"] for c in cands],
                    )
                )
                return "ambiguous", None, cands, out
            if not a.name:
                out.append(
                    _refer(
                        "applicant_not_found",
                        "resolution",
                        "图谱中找不到申请人，不能自动通过。",
                        "The applicant is not in the graph; it cannot pass automatically.",
                        identifiers=sorted(k for k in ("uscc", "resident_id", "entity_id") if getattr(a, k)),
                    )
                )
                return "not_found", None, [], out
        name = normalize_name(a.name or "")
        birth = a.hints.birth_date.isoformat() if a.hints.birth_date else None
        cands = await self.repo.by_name(name, a.kind, a.hints.region, birth, self.b.max_candidates + 1)
        exact = [c for c in cands if c["matched_on"] == "name_exact"]
        variants = [c for c in cands if c["matched_on"] == "name_variant" and c["kind"] == "company"]
        chosen = None
        if len(exact) == 1 and (exact[0]["kind"] == "company" or a.hints.birth_date):
            chosen = exact[0]
        elif not exact and len(variants) == 1:
            chosen = variants[0]
        if chosen is not None:
            rows = await self.repo.applicant(
                uscc=None, ric=None, entity_id=chosen["entity_id"], alert_ids=self.b.max_members
            )
            if rows:
                how = "已记录的名称变体" if chosen["matched_on"] == "name_variant" else "名称"
                how_en = "a recorded name variant" if chosen["matched_on"] == "name_variant" else "name"
                out.append(
                    Conclusion(
                        "resolved_by_name",
                        "info",
                        "resolution",
                        f"申请人仅按{how}（及提示）确定为 {C.label(chosen['name'], chosen['entity_id'])}。",
                        f"The applicant was resolved by {how_en} (and hints) only, as "
                        f"{C.label(chosen['name'], chosen['entity_id'])}.",
                        {
                            "name": name,
                            "matched_on": chosen["matched_on"],
                            "hints": a.hints.model_dump(mode="json", exclude_none=True),
                        },
                    )
                )
                return "resolved", rows[0], [], out
        if not cands:
            out.append(
                _refer(
                    "applicant_not_found",
                    "resolution",
                    "图谱中找不到申请人，不能自动通过。",
                    "The applicant is not in the graph; it cannot pass automatically.",
                    name=name,
                )
            )
            return "not_found", None, [], out
        cands = [_candidate(c) for c in cands[: self.b.max_candidates]]
        listed = ", ".join(C.label(c["name"], c["entity_id"]) for c in cands)
        if len(cands) == 1:
            out.append(
                _refer(
                    "applicant_uncertain",
                    "resolution",
                    f"申请人名称只与一个候选实体近似（{listed}），需人工确认。",
                    f"The applicant's name only resembles one candidate ({listed}); a person must confirm it.",
                    candidates=[c["entity_id"] for c in cands],
                )
            )
        else:
            out.append(
                _refer(
                    "applicant_ambiguous",
                    "resolution",
                    f"申请人名称对应多个候选实体（{listed}），需人工确认。",
                    f"The applicant's name matches several candidates ({listed}); a person must decide.",
                    candidates=[c["entity_id"] for c in cands],
                )
            )
        return "ambiguous", None, cands, out

    # --- the profile, fresh ------------------------------------------------------------------
    async def _profile(
        self, app: dict[str, Any], as_of: dt.date | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """(profile body, freshness). Stored when still valid, otherwise recomputed live; as of a
        past date, that date's snapshot profile or one computed from the facts valid then."""
        if as_of is not None and self.snapshots is not None:
            body, block = await profile_as_of(
                self.snapshots,
                self.sync_driver,
                self.database,
                app["entity_id"],
                self.cfg,
                as_of,
                self.b.live,
            )
            return body, {**block, "as_of": block["date"], "label": f"as of {as_of} ({block['source']})"}
        stored: dict[str, Any] | None = app.get("profile")
        run: dict[str, Any] | None = app.get("profile_run")
        fresh = app.get("fresh") or []
        kept = None
        if (
            stored is not None
            and stored.get("body") is not None
            and run is not None
            and stored.get("params_digest") == self.digest
        ):
            kept = (stored["body"], self._as_of_run(run, stored))
        if kept is not None and not fresh:
            return kept
        if self.sync_driver is None:
            raise RuntimeError("the live recompute needs a synchronous driver")
        body, touched = await asyncio.to_thread(
            live_profile,
            self.sync_driver,
            self.database,
            app["entity_id"],
            self.cfg,
            list(fresh),
            self.b.live,
        )
        if kept is not None and not touched:
            return kept
        reason = "no_profile" if stored is None else ("new_facts" if touched else "parameters_changed")
        return body, {"source": "live", "label": "live", "reason": reason, "fresh_batches": list(fresh)[:20]}

    async def _app_as_of(
        self, app: dict[str, Any], as_of: dt.date, freshness: dict[str, Any]
    ) -> dict[str, Any]:
        """The applicant's own facts as of a past date: listings dated by then, and the alerts of
        that date's snapshot (a computed answer has none: alerts exist only in runs)."""
        assert self.snapshots is not None
        alerts = (
            await self.snapshots.alerts(as_of, entity_id=app["entity_id"], limit=20)
            if freshness["source"] == "snapshot"
            else []
        )
        day = as_of.isoformat()
        listings = [
            x for x in app.get("listings") or [] if not x.get("list_date") or str(x["list_date"]) <= day
        ]
        return {**app, "alerts": alerts, "listings": listings}

    @staticmethod
    def _as_of_run(run: dict[str, Any], stored: dict[str, Any]) -> dict[str, Any]:
        return {
            "source": "profile",
            "label": f"run {run['run_id']} (as of {run['as_of']})",
            "run_id": run["run_id"],
            "as_of": run["as_of"],
            "content_run_id": stored.get("run_id"),
        }

    # --- the check ---------------------------------------------------------------------------
    async def run(self, req: PreLoanRequest) -> dict[str, Any]:
        resolution, app, candidates, found = await self.resolve(req)
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
            "freshness": None,
            "bounds": self._bounds(),
            "as_of": None,
        }
        if app is not None:
            found += await self._about(req, app, result)
        head, grouped = C.decisive_first(found, self.b.max_reasons)
        result["verdict"] = C.verdict(found)
        result["reasons"] = [self._reason(c) for c in head]
        result["details"] = {k: [self._reason(c) for c in v] for k, v in grouped.items()}
        digest = hashlib.sha256(json.dumps([req.model_dump(), result], sort_keys=True, default=str).encode())
        result["check_id"] = "CHK:" + digest.hexdigest()[:24]
        result["checked_at"] = datetime.now(UTC).isoformat(timespec="milliseconds")
        return result

    def _reason(self, c: Conclusion) -> dict[str, Any]:
        """A conclusion as the answer lists it: long member and path lists in its evidence capped,
        with ``<list>_total`` beside them (the sentence says the full count)."""
        out = c.as_dict()
        ev = out["evidence"]
        capped: dict[str, Any] = {}
        for key, cap in (("members", self.b.max_members), ("paths", self.b.max_paths)):
            rows = ev.get(key)
            if isinstance(rows, list) and len(rows) > cap:
                capped[key] = rows[:cap]
                capped[f"{key}_total"] = len(rows)
        if capped:
            out["evidence"] = {**ev, **capped}
        return out

    def _alert(self, al: dict[str, Any]) -> dict[str, Any]:
        """An open alert as the answer lists it: the entities it concerns capped at ``max_members``
        with ``entity_ids_total`` beside them (a group or contagion alert can concern thousands; the
        alert's own endpoint lists them all)."""
        ids = al.get("entity_ids") or []
        total = al.get("entity_ids_total") or len(ids)
        return {**al, "entity_ids": ids[: self.b.max_members], "entity_ids_total": total}

    def _rows(self, rows: list[Any] | None, cap: int | None = None) -> tuple[list[Any], int]:
        """(the first ``cap`` rows — default ``max_rows`` — , how many there are)."""
        rows = rows or []
        return rows[: self.b.max_rows if cap is None else cap], len(rows)

    async def _about(
        self, req: PreLoanRequest, app: dict[str, Any], result: dict[str, Any]
    ) -> list[Conclusion]:
        eid, name = app["entity_id"], app.get("name")
        as_of = past_date(req.as_of)
        body, freshness = await self._profile(app, as_of)
        result["freshness"] = freshness
        if as_of is not None:
            result["as_of"] = {
                k: freshness[k]
                for k in ("date", "source", "run_id", "snapshot_as_of", "message_zh", "message_en")
            }
            app = await self._app_as_of(app, as_of, freshness)
        tag = freshness["label"]
        result["applicant"] = {
            k: app.get(k)
            for k in ("entity_id", "name", "uscc", "id_number", "region", "status", "birth_date")
        }
        result["applicant"]["kind"] = "company" if app.get("is_company") else "person"
        own = C.own_facts(eid, name, app.get("status"), app.get("loans") or [], app.get("listings") or [])
        # the profile's findings, as fresh as the profile
        ownership = body.get("ownership") or {}
        related_all = ownership.get("related_parties") or []
        shown, listed_total = self._rows(related_all)
        result["related_parties_total"] = int(ownership.get("related_parties_total") or listed_total)
        result["related_parties"] = [self._party(p) for p in shown]
        group = self._group(body.get("group"), app.get("groups") or [])
        result["group"] = group
        borrower_loans = sum(float(lo.get("balance") or 0.0) for lo in app.get("loans") or [])
        checks, member_of, limit_found = C.limits(
            eid,
            borrower_loans,
            C.group_members(eid, body),
            C.related_members(eid, body),
            req.requested_amount,
            req.requested_kind,
            self.fp,
        )
        result["limits"] = []
        for c in checks:
            m = member_of.get(c.name)
            result["limits"].append(
                {
                    **c.as_json(),
                    "requested": c.requested,
                    "members": list(m.listed[: self.b.max_members]) if m else [],
                    "members_total": m.total if m else 0,
                }
            )
        result["exposure"] = self._exposure(eid, name, borrower_loans, body, req)
        g = body.get("guarantees") or {}
        given, given_total = self._rows(g.get("given"))
        received, received_total = self._rows(g.get("received"))
        result["guarantees"] = {
            "guarantees_given": given,
            "guarantees_given_total": given_total,
            "guarantees_received": received,
            "guarantees_received_total": received_total,
            "mutual": g.get("mutual") or [],
            "circle": self._circle(g.get("circle")),
            "chain": g.get("chain"),
            "fans": g.get("fans") or {},
            "leverage": g.get("leverage"),
            "searched_hops": self.b.guarantee_hops,
            "truncated": bool(body.get("truncated")),
        }
        result["blacklist"] = self._blacklist(eid, app, body, freshness)
        result["open_alerts"] = [self._alert(al) for al in app.get("alerts") or []]
        owners, owners_total = self._rows(ownership.get("owners"))
        result["ownership"] = {
            "owners": owners,
            "owners_total": owners_total,
            "controller": ownership.get("controller"),
            "beneficial_owners": [
                {**o, "paths": (o.get("paths") or [])[: self.b.max_paths]}
                for o in ownership.get("beneficial_owners") or []
            ],
        }
        result["shared_contacts"], result["shared_contacts_total"] = self._rows(body.get("shared_contacts"))
        result["more"] = self._more(eid, g.get("circle"))
        derived = C.guarantees(eid, name, g, self.fp) + C.contagion(
            eid, name, body.get("contagion") or {}, self.fp
        )
        derived = [_tagged(c, tag) for c in derived]
        limit_found = [_tagged(c, f"{tag}; requested amount added now") for c in limit_found]
        alerts = C.open_alerts(eid, result["open_alerts"])
        ids = sorted({eid, *(r["entity_id"] for r in related_all)})
        disputes = [
            Conclusion(d["code"], d["effect"], "disputes", d["message_zh"], d["message_en"], d["evidence"])
            for d in await disputed_fact_reasons(self.repo, ids, app.get("open_disputes"))
        ]
        return own + limit_found + derived + alerts + disputes

    def _party(self, p: dict[str, Any]) -> dict[str, Any]:
        paths = p.get("paths") or []
        if len(paths) <= self.b.max_paths:
            return p
        return {**p, "paths": paths[: self.b.max_paths], "paths_total": len(paths)}

    def _circle(self, c: dict[str, Any] | None) -> dict[str, Any] | None:
        """The circle with at most ``max_members`` members listed (``size`` counts them all)."""
        if not c or len(c.get("members") or []) <= self.b.max_members:
            return c
        members = c["members"][: self.b.max_members]
        names = c.get("names") or {}
        return {**c, "members": members, "names": {m: names.get(m) for m in members}}

    @staticmethod
    def _more(eid: str, circle: dict[str, Any] | None) -> dict[str, str]:
        """Where the rows an answer lists only in part are listed in full."""
        out = {
            "group": f"/v1/entities/{eid}/group",
            "ownership": f"/v1/entities/{eid}/ownership",
            "neighbourhood": f"/v1/entities/{eid}/neighbourhood",
        }
        if circle and circle.get("circle_id"):
            out["circle"] = f"/v1/guarantee-circles/{circle['circle_id']}"
        return out

    def _group(self, g: dict[str, Any] | None, written: list[dict[str, Any]]) -> dict[str, Any] | None:
        """The profile's control group, named as the group rule wrote it when it is the same group:
        the same id (a group's id is a hash of its members), or the same members when the profile
        lists them all."""
        if not g:
            return None
        members = [m["entity_id"] for m in g.get("members") or []]
        size = int(g.get("size") or len(members))
        out = {
            "group_id": g["group_id"],
            "source": "computed",
            "name": None,
            "controller_ids": g.get("controller_ids") or [],
            "members": members[: self.b.max_members],
            "size": size,
            "run_id": None,
        }
        for w in written:
            listed = w.get("members")
            same = w["group_id"] == g["group_id"] or (
                listed is not None and len(members) == size and sorted(listed) == sorted(members)
            )
            if same:
                out.update(
                    group_id=w["group_id"], source="rule_run", name=w.get("name"), run_id=w.get("run_id")
                )
        return out

    def _exposure(
        self, eid: str, name: str | None, borrower_loans: float, body: dict[str, Any], req: PreLoanRequest
    ) -> dict[str, Any]:
        g = body.get("group")

        def rows(members: list[dict[str, Any]], group_loans: float) -> list[dict[str, Any]]:
            bal = {
                m["entity_id"]: (borrower_loans if m["entity_id"] == eid else float(m.get("balance") or 0.0))
                for m in members
            }
            total = group_loans or 1.0
            return [
                {
                    "entity_id": m["entity_id"],
                    "name": m.get("name"),
                    "balance": bal[m["entity_id"]],
                    "share": round(bal[m["entity_id"]] / total, 6),
                }
                for m in members[: self.b.max_rows]
            ]

        group = None
        sums = C.group_members(eid, body)
        if g and sums is not None:
            loans = sums.others_loans + borrower_loans
            group = {
                "group_id": g["group_id"],
                "loans": loans,
                "members": rows(g.get("members") or [], loans),
                "members_total": sums.total,
                "missing": (g.get("missing") or [])[: self.b.max_members],
                "missing_total": int(g.get("missing_total") or len(g.get("missing") or [])),
            }
        exposure = body.get("exposure") or {}
        return {
            "borrower": {"entity_id": eid, "name": name, "loans": borrower_loans},
            "group": group,
            "requested": req.requested_amount,
            "requested_kind": req.requested_kind,
            "related_party_of_bank": bool(exposure.get("related_party_of_bank")),
            "note": "贷款 = 未结清贷款余额；表外保函未入图 / loans = outstanding balances of open loans; "
            "off-balance bank guarantees are not in the graph",
        }

    def _blacklist(
        self, eid: str, app: dict[str, Any], body: dict[str, Any], freshness: dict[str, Any]
    ) -> dict[str, Any]:
        listings = app.get("listings") or []
        c = body.get("contagion") or {}
        if listings:
            return {
                "source": "self_listed",
                "score": 1.0,
                "hops": 0,
                "nearest": [{"entity_id": eid, "name": app.get("name"), "listings": listings}],
                "paths": [],
                "searched_hops": self.fp.contagion.max_hops,
                "truncated": bool(body.get("truncated")),
            }
        paths = c.get("paths") or []
        nearest = sorted({p["nodes"][0]: (p.get("names") or [None])[0] for p in paths}.items())
        return {
            "source": ("snapshot" if freshness["source"] == "profile" else "on_the_fly") if paths else "none",
            "score": float(c.get("score") or 0.0),
            "hops": c.get("hops"),
            "run_id": freshness.get("run_id"),
            "as_of": freshness.get("as_of"),
            "threshold": self.fp.contagion.threshold,
            "nearest": [
                {
                    "entity_id": e,
                    "name": n,
                    "listing_kinds": next((p.get("listing_kinds") for p in paths if p["nodes"][0] == e), []),
                }
                for e, n in nearest
            ],
            "paths": paths[: self.b.max_paths],
            "paths_total": len(paths),
            "searched_hops": self.fp.contagion.max_hops,
            "truncated": bool(body.get("truncated")),
        }

    def _bounds(self) -> dict[str, Any]:
        return {
            "control_hops": CONTROL_HOPS,
            "guarantee_hops": self.b.guarantee_hops,
            "blacklist_hops": self.fp.contagion.max_hops,
            "supernode_degree": self.b.supernode_degree,
            "max_nodes": self.b.max_nodes,
        }


def _tagged(c: Conclusion, freshness: str) -> Conclusion:
    return Conclusion(c.code, c.effect, c.kind, c.message_zh, c.message_en, c.evidence, freshness)
