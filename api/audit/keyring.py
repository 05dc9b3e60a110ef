"""The audit MAC key: a secret the server holds and the audit log never contains.

Why a keyed MAC and not a plain hash: anyone who can write the log file can recompute SHA-256 over
an edited record and every later one; without this key they cannot recompute an HMAC. The keyring is
one small JSON file, mode 600, beside the server's other secrets (``var/api``, like the API-key
pepper), never in the log and never in an API answer.

Rotation: :func:`rotate` adds a new key and makes it current; older keys stay (read-only) so that
records and checkpoints sealed under them still verify. Each record names its key by ``kid``.

The keyring also remembers the identity (``log_id``) of every log it has sealed, so a log swapped
for another one — even one made with the same key — is recognised.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

KEY_FILE_NAME = "audit-mac.key"


class KeyringError(RuntimeError):
    """The keyring cannot be read or written (the log then cannot be sealed or verified)."""


@dataclass
class Keyring:
    path: Path
    current: str
    keys: dict[str, bytes]
    logs: dict[str, str] = field(default_factory=dict)

    def mac(self, kid: str, data: bytes) -> str:
        key = self.keys.get(kid)
        if key is None:
            raise KeyError(kid)
        return hmac.new(key, data, hashlib.sha256).hexdigest()

    def verify(self, kid: str, data: bytes, mac: str) -> bool:
        key = self.keys.get(kid)
        if key is None or not isinstance(mac, str):
            return False
        return hmac.compare_digest(hmac.new(key, data, hashlib.sha256).hexdigest(), mac)

    def save(self) -> None:
        """Write atomically (temp file, fsync, rename), mode 600."""
        body = {
            "current": self.current,
            "keys": {k: v.hex() for k, v in self.keys.items()},
            "logs": self.logs,
            "updated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + f".tmp{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, json.dumps(body, indent=1).encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, self.path)
        _fsync_dir(self.path.parent)


def default_key_file(log_path: Path) -> Path:
    return log_path.parent / KEY_FILE_NAME


def load(path: Path) -> Keyring | None:
    """The keyring at ``path``, or ``None`` when there is none yet."""
    if not path.exists():
        return None
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        keys = {str(k): bytes.fromhex(v) for k, v in raw["keys"].items()}
        ring = Keyring(
            path, str(raw["current"]), keys, {str(k): str(v) for k, v in raw.get("logs", {}).items()}
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise KeyringError(f"审计密钥文件无法读取。/ The audit key file {path} cannot be read.") from exc
    if ring.current not in ring.keys:
        raise KeyringError(f"审计密钥文件缺少当前密钥。/ The audit key file {path} has no current key.")
    return ring


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Exclusive lock of the keyring's read-modify-write (released when the descriptor closes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _create_unlocked(path: Path) -> Keyring:
    ring = load(path)
    if ring is not None:
        return ring
    kid = _new_kid()
    ring = Keyring(path, kid, {kid: secrets.token_bytes(32)})
    ring.save()
    return ring


def load_or_create(path: Path) -> Keyring:
    """The keyring, created with one fresh 256-bit key on first use."""
    ring = load(path)
    if ring is not None:
        return ring
    with _locked(path):
        return _create_unlocked(path)


def register_log(path: Path, name: str, log_id: str) -> Keyring:
    """Remember that the log file ``name`` has identity ``log_id``; returns the keyring as saved."""
    with _locked(path):
        ring = _create_unlocked(path)
        if ring.logs.get(name) != log_id:
            ring.logs[name] = log_id
            ring.save()
        return ring


def rotate(path: Path) -> str:
    """Add a fresh key and make it current; returns its ``kid``. Older keys keep verifying."""
    with _locked(path):
        ring = _create_unlocked(path)
        kid = _new_kid()
        ring.keys[kid] = secrets.token_bytes(32)
        ring.current = kid
        ring.save()
        return kid


def _new_kid() -> str:
    return "k" + datetime.now(UTC).strftime("%Y%m%d%H%M%S") + secrets.token_hex(6)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
