"""Liveness (the process answers) and readiness (Neo4j answers and the audit log is open)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    checks: dict[str, str] = {}


@router.get("/livez", response_model=Health, summary="Liveness: the process is up")
async def livez() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Health,
    summary="Readiness: Neo4j reachable and audit log open",
    responses={503: {"model": Health, "description": "not ready"}},
)
async def readyz(request: Request):
    checks: dict[str, str] = {}
    try:
        await request.app.state.driver.verify_connectivity()
        checks["neo4j"] = "ok"
    except Exception as exc:  # noqa: BLE001 — any failure means not ready
        checks["neo4j"] = f"unavailable: {type(exc).__name__}"
    audit = getattr(request.app.state, "audit", None)
    checks["audit_log"] = (
        "ok" if audit is not None and audit._fd is not None and not audit._broken else "unavailable"
    )
    ok = all(v == "ok" for v in checks.values())
    body = Health(status="ok" if ok else "unavailable", checks=checks)
    return body if ok else JSONResponse(body.model_dump(), status_code=503)
