"""The guard around every request: body-size limit, PII masking of responses, write-ahead audit.

Every response without the ``pii`` scope — success or error, JSON, CSV or HTML, and its headers —
goes through :func:`api.masking.mask_response`, the one masking decision. The audit record keeps the
request as the client sent it, decoded as UTF-8 (a Chinese purpose reference stays searchable), with
personal data masked and secrets (keys, tokens, passwords) removed wherever they were put.

Work in proportion to a body's size (the id scan, masking) runs in a worker thread for large bodies.
A pure ASGI middleware (not ``BaseHTTPMiddleware``) so it sees the exact bytes leaving and can hold
them back: a response is released only after its audit record is fsync'd (fail closed: if the log
cannot be written, the client gets 503 and no data). State-changing calls additionally write an
*intent* record before the handler runs, so a crash between the change and the answer still leaves
a trace. Health probes are neither authenticated nor audited (they touch no data).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.audit.log import AuditLogError
from api.audit.redact import install_log_redaction, redact_params, redact_text
from api.context import RequestContext
from api.errors import PROBLEM_MEDIA_TYPE, problem_body
from api.masking import mask_query_params, mask_response, mask_text

log = logging.getLogger("riskgraph.api")

UNAUDITED_PATHS = frozenset({"/livez", "/readyz"})
READ_ONLY_POSTS = frozenset({"/v1/checks/pre-loan"})
_ENTITY_ID = re.compile(rb'"([CP][:\-][^"\\/\s]{1,100})"')
MAX_ENTITY_IDS = 2000
#: responses larger than this are scanned and masked in a worker thread, so that one large answer
#: does not hold up every other request of the process (``/v1/me`` stays fast under heavy checks)
OFFLOAD_BYTES = 16 * 1024


class _BodyTooLarge(Exception):
    pass


class GuardMiddleware:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body = max_body_bytes
        install_log_redaction(mask_text)  # the server log: no secrets, no personal data

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNAUDITED_PATHS:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        ctx = RequestContext(request_id=uuid.uuid4().hex)
        scope.setdefault("state", {})["rg_ctx"] = ctx
        audit = getattr(scope["app"].state, "audit", None)
        method, path = scope["method"], scope["path"]
        headers = {k.decode("latin-1").lower(): header_text(v) for k, v in scope["headers"]}
        ctx.purpose_ref = purpose_text(headers.get("x-purpose-ref", ""))[:128] or None
        # handlers read the header through Starlette, which decodes latin-1: those forms mean this one
        raw_purpose = next((v for k, v in scope["headers"] if k.lower() == b"x-purpose-ref"), b"")
        purpose_forms = {raw_purpose.decode("latin-1"), raw_purpose.decode("latin-1").strip()} - {""}
        header_purpose = ctx.purpose_ref
        base = {
            "request_id": ctx.request_id,
            "method": method,
            "path": mask_text(redact_text(path)),
            "query": audit_query(scope.get("query_string", b""))[:1024] or None,
            "client": (scope.get("client") or ("", 0))[0],
        }
        if audit is None:
            await _send(
                send, 503, _problem(503, "审计日志不可用。/ The audit log is not available.", path), None
            )
            return

        if method not in ("GET", "HEAD", "OPTIONS") and path not in READ_ONLY_POSTS:
            ctx.mutating = True
            try:
                await audit.append({"kind": "intent", "ts": _now(), **base})
            except AuditLogError:
                await _send(
                    send, 503, _problem(503, "审计日志不可用。/ The audit log is not available.", path), None
                )
                return

        status, resp_headers, body = await self._run(scope, receive, ctx, headers)

        principal = ctx.principal
        if ctx.purpose_ref in purpose_forms:
            ctx.purpose_ref = header_purpose
        content_type = _header(resp_headers, b"content-type")
        touched = set(ctx.entity_ids)
        # from the unmasked body: the audit log records the exact ids the caller was shown
        scan = status < 400 and path.startswith("/v1/") and not path.startswith("/v1/audit")
        mask = not (principal and principal.pii)
        premasked = ctx.masked_body
        if len(body) > OFFLOAD_BYTES:  # decoding, masking and re-encoding a large body: not on the loop
            shown, body, resp_headers = await asyncio.to_thread(
                _shown_and_masked, content_type, body, resp_headers, scan, mask, premasked
            )
        else:
            shown, body, resp_headers = _shown_and_masked(
                content_type, body, resp_headers, scan, mask, premasked
            )
        touched.update(shown)
        record = {
            "kind": "request",
            "ts": _now(),
            **base,
            "user_id": principal.user_id if principal else None,
            "key_id": principal.key_id if principal else None,
            "roles": principal.roles if principal else [],
            "pii": bool(principal and principal.pii),
            "purpose_ref": mask_text(ctx.purpose_ref) if ctx.purpose_ref else None,
            "entity_ids": sorted(touched)[:MAX_ENTITY_IDS],
            "entity_ids_truncated": len(touched) > MAX_ENTITY_IDS,
            "verdict": ctx.verdict,
            "note": mask_text(ctx.note) if ctx.note else None,
            "status": status,
            "outcome": _outcome(status),
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
        }
        try:
            await audit.append(record)
        except AuditLogError:
            await _send(
                send, 503, _problem(503, "审计日志不可用。/ The audit log is not available.", path), None
            )
            return
        resp_headers = [(k, v) for k, v in resp_headers if k.lower() != b"content-length"]
        resp_headers.append((b"x-request-id", ctx.request_id.encode()))
        await _send(send, status, body, resp_headers)

    async def _run(
        self, scope: Scope, receive: Receive, ctx: RequestContext, headers: dict[str, str]
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        path = scope["path"]
        try:
            if int(headers.get("content-length") or 0) > self.max_body:
                return (
                    413,
                    _problem_headers(),
                    _problem(
                        413,
                        f"请求体超过 {self.max_body} 字节。/ Request body exceeds {self.max_body} bytes.",
                        path,
                    ),
                )
        except ValueError:
            return (
                400,
                _problem_headers(),
                _problem(400, "Content-Length 无效。/ Invalid Content-Length.", path),
            )
        received = 0
        max_body = self.max_body
        too_large = False  # the framework may turn _BodyTooLarge into its own 400; this flag wins

        async def limited_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_body:
                    too_large = True
                    raise _BodyTooLarge
            return message

        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        try:
            await self.app(scope, limited_receive, capture)
            if too_large:
                raise _BodyTooLarge
        except _BodyTooLarge:
            return (
                413,
                _problem_headers(),
                _problem(
                    413,
                    f"请求体超过 {self.max_body} 字节。/ Request body exceeds {self.max_body} bytes.",
                    path,
                ),
            )
        except Exception:  # noqa: BLE001 — logged server-side; the client gets a problem without internals
            log.exception("unhandled error in %s %s (request %s)", scope["method"], path, ctx.request_id)
            return (
                500,
                _problem_headers(),
                _problem(
                    500,
                    f"服务器内部错误，请求编号 {ctx.request_id}。/ Internal error, request id {ctx.request_id}.",
                    path,
                ),
            )
        if not start:
            return 500, _problem_headers(), _problem(500, "无响应。/ No response produced.", path)
        return int(start["status"]), list(start.get("headers", [])), b"".join(chunks)


def _shown_and_masked(
    content_type: str,
    body: bytes,
    headers: list[tuple[bytes, bytes]],
    scan: bool,
    mask: bool,
    premasked: bytes | None = None,
) -> tuple[list[str], bytes, list[tuple[bytes, bytes]]]:
    """The entity ids in the unmasked body, and the body and headers as the caller may see them
    (``premasked``: the handler's :func:`api.masking.masked_digest` of a body it masked itself)."""
    shown = [m.decode("utf-8", "replace") for m in _ENTITY_ID.findall(body)] if scan else []
    if mask:
        body, headers = mask_response(content_type, body, headers, premasked)
    return shown, body, headers


def header_text(value: bytes) -> str:
    """A header value as text: UTF-8 when it is valid UTF-8 (clients send Chinese that way), else latin-1."""
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")


def purpose_text(value: str) -> str:
    """The purpose reference as the person typed it: a percent-encoded UTF-8 value (the form
    ASCII-only clients such as the explorer send) is decoded; plain text is kept exactly."""
    value = value.strip()
    if "%" in value:
        try:
            decoded = unquote(value, errors="strict")
        except UnicodeDecodeError:
            return value
        if decoded != value and not decoded.isascii():
            return decoded
    return value


def audit_query(raw: bytes) -> str:
    """The query string as the auditor reads it: decoded UTF-8, secrets removed, personal data masked."""
    if not raw:
        return ""
    text = raw.decode("utf-8", "replace")
    params = parse_qsl(text, keep_blank_values=True, errors="replace")
    if not params:
        return mask_text(redact_text(unquote(text, errors="replace")))
    clean = mask_query_params(redact_params(params))
    return "&".join(f"{k}={v}" for k, v in clean)


def _problem(status: int, detail: str, path: str) -> bytes:
    return json.dumps(problem_body(status, detail, instance=path), ensure_ascii=False).encode()


def _problem_headers() -> list[tuple[bytes, bytes]]:
    return [(b"content-type", PROBLEM_MEDIA_TYPE.encode())]


async def _send(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None) -> None:
    hdrs = list(headers) if headers is not None else _problem_headers()
    hdrs.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": hdrs})
    await send({"type": "http.response.body", "body": body})


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> str:
    for k, v in headers:
        if k.lower() == name:
            return v.decode("latin-1")
    return ""


def _outcome(status: int) -> str:
    if status < 400:
        return "ok"
    if status in (401, 403):
        return "denied"
    if status < 500:
        return "client_error"
    return "server_error"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")
