"""Every endpoint × every role: allowed roles get past authorization, all others get 403."""

from __future__ import annotations

import pytest
from fastapi.routing import APIRoute

from api.security.roles import PERMISSIONS, ROLES
from tests.api import sample_graph as g
from tests.api.conftest import auth

pytestmark = pytest.mark.neo4j

SAMPLE_PATH = {
    "entity_id": "C:APPLICANT",
    "other_id": "C:SISTER",
    "alert_id": "no-such-alert",
    "circle_id": g.CIRCLE_ID,
    "group_id": "G:BOSS",
    "run_id": "R-CIRCLE-1",
    "key_id": "no-such-key",
}
SAMPLE_QUERY = {
    "/v1/entities/search": {"q": "杭州"},
    "/v1/blacklist/spread": {"since": "2026-01-01"},
    "/v1/reports/preloan/{entity_id}": {"application_ref": "LA-M", "requested_amount": 1.0},
}
SAMPLE_BODY = {
    "/v1/checks/pre-loan": {
        "application_ref": "LA-M",
        "applicant": {"uscc": g.USCC_APPLICANT},
        "requested_amount": 1.0,
    },
    "/v1/alerts/{alert_id}/triage": {"status": "dismissed"},
    "/v1/review/judgements": {"record_id_a": "x|1", "record_id_b": "x|2", "verdict": "unsure"},
    "/v1/review/splits": {"entity_id": "C:NOPE", "parts": [["a"], ["b"]]},
    "/v1/keys": {"user_id": "matrix", "scopes": ["auditor"], "ttl_days": 1},
    "/v1/simulations/default": {"entity_ids": ["C:APPLICANT"]},
}


def _permission(route: APIRoute) -> str | None:
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        perm = getattr(dep.call, "permission", None)
        if perm:
            return perm
        stack.extend(dep.dependencies)
    return None


def _routes() -> list[tuple[str, str, str]]:
    from api.app import ROUTERS

    out = []
    for route in (r for module in ROUTERS for r in module.router.routes):
        if isinstance(route, APIRoute) and route.path.startswith("/v1"):
            for method in sorted(route.methods):
                out.append((method, route.path, _permission(route)))
    return sorted(out)


ROUTES = _routes()


def test_every_v1_endpoint_declares_a_permission():
    assert ROUTES and all(perm in PERMISSIONS for _, _, perm in ROUTES), ROUTES


@pytest.mark.parametrize("method,path,perm", ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_role_matrix(client, graph, keys, method, path, perm):
    url = path.format(**SAMPLE_PATH)
    results = {}
    for role in ROLES:
        r = client.request(
            method, url, params=SAMPLE_QUERY.get(path), json=SAMPLE_BODY.get(path), headers=auth(keys, role)
        )
        results[role] = r.status_code
        allowed = role in PERMISSIONS[perm]
        if allowed:
            assert r.status_code not in (401, 403), (role, r.status_code, r.text)
            assert r.status_code < 500, (role, r.text)
        else:
            assert r.status_code == 403, (role, r.status_code)
    assert any(c == 403 for c in results.values()) or perm == "whoami"
