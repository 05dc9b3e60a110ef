"""Turning a presented API key into a :class:`Principal` (who, which scopes) — or refusing it.

Argon2 verification is deliberately slow (~tens of ms), which would eat the pre-loan check's whole
latency budget; so a key verified once is trusted for ``cache_s`` seconds, keyed by its HMAC lookup
(never by the key itself). Revocation through the API clears the cache at once; a key revoked
directly in the database stops working within ``cache_s``.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from api.security.keys import lookup_hash, verify_key
from api.security.roles import PII_SCOPE, ROLES


@dataclass(frozen=True)
class Principal:
    key_id: str
    user_id: str
    user_name: str | None
    scopes: frozenset[str]
    expires_at: datetime | None = None

    @property
    def roles(self) -> list[str]:
        return sorted(s for s in self.scopes if s in ROLES)

    @property
    def pii(self) -> bool:
        return PII_SCOPE in self.scopes


@dataclass
class _Cached:
    principal: Principal
    until: float


class KeyLookup(Protocol):
    """What the authenticator needs of the user/key store (:class:`api.repositories.users.UserRepository`)."""

    async def find_by_lookup(self, lookup: str) -> dict[str, Any] | None: ...


@dataclass
class Authenticator:
    repo: KeyLookup
    pepper: str
    cache_s: float
    _cache: dict[str, _Cached] = field(default_factory=dict)

    async def authenticate(self, key: str) -> Principal | None:
        if not key.startswith("rg_") or len(key) > 200:
            return None
        lookup = lookup_hash(self.pepper, key)
        now = time.monotonic()
        hit = self._cache.get(lookup)
        if hit and hit.until > now and _valid(hit.principal.expires_at):
            return hit.principal
        row = await self.repo.find_by_lookup(lookup)
        if row is None or row["revoked_at"] is not None or not _valid(row["expires_at"]):
            self._cache.pop(lookup, None)
            return None
        if not await asyncio.to_thread(verify_key, row["hash"], key):
            return None
        principal = Principal(
            key_id=row["key_id"],
            user_id=row["user_id"],
            user_name=row["user_name"],
            scopes=frozenset(row["scopes"]),
            expires_at=row["expires_at"],
        )
        self._cache[lookup] = _Cached(principal, now + self.cache_s)
        return principal

    def forget(self, lookup: str | None = None) -> None:
        if lookup is None:
            self._cache.clear()
        else:
            self._cache.pop(lookup, None)


def _valid(expires_at: datetime | None) -> bool:
    return expires_at is None or expires_at > datetime.now(UTC)
