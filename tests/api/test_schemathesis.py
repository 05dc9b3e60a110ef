"""Property-based: every operation of the OpenAPI schema, bounded examples, against a live server.

Checks: no 5xx, responses conform to the documented schema and content type. Runs uvicorn on
loopback (the app's own lifespan, the real Neo4j) once with a key holding every scope and once
with a key of each role alone (their 403s must be documented problems too). Every operation is
exercised with every role; the audit check, which has no inputs but the headers, gets fewer examples.
"""

from __future__ import annotations

import threading
import time

import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from api.app import create_app
from api.security.roles import ROLES, SCOPES
from riskgraph import neo4j_server
from tests.api.conftest import make_settings
from tests.support.keys import issue_key

pytestmark = pytest.mark.neo4j

schema = schemathesis.openapi.from_dict(create_app().openapi())


@pytest.fixture(scope="module")
def live(neo4j_settings, api_settings, graph, tmp_path_factory):
    var = tmp_path_factory.mktemp("st")
    # conformance, not latency (bench/api measures that): a generous query budget on a loaded machine
    s = make_settings(
        neo4j_settings, var, api_rate_per_s=100000.0, api_rate_burst=100000, api_query_timeout_s=120.0
    )
    keys = {"all": issue_key("fuzz", list(SCOPES))[1]}
    keys.update({role: issue_key(f"fuzz-{role}", [role])[1] for role in ROLES})
    port = neo4j_server.free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(s), host="127.0.0.1", port=port, log_level="warning"))
    t = threading.Thread(target=server.run, daemon=True)
    t.start()
    deadline = time.time() + 30
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", keys
    server.should_exit = True
    t.join(timeout=15)


#: The costliest operation per call: a whole monitoring pass (verify the audit chain, scan every record
#: of the log the fuzzing itself keeps growing, store the flags in the graph). It has no inputs but the
#: authentication headers, so it gets fewer examples — still with every role and every check.
LOG_SCAN = {"path": "/v1/audit/flags/check", "method": "POST"}


def _call_and_validate(case, live, who: str) -> None:
    base, keys = live
    case.call_and_validate(
        base_url=base,
        headers={"X-API-Key": keys[who]},
        timeout=120,  # a shared, loaded test machine: the server answers 503 itself when Neo4j is too slow
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
    )


@pytest.mark.parametrize("who", ["all", *ROLES])
@schema.exclude(**LOG_SCAN).parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case, live, who):
    _call_and_validate(case, live, who)


@pytest.mark.parametrize("who", ["all", *ROLES])
@schema.include(**LOG_SCAN).parametrize()
@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_audit_log_scan_conforms_to_its_schema(case, live, who):
    _call_and_validate(case, live, who)
