"""Disputes (异议) against facts: raise, show as disputed, correct (keeping history) or uphold.

Flow
1. Anyone investigating (approver, examiner, supervisor) raises a dispute against one fact — a
   shareholding, position, guarantee, family tie, the link of a party to a blacklist listing
   ("identity link"), a blacklist entry or an attribute of a company/person — with a reason. A
   ``Dispute`` node is created, linked by ``DISPUTES`` to the node(s) of the fact, and the fact itself
   gets ``disputed = true`` and the dispute id in ``dispute_ids``: every API answer that returns the
   fact's properties (neighbourhood, paths, entity detail listings) shows it as disputed, and the
   pre-loan check adds a ``disputed_fact`` reason when a fact in its view is disputed.
2. A handler (supervisor or admin, never the person who raised it) either **upholds** the fact
   (the mark is removed, the fact stays) or **corrects** it: ``amend`` changes attributes, ``retract``
   removes a relationship that should not exist. Either way the earlier value is kept as a
   ``FactVersion`` (``record_key``/``superseded_by_batch`` = ``dispute:<id>``) on the entity, as ingest
   does for changed attributes; a retracted relationship is kept whole (all its properties as JSON).
3. The rules that read the corrected kind of fact are re-run (the rule framework runs a rule over
   the whole graph: it cannot be scoped to the affected entities, so the affected *rules* are re-run).

Known limit: a later ingest of a *changed* source row can bring a retracted relationship back; the
dispute and the FactVersion stay as the record of the correction.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from neo4j import AsyncDriver, AsyncManagedTransaction

from api.models.facts import (
    NODE_KINDS,
    REL_KINDS,
    coerce,
    party_label,
    rel_subject,
    to_json,
)
from api.repositories.base import Neo4jRepository, jsonable
from graph_model import schema as S
from graph_model.history import fact_version, write_versions_statement
from graph_model.history import to_json as history_json

MARKS = ("disputed", "dispute_ids")


class DisputeError(Exception):
    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code


@dataclass(frozen=True)
class FactRef:
    """How to find one fact. Relationships: ``start``/``end`` (entity ids; for a listing ``end`` is the
    entry id) plus identity fields (contract_id, role, relation). Nodes: ``key``."""

    kind: str
    start: str | None = None
    end: str | None = None
    key: str | None = None
    ident: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> str:
        return json.dumps(
            {"kind": self.kind, "start": self.start, "end": self.end, "key": self.key, "ident": self.ident},
            ensure_ascii=False,
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> FactRef:
        d = json.loads(text)
        return cls(d["kind"], d.get("start"), d.get("end"), d.get("key"), d.get("ident") or {})


def _bad(msg_zh: str, msg_en: str, status: int = 422, code: str | None = None) -> DisputeError:
    return DisputeError(status, f"{msg_zh} / {msg_en}", code)


def validate_ref(ref: FactRef) -> None:
    if ref.kind in REL_KINDS:
        kind = REL_KINDS[ref.kind]
        if not ref.start or not ref.end:
            raise _bad("关系类事实须提供 start 与 end", "a relationship fact needs start and end")
        try:
            party_label(ref.start)
            if not kind.end_is_entry:
                party_label(ref.end)
        except ValueError as exc:
            raise _bad("实体编号无效", str(exc)) from None
        missing = [k for k in kind.ident if not ref.ident.get(k)]
        if missing:
            raise _bad(f"缺少标识字段 {missing}", f"identity fields missing: {missing}")
    elif ref.kind in NODE_KINDS:
        if not ref.key:
            raise _bad("节点类事实须提供 key", "a node fact needs key")
    else:
        raise _bad(f"未知事实类型 {ref.kind}", f"unknown fact kind {ref.kind}")


def _rel_match(ref: FactRef) -> tuple[str, dict[str, Any]]:
    kind = REL_KINDS[ref.kind]
    end_label, end_key = (
        (S.BLACKLIST_ENTRY, "entry_id") if kind.end_is_entry else (party_label(str(ref.end)), "entity_id")
    )
    ident = {k: ref.ident[k] for k in kind.ident}
    q = (
        f"MATCH (a:{party_label(str(ref.start))} {{entity_id: $start}})-[r:{kind.type}]->(b:{end_label} {{{end_key}: $end}}) "
        "WHERE all(k IN keys($ident) WHERE r[k] = $ident[k])"
    )
    return q, {"start": ref.start, "end": ref.end, "ident": ident}


def _node_match(ref: FactRef) -> tuple[str, dict[str, Any]]:
    nk = NODE_KINDS[ref.kind]
    return f"MATCH (n:{nk.label} {{{nk.key}: $key}})", {"key": ref.key}


def subject_of(ref: FactRef) -> str:
    if ref.kind in REL_KINDS:
        return rel_subject(REL_KINDS[ref.kind], str(ref.start), str(ref.end), ref.ident)
    return str(ref.key)


def entity_ids_of(ref: FactRef, node_entity_ids: list[str] | None = None) -> list[str]:
    if ref.kind in REL_KINDS:
        ends = {ref.start} | (set() if REL_KINDS[ref.kind].end_is_entry else {ref.end})
        return sorted(str(e) for e in ends)
    if ref.kind in ("company", "person"):
        return [str(ref.key)]
    return sorted(node_entity_ids or [])  # a blacklist entry: the parties listed by it


async def _locate(tx: AsyncManagedTransaction, ref: FactRef) -> dict[str, Any]:
    """The one fact ``ref`` names: its element id and properties (404 / 409 otherwise)."""
    if ref.kind in REL_KINDS:
        q, params = _rel_match(ref)
        res = await tx.run(
            q + " RETURN elementId(r) AS id, properties(r) AS props, [] AS parties LIMIT 2", params
        )
    else:
        q, params = _node_match(ref)
        res = await tx.run(
            q + f" RETURN elementId(n) AS id, properties(n) AS props, "
            f"COLLECT {{ MATCH (p)-[:{S.LISTED_AS}]->(n) RETURN p.entity_id }} AS parties LIMIT 2",
            params,
        )
    rows = [r.data() async for r in res]
    if not rows:
        raise _bad("未找到该事实", f"no such fact: {subject_of(ref)}", 404)
    if len(rows) > 1:
        raise _bad("该描述对应多条事实，请补充标识字段", f"more than one fact matches {subject_of(ref)}", 409)
    return rows[0]


def _version(
    dispute_id: str, ref: FactRef, attribute: str, old: Any, props: dict[str, Any]
) -> dict[str, Any]:
    """The earlier value kept as history, with the one recipe of graph_model.history."""
    return fact_version(
        subject=subject_of(ref),
        attribute=attribute,
        value=history_json(old),
        superseded_by=f"dispute:{dispute_id}",
        record_key=f"dispute:{dispute_id}",
        valid_from=props.get("valid_from"),
        valid_to=dt.date.today(),
        batch_id=props.get("batch_id"),
    )


class DisputeStore:
    def __init__(self, driver: AsyncDriver, database: str) -> None:
        self.driver = driver
        self.database = database

    async def _write(self, fn, *args):
        async with self.driver.session(database=self.database) as session:
            return await session.execute_write(fn, *args)

    async def _read(self, query: str, **params: Any) -> list[dict[str, Any]]:
        records, _, _ = await self.driver.execute_query(query, params, database_=self.database)
        return [r.data() for r in records]

    # --- raise ---------------------------------------------------------------------------------
    async def raise_dispute(
        self, ref: FactRef, *, raised_by: str, reason: str, evidence: str | None, branch: str | None
    ) -> dict[str, Any]:
        validate_ref(ref)
        dispute_id = f"D-{dt.date.today():%Y%m%d}-{uuid.uuid4().hex[:8]}"

        async def work(tx: AsyncManagedTransaction) -> dict[str, Any]:
            fact = await _locate(tx, ref)
            entity_ids = entity_ids_of(ref, fact["parties"])
            await tx.run(
                f"""
                CREATE (d:{S.DISPUTE} {{dispute_id: $id}})
                SET d.fact_kind = $kind, d.fact = $fact, d.subject = $subject, d.entity_ids = $entity_ids,
                    d.status = 'open', d.raised_by = $raised_by, d.raised_at = datetime(), d.reason = $reason,
                    d.evidence = $evidence, d.branch = $branch
                WITH d
                UNWIND $targets AS t
                MATCH (x) WHERE elementId(x) = t.id
                MERGE (d)-[:{S.DISPUTES} {{end: t.end}}]->(x)
                """,
                id=dispute_id,
                kind=ref.kind,
                fact=ref.as_json(),
                subject=subject_of(ref),
                entity_ids=entity_ids,
                raised_by=raised_by,
                reason=reason,
                evidence=evidence,
                branch=branch,
                targets=await _end_ids(tx, fact["id"])
                if ref.kind in REL_KINDS
                else [{"id": fact["id"], "end": "node"}],
            )
            mark = "r" if ref.kind in REL_KINDS else "n"
            await tx.run(
                "MATCH ()-[r]->() WHERE elementId(r) = $fid SET r.disputed = true, "
                "r.dispute_ids = coalesce(r.dispute_ids, []) + $id"
                if mark == "r"
                else "MATCH (n) WHERE elementId(n) = $fid SET n.disputed = true, "
                "n.dispute_ids = coalesce(n.dispute_ids, []) + $id",
                fid=fact["id"],
                id=dispute_id,
            )
            return {"dispute_id": dispute_id, "entity_ids": entity_ids}

        await self._write(work)
        return await self._written(dispute_id)

    # --- read ----------------------------------------------------------------------------------
    async def get(self, dispute_id: str) -> dict[str, Any] | None:
        rows = await self._read(
            f"""
            MATCH (d:{S.DISPUTE} {{dispute_id: $id}})
            RETURN properties(d) AS d,
              COLLECT {{ MATCH (d)-[:{S.DISPUTES}]->(x)-[:{S.HAS_VERSION}]->(v:{S.FACT_VERSION})
                        WHERE v.version_id IN coalesce(d.version_ids, []) RETURN DISTINCT properties(v) AS v }} AS versions
            """,
            id=dispute_id,
        )
        if not rows:
            return None
        return _public(rows[0]["d"], rows[0]["versions"])

    async def list(
        self, *, status: str | None, entity_id: str | None, branch: str | None, limit: int = 100
    ) -> list[dict[str, Any]]:
        rows = await self._read(
            f"""
            MATCH (d:{S.DISPUTE})
            WHERE ($status IS NULL OR d.status = $status) AND ($entity_id IS NULL OR $entity_id IN d.entity_ids)
              AND ($branch IS NULL OR d.branch = $branch)
            RETURN properties(d) AS d ORDER BY d.raised_at DESC, d.dispute_id LIMIT $limit
            """,
            status=status,
            entity_id=entity_id,
            branch=branch,
            limit=limit,
        )
        return [_public(r["d"], []) for r in rows]

    # --- handle --------------------------------------------------------------------------------
    async def resolve(
        self,
        dispute_id: str,
        *,
        handler: str,
        decision: str,
        reason: str,
        action: str | None = None,
        changes: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """``decision`` = uphold | correct; a correction is ``action`` = retract | amend (with ``changes``)."""

        async def work(tx: AsyncManagedTransaction) -> None:
            res = await tx.run(
                f"MATCH (d:{S.DISPUTE} {{dispute_id: $id}}) RETURN properties(d) AS d", id=dispute_id
            )
            rec = await res.single()
            if rec is None:
                raise _bad("异议不存在", f"no such dispute: {dispute_id}", 404)
            d = rec["d"]
            if d["status"] != "open":
                raise _bad(
                    f"异议已处理（{d['status']}）", f"the dispute is already {d['status']}", 409, "not-open"
                )
            if d["raised_by"] == handler:
                raise _bad(
                    "提出异议者不能处理自己的异议（双人原则）",
                    "whoever raised a dispute cannot handle it (four eyes)",
                    403,
                    "four-eyes",
                )
            ref = FactRef.from_json(d["fact"])
            fact = await _locate(tx, ref)
            props = dict(fact["props"])
            is_rel = ref.kind in REL_KINDS
            correction: dict[str, Any] = {}
            versions: list[dict[str, Any]] = []
            if decision == "correct":
                if action == "retract":
                    if not is_rel:
                        raise _bad(
                            "只有关系可以撤销；名单记录请修改 removal_date",
                            "only relationships can be retracted; for a blacklist entry amend removal_date",
                        )
                    kept = {k: v for k, v in props.items() if k not in MARKS}
                    versions.append(_version(dispute_id, ref, REL_KINDS[ref.kind].type, kept, props))
                    correction = {"action": "retract", "old": jsonable(kept)}
                elif action == "amend":
                    allowed = REL_KINDS[ref.kind].amendable if is_rel else NODE_KINDS[ref.kind].amendable
                    bad = sorted(set(changes or {}) - set(allowed))
                    if not changes or bad:
                        raise _bad(
                            f"可修改的属性：{list(allowed)}；无效：{bad}",
                            f"attributes that can be amended: {list(allowed)}; not allowed: {bad}",
                        )
                    try:
                        new = {k: coerce(ref.kind, k, v) for k, v in changes.items()}
                    except (TypeError, ValueError) as exc:
                        raise _bad("修改值无效", f"invalid value: {exc}") from None
                    prefix = f"{REL_KINDS[ref.kind].type}." if is_rel else ""
                    for k, v in new.items():
                        if props.get(k) != v:
                            versions.append(_version(dispute_id, ref, prefix + k, props.get(k), props))
                    correction = {
                        "action": "amend",
                        "old": jsonable({k: props.get(k) for k in new}),
                        "new": jsonable(new),
                    }
                else:
                    raise _bad(
                        "更正须指定 action：retract 或 amend", "a correction needs action retract or amend"
                    )
            elif decision != "uphold":
                raise _bad("decision 须为 correct 或 uphold", "decision must be correct or uphold")
            # keep the earlier values first (off the entity: for relationships its start node)
            if versions:
                owner = await _owner_id(tx, fact["id"], is_rel)
                await tx.run(
                    *write_versions_statement(None, [{"owner": owner, "props": v} for v in versions])
                )
            # unmark, then apply
            q_one = (
                "MATCH ()-[f]->() WHERE elementId(f) = $fid"
                if is_rel
                else "MATCH (f) WHERE elementId(f) = $fid"
            )
            await tx.run(
                q_one + " WITH f, [i IN coalesce(f.dispute_ids, []) WHERE i <> $id] AS rest "
                "SET f.dispute_ids = CASE WHEN size(rest) = 0 THEN null ELSE rest END, "
                "f.disputed = CASE WHEN size(rest) = 0 THEN null ELSE true END",
                fid=fact["id"],
                id=dispute_id,
            )
            if correction.get("action") == "amend":
                await tx.run(
                    q_one + " SET f += $new, f.corrected_by_dispute = $id",
                    fid=fact["id"],
                    new=new,
                    id=dispute_id,
                )
            elif correction.get("action") == "retract":
                await tx.run(q_one + " DELETE f", fid=fact["id"])
            await tx.run(
                f"""
                MATCH (d:{S.DISPUTE} {{dispute_id: $id}})
                SET d.status = $status, d.handled_by = $handler, d.handled_at = datetime(), d.resolution = $reason,
                    d.correction = $correction, d.version_ids = $vids
                """,
                id=dispute_id,
                status="corrected" if decision == "correct" else "upheld",
                handler=handler,
                reason=reason,
                correction=to_json(correction) if correction else None,
                vids=[v["version_id"] for v in versions],
            )

        await self._write(work)
        return await self._written(dispute_id)

    async def _written(self, dispute_id: str) -> dict[str, Any]:
        out = await self.get(dispute_id)
        if out is None:  # written in the transaction just committed
            raise DisputeError(500, f"异议未能保存：{dispute_id} / The dispute was not stored: {dispute_id}")
        return out

    async def set_rerun(self, dispute_id: str, rerun: dict[str, Any]) -> None:
        await self.driver.execute_query(
            f"MATCH (d:{S.DISPUTE} {{dispute_id: $id}}) SET d.rerun = $rerun",
            {"id": dispute_id, "rerun": to_json(rerun)},
            database_=self.database,
        )


async def _end_ids(tx: AsyncManagedTransaction, fid: str) -> list[dict[str, str]]:
    res = await tx.run(
        "MATCH (a)-[r]->(b) WHERE elementId(r) = $fid RETURN elementId(a) AS a, elementId(b) AS b", fid=fid
    )
    rec = await res.single()
    return [{"id": rec["a"], "end": "start"}, {"id": rec["b"], "end": "end"}] if rec else []


async def _owner_id(tx: AsyncManagedTransaction, fid: str, is_rel: bool) -> str:
    if not is_rel:
        return fid
    res = await tx.run("MATCH (a)-[r]->() WHERE elementId(r) = $fid RETURN elementId(a) AS a", fid=fid)
    rec = await res.single()
    if rec is None:
        raise _bad("事实已不存在", "the fact no longer exists", 409, "fact-gone")
    return str(rec["a"])


def _public(d: dict[str, Any], versions: list[dict[str, Any]]) -> dict[str, Any]:
    out = jsonable(dict(d))
    for k in ("fact", "correction", "rerun"):
        if isinstance(out.get(k), str):
            try:
                out[k] = json.loads(out[k])
            except ValueError:
                pass
    out["versions"] = jsonable(sorted(versions, key=lambda v: v.get("attribute") or ""))
    return out


# --- open disputes among a set of entities (the pre-loan check's view) -----------------------------------------------------------
#: every open dispute about entities, as a map per dispute, in dispute order (a subquery body: the
#: pre-loan check's applicant read embeds it to bring the usually few open disputes along)
OPEN_DISPUTES = f"""
MATCH (d:{S.DISPUTE} {{status: 'open'}}) WHERE size(d.entity_ids) > 0
RETURN d {{ .dispute_id, .fact_kind, .subject, .reason, .entity_ids, raised_at: toString(d.raised_at) }} AS d
ORDER BY d.dispute_id
"""
#: at most this many disputes are listed for one set of entities
MAX_AMONG = 50

OPEN_DISPUTES_AMONG = f"""
CALL () {{ {OPEN_DISPUTES} }}
WITH d WHERE all(e IN d.entity_ids WHERE e IN $ids)
RETURN d.dispute_id AS dispute_id, d.fact_kind AS fact_kind, d.subject AS subject, d.reason AS reason,
       d.entity_ids AS entity_ids, d.raised_at AS raised_at
ORDER BY dispute_id LIMIT {MAX_AMONG}
"""


def among(disputes: list[dict[str, Any]], entity_ids: list[str]) -> list[dict[str, Any]]:
    """Of ``disputes`` (every open one, in dispute order), those whose entities all lie among
    ``entity_ids`` — the filter of :data:`OPEN_DISPUTES_AMONG`, for disputes already read."""
    ids = set(entity_ids)
    return [d for d in disputes if all(e in ids for e in d.get("entity_ids") or [])][:MAX_AMONG]


async def open_disputes_among(
    repo: Neo4jRepository, entity_ids: list[str], prefetched: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """Open disputes whose entities all lie among ``entity_ids`` (from ``prefetched``, every open
    dispute already read, when given; else one read)."""
    if prefetched is not None:
        return among(prefetched, entity_ids)
    return await repo.read(OPEN_DISPUTES_AMONG, ids=entity_ids)
