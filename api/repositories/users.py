"""The one store of users, their passwords, sessions and API keys in Neo4j (labels ``User`` / ``ApiKey``).

Every key — issued through the API, the command line or a sign-in — is created, found, listed and
revoked here, and only :mod:`api.services.accounts` calls :meth:`UserRepository.issue_key` (after
checking the scopes against the user's roles and capping the lifetime). One async store serves the
API and (through ``asyncio.run``) the CLI, so both paths run the same Cypher. Counters that must not race (failed sign-ins → lock) are updated in a single statement.
A session is an ``ApiKey`` with ``kind = 'session'`` and a short expiry: the API's one authenticator
then accepts keys and sessions alike, with the same HMAC lookup, argon2 proof, expiry and revocation.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from api.repositories.base import Neo4jRepository, jsonable
from api.security.keys import hash_key, lookup_hash, new_key
from graph_model.schema import API_KEY, HAS_API_KEY, USER

USER_FIELDS = """u.user_id AS user_id, u.name AS name, u.branch AS branch, coalesce(u.roles, []) AS roles,
  coalesce(u.pii, false) AS pii, u.created_at AS created_at, u.created_by AS created_by,
  u.password_hash AS password_hash, coalesce(u.password_history, []) AS password_history,
  u.password_changed_at AS password_changed_at, coalesce(u.must_change_password, false) AS must_change_password,
  coalesce(u.failed_logins, 0) AS failed_logins, coalesce(u.locked, false) AS locked, u.locked_at AS locked_at,
  u.locked_reason AS locked_reason, u.last_login_at AS last_login_at"""

KEY_FIELDS = """k.key_id AS key_id, k.user_id AS user_id, k.scopes AS scopes, k.label AS label,
  coalesce(k.kind, 'api') AS kind, k.created_at AS created_at, k.expires_at AS expires_at,
  k.revoked_at AS revoked_at, k.rotated_from AS rotated_from, k.replaced_by AS replaced_by"""

GET_USER = f"MATCH (u:{USER} {{user_id: $user_id}}) RETURN {USER_FIELDS}"

LIST_USERS = f"""
MATCH (u:{USER}) WHERE $branch IS NULL OR u.branch = $branch
RETURN {USER_FIELDS} ORDER BY u.user_id LIMIT $limit
"""

CREATE_USER = f"""
OPTIONAL MATCH (x:{USER} {{user_id: $user_id}})
WITH x WHERE x IS NULL
CREATE (u:{USER} {{user_id: $user_id}})
SET u.name = $name, u.branch = $branch, u.roles = $roles, u.pii = $pii, u.created_at = datetime(),
    u.created_by = $created_by, u.password_hash = $password_hash, u.password_history = [],
    u.password_changed_at = CASE WHEN $password_hash IS NULL THEN null ELSE datetime() END,
    u.must_change_password = $password_hash IS NOT NULL, u.failed_logins = 0, u.locked = false
RETURN u.user_id AS user_id
"""

LOGIN_FAILED = f"""
MATCH (u:{USER} {{user_id: $user_id}})
SET u.failed_logins = coalesce(u.failed_logins, 0) + 1
WITH u, u.failed_logins >= $threshold AND NOT coalesce(u.locked, false) AS now_locked
SET u.locked = coalesce(u.locked, false) OR now_locked,
    u.locked_at = CASE WHEN now_locked THEN datetime() ELSE u.locked_at END,
    u.locked_reason = CASE WHEN now_locked THEN $reason ELSE u.locked_reason END
RETURN u.failed_logins AS failed_logins, u.locked AS locked, now_locked
"""

LOGIN_OK = f"""
MATCH (u:{USER} {{user_id: $user_id}})
SET u.failed_logins = 0, u.last_login_at = CASE WHEN $signed_in THEN datetime() ELSE u.last_login_at END
"""

SET_PASSWORD = f"""
MATCH (u:{USER} {{user_id: $user_id}})
SET u.password_history = CASE WHEN u.password_hash IS NULL THEN coalesce(u.password_history, [])
        ELSE (coalesce(u.password_history, []) + [u.password_hash])[-$keep..] END,
    u.password_hash = $password_hash, u.password_changed_at = datetime(),
    u.must_change_password = $must_change, u.failed_logins = 0
