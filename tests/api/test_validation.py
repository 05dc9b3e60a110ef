"""Every input is validated as a type: real dates, numbers that are not booleans, body size limits
for chunked bodies too, and OPTIONS answering with the methods a path allows."""

from __future__ import annotations

import pytest

from tests.api.conftest import auth

pytestmark = pytest.mark.neo4j


@pytest.mark.parametrize("field", ["since", "until"])
@pytest.mark.parametrize("value", ["2026-02-30", "9999-99-99", "2026-13-01"])
def test_impossible_dates_are_422_naming_the_field(client, keys, field, value):
    r = client.get("/v1/statistics/alerts/timeline", params={field: value}, headers=auth(keys, "supervisor"))
    assert r.status_code == 422, r.text
    assert field in r.text
    ok = client.get(
        "/v1/statistics/alerts/timeline", params={field: "2026-02-28"}, headers=auth(keys, "supervisor")
    )
    assert ok.status_code == 200 and ok.json()[field] == "2026-02-28"


@pytest.mark.parametrize("amount", [False, True, "1000"])
def test_an_amount_must_be_a_number(client, keys, amount):
    body = {
        "application_ref": "LA-V-1",
        "applicant": {"uscc": "91330106MA2B000013"},
        "requested_amount": amount,
    }
    r = client.post("/v1/checks/pre-loan", json=body, headers=auth(keys, "service"))
    assert r.status_code == 422 and "requested_amount" in r.text, r.text


def test_a_chunked_body_over_the_limit_is_413(client, keys, api_settings):
    chunk = b" " * 4096
    n = api_settings.api_max_body_bytes // len(chunk) + 2

    def body():
        yield b'{"application_ref": "LA-V-2", "purpose": "'
        for _ in range(n):
            yield chunk
        yield b'"}'

    headers = {**auth(keys, "service"), "content-type": "application/json"}
    r = client.post("/v1/checks/pre-loan", content=body(), headers=headers)
    assert r.status_code == 413, r.text


def test_options_names_the_allowed_methods(client):
    r = client.options("/v1/keys")
    assert r.status_code == 204 and set(r.headers["allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}
    r = client.options("/v1/entities/C:APPLICANT")
    assert set(r.headers["allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert client.options("/v1/no-such-thing").status_code == 404
