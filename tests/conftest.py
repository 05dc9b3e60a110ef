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

The workers share the modules out whole (``--dist loadfile``: a module's fixtures are built once),
costliest first, so that the two workers finish together instead of one starting the longest set-up
when the other is nearly done; the schema fuzzing goes out one role at a time (see ``work_unit``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from neo4j import Driver

from graph_model.connection import open_driver
from graph_model.constraints import apply_schema
from riskgraph import neo4j_server
from riskgraph.settings import Settings
from tests.support.child_env import child_env

if TYPE_CHECKING:
    from xdist.remote import Producer
    from xdist.scheduler import Scheduling


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


@pytest.fixture(scope="session")
def xs_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generator's xs data set (seed 11), made once per session for the generator and the ingest
    tests, which only read it (generation is deterministic by seed)."""
    from ingest.generator.generate import generate

    out = tmp_path_factory.mktemp("gen") / "xs"
    generate(out, scale="xs", seed=11)
    return out


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


#: Modules whose set-up costs most, handed out first. Only the order of the weights matters: they are
#: roughly the set-up seconds `--durations` reported on the 2-core CI machine (the executors' module:
#: its whole run, one process on a loaded machine; the schema fuzzing's
#: per role is an estimate, not timed alone). xdist's own order (most tests first) would start them last, when one worker
#: finishing a long set-up alone makes the whole run wait for it.
COSTLIEST_FIRST: dict[str, float] = {
    "tests/risk_rules/test_demo_bank.py": 130.0,  # the demo's data stages, a 12-month backfill
    "tests/ingest/test_er_incremental_ingest.py": 95.0,  # the xs world ingested twice
    "tests/risk_rules/test_executors.py": 90.0,  # xs world loaded, rules run 4× (one on Spark local)
    "tests/risk_rules/test_generated_world.py": 75.0,  # generate, ingest and rules through the CLI
    "tests/ingest/test_generator_xs.py": 60.0,  # the xs world ingested with entity resolution
    "tests/foundation/test_db_lifecycle.py": 36.0,  # a Neo4j of its own started and stopped
    "tests/ingest/test_resume.py": 33.0,
    "tests/ingest/test_resume_db_kill.py": 33.0,
}
#: Modules of many independent, slow cases whose last parameter is the API role: one work unit per
#: role (each builds the module's fixtures again, seconds), so that one worker is not left with all.
SPLIT_BY_ROLE: dict[str, float] = {"tests/api/test_schemathesis.py": 60.0}


def work_unit(nodeid: str) -> tuple[str, float]:
    """The work unit of a test (its module, or its module and role) and the unit's known cost."""
    module = nodeid.split("::", 1)[0]
    if module in SPLIT_BY_ROLE:
        role = nodeid.rsplit("[", 1)[-1].rstrip("]") if nodeid.endswith("]") else ""
        return f"{module}::{role}", SPLIT_BY_ROLE[module]
    return module, COSTLIEST_FIRST.get(module, 0.0)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Order the work units costliest first (a stable sort: the rest keep the collection order, and a
    unit's tests theirs). Every worker collects the same order, as xdist requires."""
    first_seen: dict[str, int] = {}
    for i, item in enumerate(items):
        first_seen.setdefault(work_unit(item.nodeid)[0], i)

    def order(item: pytest.Item) -> tuple[float, int]:
        unit, cost = work_unit(item.nodeid)
        return -cost, first_seen[unit]

    items.sort(key=order)


def pytest_xdist_make_scheduler(config: pytest.Config, log: Producer) -> Scheduling | None:
    """``--dist loadfile`` by work unit: a module runs whole on one worker (its module-scoped fixtures
    built once) except the modules split by role, and the units go out in the collection order above
    (xdist would reorder them by their number of tests)."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class WorkUnitScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return work_unit(nodeid)[0]

    config.option.loadscopereorder = False
    return WorkUnitScheduling(config, log)
