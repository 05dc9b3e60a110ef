"""API keys and users in Neo4j (labels ``User``/``ApiKey``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from neo4j import Driver

from api.repositories.base import Neo4jRepository, jsonable
from api.security.keys import hash_key, lookup_hash, new_key
from graph_model.schema import API_KEY, HAS_API_KEY, USER

CREATE_KEY = f"""
MERGE (u:{USER} {{user_id: $user_id}})
  ON CREATE SET u.name = $name, u.created_at = datetime()
CREATE (k:{API_KEY} {{key_id: $key_id, lookup: $lookup, hash: $hash, scopes: $scopes, label: $label,
                     user_id: $user_id, created_at: datetime(), expires_at: datetime($expires_at)}})
CREATE (u)-[:{HAS_API_KEY}]->(k)
RETURN k.key_id AS key_id
"""

FIND_BY_LOOKUP = f"""
MATCH (k:{API_KEY} {{lookup: $lookup}})
OPTIONAL MATCH (u:{USER})-[:{HAS_API_KEY}]->(k)
WITH k, u WHERE NOT coalesce(u.locked, false)  // governance (#8): a locked account's keys and sessions stop
RETURN k.key_id AS key_id, k.hash AS hash, k.scopes AS scopes, k.expires_at AS expires_at,
       k.revoked_at AS revoked_at, k.user_id AS user_id, u.name AS user_name
"""

LIST_KEYS = f"""
MATCH (k:{API_KEY})
WHERE $after IS NULL OR k.key_id > $after
RETURN k.key_id AS key_id, k.user_id AS user_id, k.scopes AS scopes, k.label AS label,
       k.created_at AS created_at, k.expires_at AS expires_at, k.revoked_at AS revoked_at
ORDER BY k.key_id LIMIT $limit
"""

REVOKE_KEY = f"""
MATCH (k:{API_KEY} {{key_id: $key_id}})
SET k.revoked_at = coalesce(k.revoked_at, datetime())
RETURN k.key_id AS key_id, k.lookup AS lookup
"""


def key_params(
    pepper: str, user_id: str, name: str, scopes: list[str], label: str, ttl_days: int
) -> tuple[str, dict[str, Any]]:
    """(the key to hand to the user once, the Cypher parameters that store only its hashes)."""
    key_id, key = new_key()
    expires = datetime.now(UTC) + timedelta(days=ttl_days)
    return key, {
        "user_id": user_id,
        "name": name,
        "key_id": key_id,
        "lookup": lookup_hash(pepper, key),
        "hash": hash_key(key),
        "scopes": sorted(set(scopes)),
        "label": label,
        "expires_at": expires.isoformat(),
    }


def create_key_sync(
    driver: Driver,
    database: str,
    pepper: str,
    *,
    user_id: str,
    name: str,
    scopes: list[str],
    label: str,
    ttl_days: int,
) -> tuple[str, str]:
    """For the CLI: issue a key; returns (key_id, key)."""
    key, params = key_params(pepper, user_id, name, scopes, label, ttl_days)
    driver.execute_query(CREATE_KEY, params, database_=database)
    return params["key_id"], key


class KeyRepository(Neo4jRepository):
    async def find_by_lookup(self, lookup: str) -> dict[str, Any] | None:
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

    async def create(
        self, pepper: str, *, user_id: str, name: str, scopes: list[str], label: str, ttl_days: int
    ) -> tuple[dict[str, Any], str]:
        key, params = key_params(pepper, user_id, name, scopes, label, ttl_days)
        await self.write(CREATE_KEY, **params)
        return {
            "key_id": params["key_id"],
            "user_id": user_id,
            "scopes": params["scopes"],
            "label": label,
            "expires_at": params["expires_at"],
        }, key

    async def list(self, after: str | None, limit: int) -> list[dict[str, Any]]:
        return jsonable(await self.read(LIST_KEYS, after=after, limit=limit))

    async def revoke(self, key_id: str) -> dict[str, Any] | None:
        rows = await self.write(REVOKE_KEY, key_id=key_id)
        return rows[0] if rows else None
