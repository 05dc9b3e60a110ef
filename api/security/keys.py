"""API key format and hashing.

A key is ``rg_<key_id>_<secret>``. Neo4j stores two things about it, never the key itself:
- ``lookup``: HMAC-SHA256(pepper, key) — a fast, indexed way to find the record (the pepper lives
  outside the database, so a stolen database does not allow offline guessing);
- ``hash``: argon2id(key) — the slow, salted proof that the key is genuine.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


def new_key() -> tuple[str, str]:
    """A fresh (key_id, key)."""
    key_id = secrets.token_hex(6)
    return key_id, f"rg_{key_id}_{secrets.token_urlsafe(32)}"


def lookup_hash(pepper: str, key: str) -> str:
    return hmac.new(pepper.encode(), key.encode(), hashlib.sha256).hexdigest()


def hash_key(key: str) -> str:
    return _hasher.hash(key)


def verify_key(stored_hash: str, key: str) -> bool:
    try:
        return _hasher.verify(stored_hash, key)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def load_or_create_pepper(configured: str | None, folder: Path) -> str:
    """The configured pepper, else one generated once into ``folder/key-pepper`` (mode 600).

    Several worker processes start at once: the pepper is written to a temporary file and linked into
    place (``link`` fails when the name exists), so exactly one pepper wins and every worker reads it
    whole, never a half-written file."""
    if configured:
        return configured
    path = folder / "key-pepper"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".key-pepper.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(secrets.token_urlsafe(32))
        fh.flush()
        os.fsync(fh.fileno())
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass  # another worker was first: its pepper is the installation's
    finally:
        tmp.unlink()
    return path.read_text(encoding="utf-8").strip()