RETURN u.user_id AS user_id
"""

LOCK = f"""
MATCH (u:{USER} {{user_id: $user_id}})
SET u.locked = true, u.locked_at = coalesce(CASE WHEN u.locked THEN u.locked_at END, datetime()),
    u.locked_reason = $reason
RETURN u.user_id AS user_id
"""

UNLOCK = f"""
MATCH (u:{USER} {{user_id: $user_id}})
SET u.locked = false, u.failed_logins = 0, u.locked_reason = null, u.locked_at = null
RETURN u.user_id AS user_id
"""

CREATE_KEY = f"""
MATCH (u:{USER} {{user_id: $user_id}})
CREATE (k:{API_KEY} {{key_id: $key_id, lookup: $lookup, hash: $hash, scopes: $scopes, label: $label,
                     user_id: $user_id, kind: $kind, created_at: datetime(),
                     expires_at: datetime($expires_at), rotated_from: $rotated_from}})
CREATE (u)-[:{HAS_API_KEY}]->(k)
RETURN {KEY_FIELDS}
"""

FIND_BY_LOOKUP = f"""
MATCH (k:{API_KEY} {{lookup: $lookup}})
OPTIONAL MATCH (u:{USER})-[:{HAS_API_KEY}]->(k)
WITH k, u WHERE NOT coalesce(u.locked, false)  // a locked account's keys and sessions stop
RETURN k.key_id AS key_id, k.hash AS hash, k.scopes AS scopes, k.expires_at AS expires_at,
       k.revoked_at AS revoked_at, k.user_id AS user_id, u.name AS user_name
"""

LIST_KEYS = f"""
MATCH (k:{API_KEY})
WHERE $after IS NULL OR k.key_id > $after
OPTIONAL MATCH (u:{USER} {{user_id: k.user_id}})
WITH k, u WHERE $branch IS NULL OR u.branch = $branch
RETURN {KEY_FIELDS}
ORDER BY k.key_id LIMIT $limit
"""

GET_KEY = f"MATCH (k:{API_KEY} {{key_id: $key_id}}) RETURN {KEY_FIELDS}, k.lookup AS lookup"

LIST_USER_KEYS = f"""
MATCH (k:{API_KEY} {{user_id: $user_id}}) WHERE $sessions OR coalesce(k.kind, 'api') <> 'session'
RETURN {KEY_FIELDS} ORDER BY k.created_at, k.key_id
"""

RETIRE_KEY = f"""
MATCH (k:{API_KEY} {{key_id: $key_id}})
SET k.replaced_by = $new_key_id,
    k.expires_at = CASE WHEN k.expires_at IS NULL OR k.expires_at > datetime($until) THEN datetime($until)
                        ELSE k.expires_at END
