"""Purpose references: an approver's query about a person or company without one is refused."""

from __future__ import annotations

import pytest

from api.audit.log import read_records
from tests.api import sample_graph as g
from tests.governance.conftest import key_for, make_user, uid

pytestmark = pytest.mark.neo4j


@pytest.fixture(scope="module")
def sample(neo4j_driver):
    neo4j_driver.execute_query("MATCH (n) WHERE NOT n:ApiKey AND NOT n:User DETACH DELETE n")
    g.build(neo4j_driver)
    return neo4j_driver


@pytest.fixture(scope="module")
def approver(neo4j_driver):
    user = make_user(neo4j_driver, uid("appr"), roles=("approver",))
    return user, key_for(neo4j_driver, user, ["approver"])


def records_of(settings, user):
    return [
        r
        for r in read_records(settings.audit_log_path)
        if r.get("kind") == "request" and r.get("user_id") == user
    ]


@pytest.mark.parametrize(
    "path, params",
    [
        ("/v1/entities/C:APPLICANT", None),
        ("/v1/entities/search", {"q": "杭州"}),
        ("/v1/entities/C:APPLICANT/neighbourhood", None),
        ("/v1/entities/C:APPLICANT/paths/C:SISTER", None),
    ],
)
def test_approver_query_without_purpose_is_refused(gov_client, sample, approver, gov_settings, path, params):
    user, key = approver
    r = gov_client.get(path, params=params, headers={"X-API-Key": key})
    assert r.status_code == 403
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["type"].endswith("purpose-required")
    assert "查询事由" in body["detail"] and "Purpose reference required" in body["detail"]
    assert "C:APPLICANT" not in r.text.replace(path, "")  # no data leaked
    # the same call with a reference goes through, and the reference is audited with it
    ok = gov_client.get(path, params=params, headers={"X-API-Key": key, "X-Purpose-Ref": "LA-2026-000123"})
    assert ok.status_code == 200, ok.text
    recs = [x for x in records_of(gov_settings, user) if x["path"] == path]
    assert recs[-2]["status"] == 403 and recs[-2]["outcome"] == "denied" and recs[-2]["purpose_ref"] is None
    assert recs[-1]["status"] == 200 and recs[-1]["purpose_ref"] == "LA-2026-000123"


def test_malformed_reference_is_422(gov_client, sample, approver):
    _, key = approver
    for bad in ("x", "has space"):
        r = gov_client.get("/v1/entities/C:APPLICANT", headers={"X-API-Key": key, "X-Purpose-Ref": bad})
        assert r.status_code == 422 and r.json()["type"].endswith("invalid-purpose-ref")


def test_pre_loan_body_reference_counts(gov_client, sample, approver, gov_settings):
    user, key = approver
    r = gov_client.post(
        "/v1/checks/pre-loan",
        headers={"X-API-Key": key},
        json={
            "application_ref": "LA-2026-000777",
            "applicant": {"uscc": g.USCC_APPLICANT},
            "requested_amount": 1.0,
        },
    )
    assert r.status_code == 200, r.text
    assert records_of(gov_settings, user)[-1]["purpose_ref"] == "LA-2026-000777"


def test_other_roles_are_not_bound(gov_client, sample, neo4j_driver):
    ex = make_user(neo4j_driver, uid("exam"), roles=("examiner",))
    assert (
        gov_client.get(
            "/v1/entities/C:APPLICANT", headers={"X-API-Key": key_for(neo4j_driver, ex, ["examiner"])}
        ).status_code
        == 200
    )
