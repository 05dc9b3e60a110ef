"""The bulk path (neo4j-admin import) ends in the same graph as the driver path, and refuses a
database that already holds data (it would replace it)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from neo4j import Driver

from graph_model import schema as s
from graph_model.connection import open_driver
from ingest.bulk import AdminTool, BulkRefused, bulk_load
from ingest.fingerprint import graph_fingerprint
from ingest.pipeline import run_ingest
from riskgraph import neo4j_server
from riskgraph.settings import Settings

# slow: it runs a second server and restarts it around the import (minutes on a shared 2-core machine);
# run with `pytest -m slow tests/ingest/test_bulk.py`
pytestmark = [
    pytest.mark.neo4j,
    pytest.mark.slow,
    pytest.mark.skipif(bool(os.environ.get("NEO4J_URI")), reason="the bulk path needs a locally run server"),
]
SOURCES = ("registry", "core", "credit", "lists")


@pytest.fixture(scope="module")
def bulk_server(tmp_path_factory: pytest.TempPathFactory):
    settings = Settings(
        neo4j_data_dir=tmp_path_factory.mktemp("bulk-home"),
        neo4j_bolt_port=neo4j_server.free_port(),
        neo4j_heap="1g",
        neo4j_pagecache="256m",
    )
    neo4j_server.start(settings)
    try:
        yield settings
    finally:
        neo4j_server.stop(settings)


def _tools(settings: Settings):
    admin = AdminTool(
        settings.java_bin,
        str(neo4j_server.fetch_jars(settings) / "*"),
        neo4j_server.ADMIN_ENTRY_POINT,
        neo4j_server._env(settings),
        settings.server_home,
        "1g",
    )

    def driver() -> Driver:
        return open_driver(settings.bolt_uri, settings.neo4j_user, settings.resolved_password())

    return admin, (lambda: neo4j_server.stop(settings)), (lambda: neo4j_server.start(settings)), driver


def test_bulk_equals_driver_path_and_refuses_a_loaded_database(
    bulk_server: Settings, clean_graph: Driver, xs_dataset: Path, tmp_path: Path
) -> None:
    for src in SOURCES:
        assert run_ingest(clean_graph, [xs_dataset / src], src).ok
    want = graph_fingerprint(clean_graph)

    admin, stop, start, driver = _tools(bulk_server)
    res = bulk_load(
        [(src, [xs_dataset / src]) for src in SOURCES], tmp_path / "work", admin, stop, start, driver
    )
    assert all(r.ok for r in res.results)
    with driver() as d:
        got = graph_fingerprint(d)
        constraints, _, _ = d.execute_query("SHOW CONSTRAINTS YIELD name RETURN count(*) AS n")
        batches, _, _ = d.execute_query(f"MATCH (b:{s.BATCH}) RETURN b.status AS st, b.source AS src")
    assert got.labels == want.labels and got.types == want.types
    assert got.digest == want.digest
    assert res.nodes == sum(want.labels.values()) and res.relationships == sum(want.types.values())
    assert constraints[0]["n"] >= len(s.NODES), "constraints are created after the import"
    assert sorted(b["src"] for b in batches) == sorted(SOURCES) and {b["st"] for b in batches} == {
        "completed"
    }

    # a second bulk load would replace what is there: refused, nothing touched
    with pytest.raises(BulkRefused):
        bulk_load([("registry", [xs_dataset / "registry"])], tmp_path / "work2", admin, stop, start, driver)
    with driver() as d:
        assert graph_fingerprint(d).digest == want.digest
