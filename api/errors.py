"""Errors as RFC 9457 problem details (``application/problem+json``), bilingual, never a stack trace.

Every error a client can see goes through :func:`problem_response`; handlers below turn FastAPI's own
exceptions into the same shape, so a client parses one error format everywhere. An error body is a
response like any other: without the ``pii`` scope it is masked on its way out
(:func:`api.masking.mask_response`), so a detail that echoes an id or a number cannot leak it.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from neo4j.exceptions import (
    ClientError,
    ConnectionPoolError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "https://riskgraph.invalid/problems/"

#: status → (code, 中文标题, English title)
TITLES: dict[int, tuple[str, str, str]] = {
    400: ("bad-request", "请求无效", "Bad request"),
    401: ("unauthenticated", "未认证", "Authentication required"),
    403: ("forbidden", "无权限", "Forbidden"),
    404: ("not-found", "未找到", "Not found"),
    405: ("method-not-allowed", "方法不允许", "Method not allowed"),
    409: ("conflict", "冲突", "Conflict"),
    413: ("payload-too-large", "请求体过大", "Payload too large"),
    415: ("unsupported-media-type", "不支持的媒体类型", "Unsupported media type"),
    422: ("validation-error", "参数校验失败", "Validation failed"),
    429: ("rate-limited", "请求过于频繁", "Too many requests"),
    500: ("internal-error", "服务器内部错误", "Internal server error"),
    503: ("unavailable", "服务不可用", "Service unavailable"),
}


class ApiError(Exception):
    """An error the API reports on purpose; ``detail`` must be safe to show (no PII, no internals)."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        code: str | None = None,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.code = code
        self.headers = headers or {}
        self.extensions = extensions


def problem_body(
    status: int, detail: str, *, code: str | None = None, instance: str | None = None, **extensions: Any
) -> dict[str, Any]:
    default_code, zh, en = TITLES.get(status, ("error", "错误", "Error"))
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + (code or default_code),
        "title": f"{zh} / {en}",
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update(extensions)
    return body


def problem_response(
    status: int,
    detail: str,
    *,
    code: str | None = None,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    return JSONResponse(
        problem_body(status, detail, code=code, instance=instance, **extensions),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    """Where and why validation failed — without echoing the input (it may hold PII)."""
    out = []
    for err in exc.errors():
        out.append(
            {
                "loc": [str(p) for p in err.get("loc", ())],
                "msg": str(err.get("msg", "")),
                "type": str(err.get("type", "")),
            }
        )
    return out


#: seconds a client is asked to wait when the database is busy (timeouts, pool exhausted, transient)
DATABASE_RETRY_AFTER_S = 2
DATABASE_BUSY = (
    "图数据库繁忙或不可用，请稍后重试。/ The graph database is busy or unavailable; retry shortly."
)


def is_overload(exc: BaseException) -> bool:
    """Whether a database error means "too much load right now" (the client should retry), not a bug.

    Transient errors (deadlocks, memory pools), a transaction that ran out of its time budget, no
    free connection in the driver's pool within its acquisition timeout, a server gone away."""
    if isinstance(exc, TransientError | ServiceUnavailable | SessionExpired | ConnectionPoolError):
        return True
    if isinstance(exc, ClientError):
        code = exc.code or ""
        return "TransactionTimedOut" in code or "MemoryPoolOutOfMemory" in code
    return False


def overload_problem(instance: str | None = None) -> JSONResponse:
    """The one overload answer of a database error: 503 with Retry-After, never a 500."""
    return problem_response(
        503,
        DATABASE_BUSY,
        code="database-busy",
        instance=instance,
        headers={"Retry-After": str(DATABASE_RETRY_AFTER_S)},
    )


def install_error_handlers(app: FastAPI) -> None:
    async def _database_error(request: Request, exc: Exception) -> JSONResponse:
        if not is_overload(exc):
            raise exc  # a real fault: the guard logs it and answers 500 without internals
        return overload_problem(request.url.path)

    for kind in (Neo4jError, ServiceUnavailable, SessionExpired, ConnectionPoolError):
        app.add_exception_handler(kind, _database_error)

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return problem_response(
            exc.status,
            exc.detail,
            code=exc.code,
            instance=request.url.path,
            headers=exc.headers,
            **exc.extensions,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = (
            exc.detail if isinstance(exc.detail, str) else TITLES.get(exc.status_code, ("", "", "Error"))[2]
        )
        return problem_response(
            exc.status_code, detail, instance=request.url.path, headers=getattr(exc, "headers", None)
        )

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(
            422,
            "请求参数不符合要求。/ The request does not match the schema.",
            instance=request.url.path,
            errors=_validation_errors(exc),
        )
