"""Disputes (异议) against facts: raise, list, read, and handle (correct keeping history, or uphold)."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from api.dependencies import Repos, request_context, require, sync_driver
from api.errors import ApiError
from api.models.common import PROBLEM_RESPONSES
from api.models.facts import FACT_KINDS
from api.models.governance import DisputeList, DisputeView
from api.repositories.disputes import DisputeError, DisputeStore, FactRef
from api.security.auth import Principal
from api.services.disputes import rerun_rules

log = logging.getLogger("riskgraph.api")
router = APIRouter(prefix="/v1/disputes", tags=["disputes"], responses=PROBLEM_RESPONSES)
FactKind = Literal[FACT_KINDS]  # type: ignore[valid-type]


class Fact(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: FactKind = Field(
        description="shareholding / position / guarantee / family / listing (party ↔ blacklist "
        "entry identity link) / blacklist_entry / company / person"
    )
    start: str | None = Field(
        default=None, max_length=90, description="relationships: entity id of the start"
    )
    end: str | None = Field(
        default=None, max_length=90, description="relationships: entity id (listing: entry id)"
    )
    key: str | None = Field(default=None, max_length=90, description="nodes: entry id or entity id")
    contract_id: str | None = Field(default=None, max_length=90, description="guarantee identity")
    role: str | None = Field(default=None, max_length=40, description="position identity")
    relation: str | None = Field(default=None, max_length=40, description="family identity")

    def ref(self) -> FactRef:
        ident = {
            k: v
            for k, v in (("contract_id", self.contract_id), ("role", self.role), ("relation", self.relation))
            if v
        }
        return FactRef(self.kind, self.start, self.end, self.key, ident)


class NewDispute(BaseModel):
    model_config = ConfigDict(extra="forbid")
    fact: Fact
    reason: str = Field(min_length=2, max_length=2000)
    evidence: str | None = Field(default=None, max_length=2000, description="document references")


class Resolution(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: Literal["correct", "uphold"]
    reason: str = Field(min_length=2, max_length=2000)
    action: Literal["retract", "amend"] | None = Field(default=None, description="for decision = correct")
    changes: dict[str, Any] | None = Field(default=None, description="amend: attribute → corrected value")


def _err(exc: DisputeError) -> ApiError:
    return ApiError(exc.status, exc.message, code=exc.code)


@router.post(
    "",
    response_model=DisputeView,
    status_code=201,
    summary="Raise a dispute against a fact (it shows as disputed at once)",
    responses={409: {"description": "more than one fact matches the description"}},
)
async def raise_dispute(
    body: NewDispute,
    request: Request,
    r: Repos,
    principal: Annotated[Principal, Depends(require("dispute:raise"))],
) -> DisputeView:
    user = await r.users.get(principal.user_id)
    try:
        out = await r.disputes.raise_dispute(
            body.fact.ref(),
            raised_by=principal.user_id,
            reason=body.reason,
            evidence=body.evidence,
            branch=(user or {}).get("branch"),
        )
    except DisputeError as exc:
        raise _err(exc) from None
    ctx = request_context(request)
    ctx.touch(*out["entity_ids"])
    ctx.note = f"dispute raised {out['dispute_id']}"
    return DisputeView(**out)


@router.get(
    "",
    response_model=DisputeList,
    summary="Disputes, newest first",
    dependencies=[Depends(require("dispute:read"))],
)
async def list_disputes(
    r: Repos,
    status: Annotated[Literal["open", "corrected", "upheld"] | None, Query()] = None,
    entity_id: Annotated[str | None, Query(max_length=90)] = None,
    branch: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> DisputeList:
    rows = await r.disputes.list(status=status, entity_id=entity_id, branch=branch, limit=limit)
    return DisputeList(disputes=[DisputeView(**d) for d in rows])


@router.get(
    "/{dispute_id}",
    response_model=DisputeView,
    summary="One dispute with the earlier values it keeps",
    dependencies=[Depends(require("dispute:read"))],
)
async def get_dispute(dispute_id: str, r: Repos) -> DisputeView:
    out = await r.disputes.get(dispute_id)
    if out is None:
        raise ApiError(404, f"异议不存在：{dispute_id} / No such dispute: {dispute_id}")
    return DisputeView(**out)


@router.post(
    "/{dispute_id}/resolve",
    response_model=DisputeView,
    summary="Correct the fact (history kept, rules re-run) or uphold it",
    responses={409: {"description": "the dispute has been handled already"}},
)
async def resolve_dispute(
    dispute_id: str,
    body: Resolution,
    request: Request,
    r: Repos,
    principal: Annotated[Principal, Depends(require("dispute:resolve"))],
) -> DisputeView:
    store = r.disputes
    try:
        out = await store.resolve(
            dispute_id,
            handler=principal.user_id,
            decision=body.decision,
            reason=body.reason,
            action=body.action,
            changes=body.changes,
        )
    except DisputeError as exc:
        raise _err(exc) from None
    ctx = request_context(request)
    ctx.touch(*out.get("entity_ids", []))
    ctx.note = f"dispute {out['status']} {dispute_id}"
    if out["status"] == "corrected":
        out["rerun"] = await _rerun(request, store, dispute_id, out["fact_kind"])
    return DisputeView(**out)


async def _rerun(request: Request, store: DisputeStore, dispute_id: str, fact_kind: str) -> dict[str, Any]:
    s = request.app.state.settings
    mode = s.gov_dispute_rerun
    if mode == "off":
        result = {
            "status": "off",
            "note": "gov_dispute_rerun = off: run `riskgraph rules run` to refresh alerts",
        }
        await store.set_rerun(dispute_id, result)
        return result
    driver = sync_driver(request)
    cfg = str(s.rules_config) if s.rules_config else None

    async def job() -> dict[str, Any]:
        result = await asyncio.to_thread(rerun_rules, driver, s.neo4j_database, cfg, fact_kind)
        await store.set_rerun(dispute_id, result)
        return result

    if mode == "sync":
        return await job()
    pending = {"status": "running", "note": "rules re-run in the background; GET the dispute for the result"}
    await store.set_rerun(dispute_id, pending)
    tasks = _task_set(request)
    task = asyncio.create_task(job(), name=f"rerun-{dispute_id}")
    tasks.add(task)
    task.add_done_callback(tasks.discard)
    return pending


def _task_set(request: Request) -> set[asyncio.Task[Any]]:
    """The app's running re-runs (the lifespan waits for them at shutdown)."""
    return request.app.state.rerun_tasks
