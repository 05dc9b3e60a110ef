"""An ingest whose database is killed (SIGKILL of the Neo4j process) midway, rerun after the restart
(store recovery), ends in the same graph as an uninterrupted one."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest
from neo4j import Driver

from graph_model import schema as s
from graph_model.connection import open_driver
from ingest.fingerprint import graph_fingerprint
from ingest.pipeline import run_ingest
from riskgraph import neo4j_server
from riskgraph.settings import Settings

# slow: kills and restarts a server (a minute or more on a shared 2-core machine)
pytestmark = [
    pytest.mark.neo4j,
    pytest.mark.slow,
    pytest.mark.skipif(bool(os.environ.get("NEO4J_URI")), reason="kills a locally run server"),
]
CHUNK = 300


def test_database_killed_midway_then_rerun_equals_uninterrupted(
    neo4j_settings: Settings, clean_graph: Driver, xs_dataset: Path
) -> None:
    folder = xs_dataset / "registry"
    assert run_ingest(clean_graph, [folder], "registry", chunk_size=CHUNK).ok
    want = graph_fingerprint(clean_graph)
    with clean_graph.session() as session:
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()

    settings = neo4j_settings
    driver = open_driver(settings.bolt_uri, settings.neo4j_user, settings.resolved_password())
    failure: list[BaseException] = []

    def load() -> None:
        try:
            run_ingest(driver, [folder], "registry", chunk_size=CHUNK)
        except BaseException as exc:  # noqa: BLE001 — the expected outcome: the database went away
            failure.append(exc)

    worker = threading.Thread(target=load)
    worker.start()
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and worker.is_alive():
        records, _, _ = clean_graph.execute_query(f"MATCH (n:{s.SOURCE_RECORD}) RETURN count(n) AS n")
        if records[0]["n"] >= 3 * CHUNK:
            break
        time.sleep(0.05)
    pid = neo4j_server.read_pid(settings)
    assert pid and worker.is_alive(), "the ingest finished before the database could be killed"
    os.kill(pid, signal.SIGKILL)
    worker.join(timeout=300)
    driver.close()
    assert failure, "the ingest should have failed when its database died"
    neo4j_server.start(settings)  # recovery of the killed store

    clean_graph.verify_connectivity()
    records, _, _ = clean_graph.execute_query(f"MATCH (n:{s.SOURCE_RECORD}) RETURN count(n) AS n")
    partial = records[0]["n"]
    assert 0 < partial < want.labels[s.SOURCE_RECORD]
    again = run_ingest(clean_graph, [folder], "registry", chunk_size=CHUNK)
    assert again.ok and again.resumed
    got = graph_fingerprint(clean_graph)
    assert got.labels == want.labels and got.types == want.types and got.digest == want.digest
