"""Signed checkpoints of the audit log, kept apart from it: record count, head MAC, log identity.

Why: a keyed chain alone proves that every record present is genuine and in order, but not that
none is missing at the end — cutting the tail of a valid chain leaves a valid chain. The checkpoint
says how long the log was and what its last record was, signed with the audit key, so a shorter or
different log is recognised.

Layout: a small file of two fixed-size slots written alternately with ``pwrite`` + ``fsync`` (one
fsync per group commit, the file never grows). A crash in the middle of one slot leaves the other
intact; the reader takes the valid slot with the higher serial. The file lives in its own folder
(default ``audit-checkpoints/`` beside the log) so that it can be a different mount, owner or a
write-once store: see docs/governance.md for the threat model.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from api.audit.keyring import Keyring

SLOT = 512
CHECKPOINT_DIR_NAME = "audit-checkpoints"


@dataclass(frozen=True)
class Checkpoint:
    serial: int
    log_id: str
    count: int
    head: str
    ts: str
    kid: str
    mac: str

    def body(self) -> dict[str, Any]:
        return {
            "serial": self.serial,
            "log_id": self.log_id,
            "count": self.count,
            "head": self.head,
            "ts": self.ts,
            "kid": self.kid,
        }


@dataclass(frozen=True)
class CheckpointRead:
    """What the checkpoint file holds: the newest valid checkpoint, and whether a slot was forged."""

    latest: Checkpoint | None
    exists: bool
    forged: bool = False
    damaged: bool = False


def default_checkpoint_file(log_path: Path) -> Path:
    return log_path.parent / CHECKPOINT_DIR_NAME / f"{log_path.name}.ckpt"


def _canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def sign(ring: Keyring, *, serial: int, log_id: str, count: int, head: str, ts: str) -> Checkpoint:
    unsigned = Checkpoint(serial, log_id, count, head, ts, ring.current, "")
    mac = ring.mac(ring.current, _canonical(unsigned.body()))
    return Checkpoint(serial, log_id, count, head, ts, ring.current, mac)


def encode(cp: Checkpoint) -> bytes:
    line = json.dumps({**cp.body(), "mac": cp.mac}, sort_keys=True, separators=(",", ":")).encode()
    if len(line) > SLOT - 1:
        raise ValueError("checkpoint too long for its slot")
    return line + b" " * (SLOT - 1 - len(line)) + b"\n"


def read(path: Path, ring: Keyring | None) -> CheckpointRead:
    """The newest checkpoint whose MAC verifies; ``forged`` when a complete slot does not verify."""
    if not path.exists():
        return CheckpointRead(None, False)
    data = path.read_bytes()
    best: Checkpoint | None = None
    forged = damaged = False
    for i in range(0, max(len(data), 1), SLOT):
        chunk = data[i : i + SLOT].strip()
        if not chunk:
            continue
        try:
            raw = json.loads(chunk)
            cp = Checkpoint(
                serial=int(raw["serial"]),
                log_id=str(raw["log_id"]),
                count=int(raw["count"]),
                head=str(raw["head"]),
                ts=str(raw["ts"]),
                kid=str(raw["kid"]),
                mac=str(raw["mac"]),
            )
        except (ValueError, KeyError, TypeError):
            damaged = True  # a slot torn by a crash mid-write: the other slot still holds
            continue
        if ring is None or not ring.verify(cp.kid, _canonical(cp.body()), cp.mac):
            forged = True
            continue
        if best is None or cp.serial > best.serial:
            best = cp
    return CheckpointRead(best, True, forged=forged, damaged=damaged and best is None)


class CheckpointWriter:
    """Holds the checkpoint file open; :meth:`write` is called after each fsync'd batch of records."""

    def __init__(self, path: Path, ring: Keyring) -> None:
        self.path = path
        self.ring = ring
        self._fd: int | None = None
        self._serial = 0

    def open(self) -> Checkpoint | None:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        current = read(self.path, self.ring).latest
        self._serial = current.serial if current else 0
        return current

    def write(self, *, log_id: str, count: int, head: str, ts: str) -> None:
        if self._fd is None:
            raise OSError("checkpoint file not open")
        self._serial += 1
        cp = sign(self.ring, serial=self._serial, log_id=log_id, count=count, head=head, ts=ts)
        os.pwrite(self._fd, encode(cp), (self._serial % 2) * SLOT)
        os.fsync(self._fd)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
