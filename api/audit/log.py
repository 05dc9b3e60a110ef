"""Write-ahead audit log: JSON lines, fsync'd before the response leaves, each record hash-chained.

Why a file and not Neo4j: the log must survive the database, must not be alterable through any API
call (there is no write path to it except :meth:`AuditLog.append`), and must be durable the moment a
client receives an answer. Each record carries ``seq``, ``prev_hash`` and ``hash`` =
SHA-256 over its canonical JSON (which includes ``prev_hash``): editing, deleting or reordering any
record breaks every later hash, and :func:`verify_chain` says where.

Concurrency: requests enqueue records; a single flusher writes every queued record with one
``write`` + ``fsync`` (group commit), so durability costs one fsync per batch, not per request. An
exclusive ``flock`` on the file keeps a second process from interleaving its own chain.

Crash safety: a record is acknowledged only after fsync. A torn last line (the process died inside
``write``) was therefore never acknowledged; on the next start it is cut off and its bytes are kept,
base64-encoded, in a ``recovery`` record so nothing disappears silently.
"""

from __future__ import annotations

import asyncio
import base64
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

GENESIS = "0" * 64


class AuditLogError(RuntimeError):
    """The audit log cannot be written or is damaged; the API then refuses to answer (fail closed)."""


def canonical(record: dict[str, Any]) -> bytes:
    body = {k: v for k, v in record.items() if k != "hash"}
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def record_hash(record: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(record)).hexdigest()


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    records: int
    last_seq: int
    last_hash: str
    first_bad_line: int | None = None
    reason: str | None = None


def verify_chain(path: Path) -> VerifyResult:
    """Recompute the whole chain; the first line whose hash, link or sequence is wrong is reported."""
    prev, seq, n = GENESIS, 0, 0
    if not path.exists():
        return VerifyResult(True, 0, 0, GENESIS)
    with path.open("rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            if not raw.endswith(b"\n"):
                return VerifyResult(False, n, seq, prev, lineno, "torn last line (unterminated record)")
            try:
                rec = json.loads(raw)
            except ValueError:
                return VerifyResult(False, n, seq, prev, lineno, "line is not valid JSON")
            if rec.get("prev_hash") != prev:
                return VerifyResult(
                    False, n, seq, prev, lineno, "prev_hash does not link to the previous record"
                )
            if rec.get("seq") != seq + 1:
                return VerifyResult(False, n, seq, prev, lineno, "sequence gap or reorder")
            if record_hash(rec) != rec.get("hash"):
                return VerifyResult(False, n, seq, prev, lineno, "record content does not match its hash")
            prev, seq, n = rec["hash"], rec["seq"], n + 1
    return VerifyResult(True, n, seq, prev)


def read_records(path: Path) -> Iterator[dict[str, Any]]:
    """Every complete record in file order (a torn tail is skipped)."""
    if not path.exists():
        return
    with path.open("rb") as fh:
        for raw in fh:
            if raw.endswith(b"\n"):
                try:
                    yield json.loads(raw)
                except ValueError:
                    continue


class AuditLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self._seq = 0
        self._last = GENESIS
        self._pending: list[tuple[dict[str, Any], asyncio.Future]] = []
        self._flusher: asyncio.Task | None = None
        self._broken: str | None = None

    # --- lifecycle -----------------------------------------------------------------------------
    def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise AuditLogError(
                f"审计日志正被另一个进程使用。/ The audit log {self.path} is in use by another process."
            ) from None
        self._fd = fd
        torn = self._recover_tail()
        if torn is not None:
            self._write_now([self._seal({"kind": "recovery", "ts": _now(), "torn_bytes_b64": torn})])

    def close(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def _recover_tail(self) -> str | None:
        """Find the last complete record (seq, hash); cut off and return a torn tail, if any."""
        size = os.fstat(self._fd).st_size
        if size == 0:
            return None
        with self.path.open("rb") as fh:
            data = fh.read()
        torn = None
        if not data.endswith(b"\n"):
            cut = data.rfind(b"\n") + 1
            torn = base64.b64encode(data[cut:]).decode()
            os.ftruncate(self._fd, cut)
            os.fsync(self._fd)
            data = data[:cut]
        lines = data.splitlines()
        if lines:
            try:
                last = json.loads(lines[-1])
                self._seq, self._last = int(last["seq"]), str(last["hash"])
            except (ValueError, KeyError) as exc:
                raise AuditLogError(
                    f"审计日志最后一条记录已损坏。/ The last audit record in {self.path} is damaged."
                ) from exc
        return torn

    # --- writing -------------------------------------------------------------------------------
    def _seal(self, record: dict[str, Any]) -> dict[str, Any]:
        self._seq += 1
        rec = {**record, "seq": self._seq, "prev_hash": self._last}
        rec["hash"] = record_hash(rec)
        self._last = rec["hash"]
        return rec

    def _write_now(self, records: list[dict[str, Any]]) -> None:
        if self._fd is None:
            raise AuditLogError("审计日志未打开。/ The audit log is not open.")
        payload = b"".join(
            json.dumps(r, ensure_ascii=False, separators=(",", ":"), default=str).encode() + b"\n"
            for r in records
        )
        view = memoryview(payload)
        while view:
            n = os.write(self._fd, view)
            view = view[n:]
        os.fsync(self._fd)

    async def append(self, record: dict[str, Any]) -> dict[str, Any]:
        """Durably append ``record``; returns it sealed (seq, prev_hash, hash) once fsync'd."""
        if self._broken:
            raise AuditLogError(self._broken)
        fut: asyncio.Future = asyncio.get_running_loop().create_future()
        self._pending.append((record, fut))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return await fut

    async def _flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            sealed = [self._seal(rec) for rec, _ in batch]
            try:
                await asyncio.to_thread(self._write_now, sealed)
            except Exception as exc:  # noqa: BLE001 — any I/O failure stops the API answering
                self._broken = f"审计日志写入失败。/ Writing the audit log failed: {type(exc).__name__}"
                for _, fut in batch + self._pending:
                    if not fut.done():
                        fut.set_exception(AuditLogError(self._broken))
                self._pending = []
                return
            for (_, fut), rec in zip(batch, sealed, strict=True):
                if not fut.done():
                    fut.set_result(rec)

    def append_sync(self, record: dict[str, Any]) -> dict[str, Any]:
        """For the CLI (no event loop): seal and write one record at once."""
        rec = self._seal(record)
        self._write_now([rec])
        return rec


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")
