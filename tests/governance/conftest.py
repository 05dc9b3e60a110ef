"""Governance test fixtures: the app on the session's real Neo4j with governance settings, users."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from api.app import create_app
from api.services.passwords import hash_password
from riskgraph.settings import Settings
from tests.api.conftest import make_settings
from tests.support.keys import issue_key, use_settings

GOOD_PASSWORD = "Kx7#mQ2v!Lp9wR"


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def gov_overrides(var: Path, **extra) -> dict:
    return {
        "gov_lockout_threshold": 3,
        "gov_monitor_interval_min": 0,
        "gov_dispute_rerun": "sync",
        "api_auth_cache_s": 0.0,
        **extra,
    }


@pytest.fixture(scope="session")
def gov_var(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("gov-var")


@pytest.fixture(scope="session")
def gov_settings(neo4j_settings: Settings, gov_var: Path) -> Settings:
    settings = make_settings(neo4j_settings, gov_var, **gov_overrides(gov_var))
    use_settings(settings)
    return settings


@pytest.fixture(scope="module")
def gov_client(gov_settings: Settings, neo4j_driver: Driver) -> Iterator[TestClient]:
    use_settings(gov_settings)  # a worker may have run the API package's modules in between
    with TestClient(create_app(gov_settings), raise_server_exceptions=False) as c:
        yield c


def make_user(
    driver: Driver,
    user_id: str,
    *,
    branch: str | None = "HQ",
    roles: tuple[str, ...] = ("examiner",),
    password: str | None = GOOD_PASSWORD,
    pii: bool = False,
    must_change: bool = False,
    changed_days_ago: int = 0,
) -> str:
    """A user straight in Neo4j (as `riskgraph users create` would leave it after a password change)."""
    driver.execute_query(
        """
        CREATE (u:User {user_id: $user_id})
        SET u.name = $user_id, u.branch = $branch, u.roles = $roles, u.pii = $pii, u.created_at = datetime(),
            u.created_by = 'test', u.password_hash = $hash, u.password_history = [],
            u.password_changed_at = datetime() - duration({days: $days}), u.must_change_password = $must_change,
            u.failed_logins = 0, u.locked = false
        """,
        {
            "user_id": user_id,
            "branch": branch,
            "roles": list(roles),
            "pii": pii,
            "hash": hash_password(password) if password else None,
            "days": changed_days_ago,
            "must_change": must_change,
        },
    )
    return user_id


def key_for(driver: Driver, user_id: str, scopes: list[str], ttl_days: int = 1) -> str:
    """A key for an existing user (``driver``: the session's server, where ``make_user`` put it)."""
    return issue_key(user_id, scopes, ttl_days=ttl_days)[1]


def bearer(token: str, purpose: str | None = None) -> dict[str, str]:
    h = {"Authorization": f"Bearer {token}"}
    if purpose:
        h["X-Purpose-Ref"] = purpose
    return h


def login(client: TestClient, user_id: str, password: str = GOOD_PASSWORD):
    return client.post("/v1/auth/login", json={"username": user_id, "password": password})