RETURN k.lookup AS lookup
"""

REVOKE_KEY = f"""
MATCH (k:{API_KEY} {{key_id: $key_id}})
SET k.revoked_at = coalesce(k.revoked_at, datetime())
RETURN k.key_id AS key_id, k.lookup AS lookup
"""

REVOKE_SESSIONS = f"""
MATCH (k:{API_KEY} {{user_id: $user_id}}) WHERE k.kind = 'session' AND k.revoked_at IS NULL
SET k.revoked_at = datetime()
RETURN k.lookup AS lookup
"""


def _native(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.to_native() if hasattr(v, "to_native") else v) for k, v in row.items()}


def public_user(row: dict[str, Any]) -> dict[str, Any]:
    """A user as the API shows it: never the hashes."""
    return jsonable({k: v for k, v in row.items() if k not in ("password_hash", "password_history")})


class UserRepository(Neo4jRepository):
    # --- users ---------------------------------------------------------------------------------
    async def get(self, user_id: str) -> dict[str, Any] | None:
        rows = await self.read(GET_USER, user_id=user_id)
        return _native(rows[0]) if rows else None

    async def list_users(self, branch: str | None = None, limit: int = 1000) -> list[dict[str, Any]]:
        return [_native(r) for r in await self.read(LIST_USERS, branch=branch, limit=limit)]

    async def create(
        self,
        *,
        user_id: str,
        name: str,
        branch: str | None,
        roles: list[str],
        pii: bool,
        password_hash: str | None,
        created_by: str,
    ) -> bool:
        """False when the user id is taken."""
        rows = await self.write(
            CREATE_USER,
            user_id=user_id,
            name=name,
            branch=branch,
            roles=sorted(set(roles)),
            pii=pii,
            password_hash=password_hash,
            created_by=created_by,
        )
        return bool(rows)

    async def login_failed(self, user_id: str, threshold: int) -> dict[str, Any] | None:
        rows = await self.write(
            LOGIN_FAILED,
            user_id=user_id,
            threshold=threshold,
            reason=f"连续 {threshold} 次登录失败 / {threshold} consecutive failed sign-ins",
        )
        return rows[0] if rows else None

    async def login_ok(self, user_id: str, *, signed_in: bool = True) -> None:
        await self.write(LOGIN_OK, user_id=user_id, signed_in=signed_in)

    async def set_password(self, user_id: str, password_hash: str, *, keep: int, must_change: bool) -> bool:
        rows = await self.write(
            SET_PASSWORD,
            user_id=user_id,
            password_hash=password_hash,
            keep=max(keep, 1),
            must_change=must_change,
        )
        return bool(rows)

    async def lock(self, user_id: str, reason: str) -> list[str]:
        """Lock the account and end its sessions; returns the lookups to drop from the auth cache."""
        rows = await self.write(LOCK, user_id=user_id, reason=reason)
        if not rows:
            return []
        return await self.revoke_sessions(user_id)

    async def unlock(self, user_id: str) -> bool:
        return bool(await self.write(UNLOCK, user_id=user_id))

    async def revoke_sessions(self, user_id: str) -> list[str]:
        return [r["lookup"] for r in await self.write(REVOKE_SESSIONS, user_id=user_id)]

    # --- keys and sessions ---------------------------------------------------------------------
    async def issue_key(
        self,
        pepper: str,
        *,
        user_id: str,
        scopes: list[str],
        label: str,
        ttl: timedelta,
        kind: str = "api",
        rotated_from: str | None = None,
    ) -> tuple[dict[str, Any], str]:
        """Store a new key's hashes; returns (its record, the key itself — shown once)."""
        key_id, key = new_key()
        rows = await self.write(
            CREATE_KEY,
            user_id=user_id,
            key_id=key_id,
            lookup=lookup_hash(pepper, key),
            hash=hash_key(key),
            scopes=sorted(set(scopes)),
            label=label,
            kind=kind,
            expires_at=(datetime.now(UTC) + ttl).isoformat(),
            rotated_from=rotated_from,
        )
        if not rows:
            raise KeyError(user_id)
        return jsonable(rows[0]), key

    async def find_by_lookup(self, lookup: str) -> dict[str, Any] | None:
        """The key whose HMAC lookup is ``lookup`` (for the authenticator); None when unknown or locked."""
        rows = await self.read_raw(FIND_BY_LOOKUP, lookup=lookup)
        if not rows:
            return None
        r = rows[0]
        return {
            "key_id": r["key_id"],
            "hash": r["hash"],
            "scopes": list(r["scopes"] or []),
            "expires_at": r["expires_at"].to_native() if r["expires_at"] is not None else None,
            "revoked_at": r["revoked_at"].to_native() if r["revoked_at"] is not None else None,
            "user_id": r["user_id"],
            "user_name": r["user_name"],
        }

    async def list_keys(
        self, after: str | None, limit: int, branch: str | None = None
    ) -> list[dict[str, Any]]:
        """Keys and sessions in key-id order; with ``branch``, only keys of that branch's users."""
        return jsonable(await self.read(LIST_KEYS, after=after, limit=limit, branch=branch))

    async def get_key(self, key_id: str) -> dict[str, Any] | None:
        rows = await self.read(GET_KEY, key_id=key_id)
        return _native(rows[0]) if rows else None

    async def keys_of(self, user_id: str, *, sessions: bool = False) -> list[dict[str, Any]]:
        return jsonable(await self.read(LIST_USER_KEYS, user_id=user_id, sessions=sessions))

    async def retire_key(self, key_id: str, new_key_id: str, until: datetime) -> str | None:
        rows = await self.write(RETIRE_KEY, key_id=key_id, new_key_id=new_key_id, until=until.isoformat())
        return rows[0]["lookup"] if rows else None

    async def revoke_key(self, key_id: str) -> str | None:
        rows = await self.write(REVOKE_KEY, key_id=key_id)
        return rows[0]["lookup"] if rows else None
