"""API test fixtures: the app on the session's real Neo4j, API keys per role, the sample graph."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from neo4j import Driver

from api.app import create_app
from api.security.roles import ROLES
from riskgraph.settings import Settings
from tests.api import sample_graph
from tests.support.keys import PEPPER, issue_key, use_settings


@pytest.fixture(scope="session")
def api_var(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("api-var")


def make_settings(neo4j_settings: Settings, var: Path, **overrides) -> Settings:
    return neo4j_settings.model_copy(
        update={
            "var_dir": var,
            "api_key_pepper": PEPPER,
            "api_audit_log": var / "audit.jsonl",
            "api_auth_cache_s": 30.0,
            **overrides,
        }
    )


@pytest.fixture(scope="session")
def api_settings(neo4j_settings: Settings, api_var: Path) -> Settings:
    settings = make_settings(neo4j_settings, api_var)
    use_settings(settings)
    return settings


@pytest.fixture(scope="module")
def graph(neo4j_driver: Driver) -> Driver:
    """The sample graph, built once per test module (tests must not change it, or rebuild)."""
    with neo4j_driver.session() as session:
        session.run("MATCH (n) WHERE NOT n:ApiKey AND NOT n:User DETACH DELETE n").consume()
    sample_graph.build(neo4j_driver)
    return neo4j_driver


@pytest.fixture(scope="module")
def keys(neo4j_driver: Driver, api_settings: Settings) -> dict[str, str]:
    """One key per role, one approver key with pii, one expired and one revoked key.

    Issued per module: under ``make test`` a worker runs other packages' modules in between, and
    those may empty the graph (keys and users included) with ``clean_graph``."""
    use_settings(api_settings)
    out: dict[str, str] = {}
    for role in ROLES:
        out[role] = issue_key(f"test-{role}", [role], name=role)[1]
    out["approver+pii"] = issue_key("test-pii", ["approver", "examiner", "pii"], name="pii")[1]
    out["expired"] = issue_key("test-exp", ["approver"], ttl_days=-1, name="exp")[1]
    kid, out["revoked"] = issue_key("test-rev", ["approver"], name="rev")
    neo4j_driver.execute_query("MATCH (k:ApiKey {key_id: $k}) SET k.revoked_at = datetime()", {"k": kid})
    return out


@pytest.fixture(scope="module")
def client(api_settings: Settings, keys: dict[str, str]) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings), raise_server_exceptions=False) as c:
        yield c


def auth(keys: dict[str, str], who: str, purpose: str | None = "TEST-CASE-1") -> dict[str, str]:
    h = {"X-API-Key": keys[who]}
    if purpose:
        h["X-Purpose-Ref"] = purpose
    return h
