"""Test fixtures: a real Neo4j for the whole test session, never a mock.

By default the session starts its own isolated server (free port, its own data folder under the
pytest temp dir, small memory) with the same runner `riskgraph db start` uses, and stops it at the
end even when tests fail. With NEO4J_URI set the tests use that server instead (same code path).
`make test` additionally passes RISKGRAPH_TEST_NEO4J_HOME so it can clean up after a hard kill.

`make test` runs the suite on several pytest-xdist workers: each worker is its own session, so each
starts its own server, in its own subfolder of that home (named after PYTEST_XDIST_WORKER). Child
processes (CLI runs) get a working folder of their own per test (RISKGRAPH_VAR_DIR), so the
entity-resolution weights they keep there (``er-state/<database>``) never reach another test or
worker, nor the repository's ``var/``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from neo4j import Driver

from graph_model.connection import open_driver
from graph_model.constraints import apply_schema
from riskgraph import neo4j_server
from riskgraph.settings import Settings
from tests.support.child_env import child_env


@pytest.fixture(scope="session")
def neo4j_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    if os.environ.get("NEO4J_URI"):
        yield Settings()
        return
    home = os.environ.get("RISKGRAPH_TEST_NEO4J_HOME")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    home_dir = Path(home) / worker if home else tmp_path_factory.mktemp("neo4j-home")
    settings = Settings(
        neo4j_data_dir=home_dir,
        neo4j_bolt_port=neo4j_server.free_port(),
        neo4j_heap=os.environ.get("RISKGRAPH_TEST_NEO4J_HEAP", "1g"),
        neo4j_pagecache=os.environ.get("RISKGRAPH_TEST_NEO4J_PAGECACHE", "512m"),
    )
    neo4j_server.start(settings)
    try:
        yield settings
    finally:
        neo4j_server.stop(settings)


@pytest.fixture
def neo4j_env(neo4j_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment for child processes (CLI runs) of one test: the test server, a fresh working folder."""
    return child_env(neo4j_settings, tmp_path_factory.mktemp("cli-var"))


@pytest.fixture(scope="session")
def neo4j_driver(neo4j_settings: Settings) -> Iterator[Driver]:
    driver = open_driver(
        neo4j_settings.bolt_uri, neo4j_settings.neo4j_user, neo4j_settings.resolved_password()
    )
    apply_schema(driver)
    try:
        yield driver
    finally:
        driver.close()


@pytest.fixture
def clean_graph(neo4j_driver: Driver) -> Driver:
    """The test server's graph emptied of data (schema kept) before the test."""
    with neo4j_driver.session() as session:
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()
    return neo4j_driver
