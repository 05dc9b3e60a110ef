"""Health, credentials, problem details, rate limiting, body limits, masking helpers."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.masking import mask_pii, mask_resident_id
from api.security.ratelimit import TokenBucketLimiter
from tests.api import sample_graph as g
from tests.api.conftest import auth, make_settings

pytestmark = pytest.mark.neo4j


def test_health_needs_no_credentials(client):
    assert client.get("/livez").json() == {"status": "ok", "checks": {}}
    r = client.get("/readyz")
    assert r.status_code == 200
    assert r.json()["checks"] == {"neo4j": "ok", "audit_log": "ok"}


def test_readyz_reports_unreachable_neo4j(neo4j_settings, tmp_path, keys):
    s = make_settings(neo4j_settings, tmp_path, neo4j_uri="bolt://127.0.0.1:1", neo4j_password="x")
    with TestClient(create_app(s)) as c:
        r = c.get("/readyz")
        assert r.status_code == 503
        assert r.json()["checks"]["neo4j"].startswith("unavailable")
        assert c.get("/livez").status_code == 200


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-API-Key": "rg_nope_nope"}, {"Authorization": "Bearer wrong"}, {"X-API-Key": "not-even-a-key"}],
)
def test_missing_or_wrong_key_is_401_problem(client, graph, headers):
    r = client.get("/v1/entities/C:APPLICANT", headers=headers)
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == 401 and "/" in body["title"] and "Traceback" not in r.text


@pytest.mark.parametrize("who", ["expired", "revoked"])
def test_expired_and_revoked_keys_are_refused(client, graph, keys, who):
    assert client.get("/v1/entities/C:APPLICANT", headers=auth(keys, who)).status_code == 401


def test_bearer_header_works_like_x_api_key(client, graph, keys):
    r = client.get("/v1/entities/C:APPLICANT", headers={"Authorization": f"Bearer {keys['examiner']}"})
    assert r.status_code == 200


def test_wrong_role_is_403_problem(client, graph, keys):
    r = client.get("/v1/entities/C:APPLICANT", headers=auth(keys, "auditor"))
    assert r.status_code == 403
    assert r.headers["content-type"].startswith("application/problem+json")


def test_validation_error_is_problem_without_echoing_input(client, graph, keys):
    r = client.get(
        "/v1/entities/C:APPLICANT/neighbourhood", params={"hops": "99"}, headers=auth(keys, "examiner")
    )
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["loc"][-1] == "hops"


def test_rate_limit_is_per_key_token_bucket(neo4j_settings, tmp_path, keys, graph):
    s = make_settings(neo4j_settings, tmp_path, api_rate_per_s=0.001, api_rate_burst=2)
    with TestClient(create_app(s)) as c:
        codes = [
            c.get("/v1/entities/C:APPLICANT", headers=auth(keys, "examiner")).status_code for _ in range(3)
        ]
        assert codes == [200, 200, 429]
        r = c.get("/v1/entities/C:APPLICANT", headers=auth(keys, "examiner"))
        assert int(r.headers["retry-after"]) >= 1
        assert c.get("/v1/entities/C:APPLICANT", headers=auth(keys, "approver")).status_code == 200


def test_token_bucket_refills():
    b = TokenBucketLimiter(rate_per_s=10, burst=1)
    assert b.take("k", now=0.0) == 0
    assert b.take("k", now=0.0) == pytest.approx(0.1)
    assert b.take("k", now=0.2) == 0


def test_oversized_body_is_413(client, keys, api_settings):
    big = "x" * (api_settings.api_max_body_bytes + 10)
    r = client.post(
        "/v1/checks/pre-loan",
        content=big,
        headers={**auth(keys, "service"), "content-type": "application/json"},
    )
    assert r.status_code == 413
    assert r.headers["content-type"].startswith("application/problem+json")


def test_mask_pii_by_key_and_by_value():
    data = {
        "id_number": g.RIC_BOSS,
        "phone": "0571-88886666",
        "note": f"x {g.RIC_BOSS}",
        "nested": [{"anything": g.RIC_WIFE}, {"mobile_no": "13800001111"}],
        "amount": 123,
        "name": "王伟",
        "uscc": g.USCC_APPLICANT,
        "person": "P:" + g.RIC_BOSS,
        "company": "C:" + g.USCC_APPLICANT,
    }
    out = mask_pii(data)
    assert out["id_number"] == mask_resident_id(g.RIC_BOSS) == g.RIC_BOSS[:4] + "*" * 10 + g.RIC_BOSS[-4:]
    assert out["phone"] == "057******6666"
    assert out["nested"][0]["anything"] == mask_resident_id(g.RIC_WIFE)
    assert out["nested"][1]["mobile_no"] == "138****1111"
    assert out["note"] == "x " + mask_resident_id(g.RIC_BOSS)
    assert out["person"] == "P:" + mask_resident_id(g.RIC_BOSS)  # strong-key person ids embed the ID
    assert out["company"] == "C:" + g.USCC_APPLICANT
    assert out["amount"] == 123 and out["name"] == "王伟" and out["uscc"] == g.USCC_APPLICANT
