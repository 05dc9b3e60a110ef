"""Write-ahead audit log: JSON lines, fsync'd before the response leaves, each record MAC-chained.

Why a file and not Neo4j: the log must survive the database, must not be alterable through any API
call (there is no write path to it except :meth:`AuditLog.append`), and must be durable the moment a
client receives an answer. Each record carries ``seq``, ``prev_hash``, ``kid`` and ``hash`` =
HMAC-SHA256 under the server's audit key (:mod:`api.audit.keyring`) over its canonical JSON (which
includes ``prev_hash``): editing, deleting or reordering any record breaks the chain, and without
the key nobody can recompute it. After every group commit a signed checkpoint (record count, head
MAC, log identity) is written apart from the log (:mod:`api.audit.checkpoint`), so cutting the tail
or swapping the file is recognised too; :func:`verify_chain` says what and where.

Secrets never reach the file: every record passes :func:`api.audit.redact.redact` before it is sealed.

Concurrency: requests enqueue records; a single flusher writes every queued record with one
``write`` + ``fsync`` (group commit), then the checkpoint with one ``pwrite`` + ``fsync``, so
durability costs two fsyncs per batch, not per request. An exclusive ``flock`` on the file keeps a
second process from interleaving its own chain.

Crash safety: a record is acknowledged only after both fsyncs. A torn last line (the process died
inside ``write``) was therefore never acknowledged; on the next start it is cut off and its bytes are
kept, base64-encoded, in a ``recovery`` record so nothing disappears silently. When the log found at
start-up is behind or different from its checkpoint (cut or replaced while the server was down), an
``integrity`` record says so before anything else is written, and verification keeps failing on it.
"""

from __future__ import annotations

import asyncio
import base64
import fcntl
import json
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from api.audit import checkpoint as ckpt
from api.audit import keyring as kr
from api.audit.redact import redact
from api.audit.verify import GENESIS, VerifyResult, canonical, record_hash, verify_chain

__all__ = [
    "GENESIS",
    "AuditLog",
    "AuditLogBusy",
    "AuditLogError",
    "VerifyResult",
    "canonical",
    "read_records",
    "record_hash",
    "verify_chain",
]


class AuditLogError(RuntimeError):
    """The audit log cannot be written or is damaged; the API then refuses to answer (fail closed)."""


