"""The one writer of audit records for command-line actions (``kind: cli``), also while the API runs.

The audit log has a single writer at a time (an exclusive ``flock``). When no API holds it, the CLI
appends its record to the chain itself. When the API runs, the CLI cannot, so it appends the record
to a spool file beside the log (``cli-spool.jsonl``, fsync'd, under a lock of its own) and the API
moves every spooled record into the chain — within a second, at start-up and at shutdown — before it
clears the spool. Either way the record is in the hash chain like an API request's.

Every CLI record names its actor the same way: ``user_id = "cli:<operating-system user>"``.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import logging
import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from api.audit.log import AuditLog, AuditLogError

log = logging.getLogger("riskgraph.api")

SPOOL_NAME = "cli-spool.jsonl"
DRAIN_INTERVAL_S = 1.0


def cli_user_id() -> str:
    """The one user-id convention of command-line actions."""
    return f"cli:{os.environ.get('USER') or os.environ.get('LOGNAME') or '?'}"


def spool_path(audit_log_path: Path) -> Path:
    return audit_log_path.with_name(SPOOL_NAME)


def cli_record(extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": "cli",
        "ts": datetime.now(UTC).isoformat(),
        "user_id": cli_user_id(),
        "cli_id": uuid.uuid4().hex,
        **extra,
    }


def _append_spool(path: Path, record: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=str).encode() + b"\n"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)  # closing releases the lock


def record_cli_action(audit_log_path: Path, extra: dict[str, Any]) -> str:
    """Audit one CLI action; returns ``"log"`` (written to the chain) or ``"spool"`` (the API runs and
    will chain it). Raises :class:`AuditLogError` only when neither is possible."""
    record = cli_record(extra)
    audit = AuditLog(audit_log_path)
    try:
        audit.open()
    except AuditLogError:
        try:
            _append_spool(spool_path(audit_log_path), record)
        except OSError as exc:
            raise AuditLogError(
                f"审计记录无法写入。/ The audit record could not be written: {type(exc).__name__}"
            ) from exc
        return "spool"
    try:
        drain_spool_sync(audit)  # records spooled while an API ran, before this one
        audit.append_sync(record)
    finally:
        audit.close()
    return "log"


def _take_spool(path: Path) -> tuple[int, list[dict[str, Any]]] | None:
    """Open and lock the spool; the records in it (a torn last line is left for the next pass)."""
    if not path.exists():
        return None
    fd = os.open(path, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)
    with os.fdopen(os.dup(fd), "rb") as fh:
        data = fh.read()
    records = []
    for raw in data.split(b"\n"):
        if raw.strip():
            with contextlib.suppress(ValueError):
                records.append(json.loads(raw))
    return fd, records


def _clear_spool(fd: int) -> None:
    os.ftruncate(fd, 0)
    os.fsync(fd)
    os.close(fd)


def drain_spool_sync(audit: AuditLog) -> int:
    taken = _take_spool(spool_path(audit.path))
    if taken is None:
        return 0
    fd, records = taken
    try:
        for rec in records:
            audit.append_sync(rec)
    except BaseException:
        os.close(fd)
        raise
    _clear_spool(fd)
    return len(records)


async def drain_spool(audit: AuditLog) -> int:
    """Chain the spooled CLI records through the API's own writer, then clear the spool."""
    taken = await asyncio.to_thread(_take_spool, spool_path(audit.path))
    if taken is None:
        return 0
    fd, records = taken
    try:
        for rec in records:
            await audit.append(rec)
    except BaseException:
        os.close(fd)
        raise
    await asyncio.to_thread(_clear_spool, fd)
    return len(records)


@contextlib.asynccontextmanager
async def spool_drainer(audit: AuditLog, interval_s: float = DRAIN_INTERVAL_S) -> AsyncIterator[None]:
    """For the API's lifespan: drain at start, every ``interval_s`` and once more at shutdown."""

    async def loop() -> None:
        while True:
            await asyncio.sleep(interval_s)
            try:
                await drain_spool(audit)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 — logged; the next pass tries again
                log.exception("moving CLI audit records into the log failed")

    await drain_spool(audit)
    task = asyncio.create_task(loop(), name="riskgraph-cli-audit-spool")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        with contextlib.suppress(Exception):
            await drain_spool(audit)