class AuditLogBusy(AuditLogError):
    """Another process holds this log file (each chain has exactly one writer)."""


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
    def __init__(
        self,
        path: Path,
        *,
        key_file: Path | None = None,
        checkpoint_file: Path | None = None,
        writer: str | None = None,
    ) -> None:
        self.path = path
        #: who writes this chain now (host:pid:start); sealed into every record it appends
        self.writer = writer
        self.key_file = key_file or kr.default_key_file(path)
        self.checkpoint_file = checkpoint_file or ckpt.default_checkpoint_file(path)
        self._fd: int | None = None
        self._seq = 0
        self._last = GENESIS
        self._log_id = ""
        self._needs_log_id = False
        self._ring: kr.Keyring | None = None
        self._checkpoints: ckpt.CheckpointWriter | None = None
        self._pending: list[tuple[dict[str, Any], asyncio.Future[dict[str, Any]]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._broken: str | None = None

    # --- lifecycle -----------------------------------------------------------------------------
    def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise AuditLogBusy(
                f"审计日志正被另一个进程使用。/ The audit log {self.path} is in use by another process."
            ) from None
        self._fd = fd
        try:
            self._ring = kr.load_or_create(self.key_file)
            torn, lines = self._recover_tail()
            self._checkpoints = ckpt.CheckpointWriter(self.checkpoint_file, self._ring)
            last_cp = self._checkpoints.open()
        except (OSError, kr.KeyringError) as exc:
            self.close()
            raise AuditLogError(
                f"审计日志无法打开。/ The audit log {self.path} cannot be opened: {exc}"
            ) from exc
        first_keyed = next((r for r in _parsed(lines, b'"kid":') if r.get("kid")), None)
        if first_keyed is not None and first_keyed.get("log_id"):
            self._log_id = str(first_keyed["log_id"])
        else:
            self._log_id, self._needs_log_id = uuid.uuid4().hex, True
        if self._ring.logs.get(self.path.name) != self._log_id and self._needs_log_id:
            self._ring = kr.register_log(self.key_file, self.path.name, self._log_id)
            self._checkpoints.ring = self._ring
        opening: list[dict[str, Any]] = []
        problem = _compare_with_checkpoint(lines, self._seq, last_cp, self._log_id)
        if problem is not None:
            code, detail = problem
            opening.append({"kind": "integrity", "ts": _now(), "problem": code, "detail": detail})
        if torn is not None:
            opening.append({"kind": "recovery", "ts": _now(), "torn_bytes_b64": torn})
        if opening:
            self._write_now([self._seal(r) for r in opening])

    def close(self) -> None:
        if self._checkpoints is not None:
            self._checkpoints.close()
            self._checkpoints = None
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def rotate_key(self) -> str:
        """Switch to a fresh audit key (older keys keep verifying); returns the new ``kid``."""
        kid = kr.rotate(self.key_file)
        self._ring = kr.load_or_create(self.key_file)
        if self._checkpoints is not None:
            self._checkpoints.ring = self._ring
        return kid

    def _recover_tail(self) -> tuple[str | None, list[bytes]]:
        """Find the last complete record (seq, hash); cut off and return a torn tail, if any.

        Returns the complete lines as bytes (parsed only where needed: a long log must not become
        millions of dicts at start-up)."""
        assert self._fd is not None
        size = os.fstat(self._fd).st_size
        if size == 0:
            return None, []
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
            except (ValueError, KeyError, TypeError) as exc:
                raise AuditLogError(
                    f"审计日志最后一条记录已损坏。/ The last audit record in {self.path} is damaged."
                ) from exc
        return torn, lines

    # --- writing -------------------------------------------------------------------------------
    def _seal(self, record: dict[str, Any]) -> dict[str, Any]:
        if self._ring is None:
            raise AuditLogError("审计日志未打开。/ The audit log is not open.")
        self._seq += 1
        rec = {**redact(record), "seq": self._seq, "prev_hash": self._last, "kid": self._ring.current}
        if self.writer:
            rec["writer"] = self.writer
        if self._needs_log_id:
            rec["log_id"], self._needs_log_id = self._log_id, False
        rec["hash"] = self._ring.mac(self._ring.current, canonical(rec))
        self._last = rec["hash"]
        return rec

    def _write_now(self, records: list[dict[str, Any]]) -> None:
        if self._fd is None or self._checkpoints is None:
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
        last = records[-1]
        self._checkpoints.write(
            log_id=self._log_id, count=int(last["seq"]), head=str(last["hash"]), ts=_now()
        )

    async def append(self, record: dict[str, Any]) -> dict[str, Any]:
        """Durably append ``record``; returns it sealed (seq, prev_hash, hash) once fsync'd."""
        if self._broken:
            raise AuditLogError(self._broken)
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending.append((record, fut))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return await fut

    async def _flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                sealed = [self._seal(rec) for rec, _ in batch]
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


def _parsed(lines: list[bytes], containing: bytes = b"") -> Iterator[dict[str, Any]]:
    for line in lines:
        if containing and containing not in line:
            continue
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if isinstance(rec, dict):
            yield rec


def _record_at(lines: list[bytes], seq: int) -> dict[str, Any] | None:
    """The record with ``seq``: normally on line ``seq``; else (a damaged log) found by a scan."""
    if 0 < seq <= len(lines):
        guess = next(_parsed(lines[seq - 1 : seq]), None)
        if guess is not None and guess.get("seq") == seq:
            return guess
    return next((r for r in _parsed(lines) if r.get("seq") == seq), None)


def _compare_with_checkpoint(
    lines: list[bytes], last_seq: int, cp: ckpt.Checkpoint | None, log_id: str
) -> tuple[str, str] | None:
    """What is wrong with the log found at start-up, judged against the last checkpoint."""
    if cp is None or cp.count == 0:
        return None
    if not lines:
        return (
            "tail-deleted",
            f"the log is empty; its checkpoint signed {cp.count} records of log {cp.log_id}",
        )
    if cp.log_id != log_id:
        return "swapped", f"the log {log_id} is not the log {cp.log_id} the checkpoint signed"
    if last_seq < cp.count:
        return "tail-deleted", f"the log ends at record {last_seq}; its checkpoint signed {cp.count}"
    signed = _record_at(lines, cp.count)
    if signed is None or signed.get("hash") != cp.head:
        return "rewritten", f"record {cp.count} is not the one the checkpoint signed"
    return None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")
