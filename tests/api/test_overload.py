"""Overload answers 503 (or 429) with Retry-After, never another 5xx, and heavy checks do not stall
``GET /v1/me``: the admission limit, database errors that mean "busy", and work kept off the loop."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from neo4j.exceptions import ClientError, ConnectionAcquisitionTimeoutError, TransientError

from api.errors import is_overload
from api.routers.checks import Admission
from tests.api import sample_graph as g
from tests.api.conftest import auth, make_settings


@pytest.fixture(scope="module")
def patient(neo4j_settings, api_var, keys):
    """The app with a long query timeout: on a loaded test machine an admitted check must finish, so
    that what is measured is the admission limit, not the database's transaction timeout."""
    from fastapi.testclient import TestClient

    from api.app import create_app

    settings = make_settings(neo4j_settings, api_var, api_query_timeout_s=120.0)
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        yield c


def _check(client, keys, i: int):
    return client.post(
        "/v1/checks/pre-loan",
        json={
            "application_ref": f"LA-OVL-{i}",
            "applicant": {"uscc": g.USCC_APPLICANT},
            "requested_amount": 1e7,
        },
        headers=auth(keys, "service", purpose=None),
    )


def test_concurrent_heavy_checks_beyond_a_small_limit_get_503_and_me_still_answers(patient, graph, keys):
    client = patient
    app = client.app
    saved = getattr(app.state, "check_admission", None)
    app.state.check_admission = Admission(2)
    me_status: list[int] = []
    me_ms: list[float] = []
    try:
        with ThreadPoolExecutor(12) as pool:
            checks = [pool.submit(_check, client, keys, i) for i in range(60)]

            def me() -> None:
                for _ in range(10):
                    t0 = time.perf_counter()
                    me_status.append(client.get("/v1/me", headers=auth(keys, "examiner")).status_code)
                    me_ms.append((time.perf_counter() - t0) * 1000)

            pool.submit(me).result(timeout=120)
            answers = [f.result(timeout=300) for f in checks]
    finally:
        app.state.check_admission = saved
    statuses = [r.status_code for r in answers]
    assert set(statuses) <= {200, 503}, statuses  # no 500, no other 5xx
    kinds = {(r.status_code, r.json().get("type", "")[-20:]) for r in answers}
    assert 503 in statuses and 200 in statuses, kinds  # the limit was reached, and checks still ran
    assert all(r.headers.get("retry-after") for r in answers if r.status_code == 503)
    assert me_status == [200] * 10  # /v1/me answered every time while the checks were running
    assert max(me_ms) < 30_000, me_ms  # answered while checks ran, not after all of them


@pytest.mark.parametrize(
    "error",
    [
        ConnectionAcquisitionTimeoutError("failed to obtain a connection from the pool within 10.0s"),
        TransientError("Neo.TransientError.General.MemoryPoolOutOfMemoryError"),
    ],
    ids=["pool-exhausted", "transient"],
)
def test_database_overload_on_any_endpoint_is_503_with_retry_after(client, graph, keys, monkeypatch, error):
    repo = client.app.state.repos.entities

    async def busy(*args, **kwargs):
        raise error

    monkeypatch.setattr(repo, "read_raw", busy)
    monkeypatch.setattr(repo, "read", busy)
    r = client.get("/v1/entities/C:APPLICANT", headers=auth(keys, "examiner"))
    assert r.status_code == 503, r.text
    assert int(r.headers["retry-after"]) >= 1 and r.json()["type"].endswith("database-busy")


def test_a_pool_exhausted_pre_loan_check_is_503_not_500(client, graph, keys, monkeypatch):
    async def busy(*args, **kwargs):
        raise ConnectionAcquisitionTimeoutError("failed to obtain a connection from the pool within 10.0s")

    monkeypatch.setattr(client.app.state.repos.checks, "applicant", busy)
    r = _check(client, keys, 999)
    assert r.status_code == 503 and r.headers.get("retry-after"), r.text


def test_which_database_errors_mean_busy() -> None:
    timed_out = ClientError("timed out")
    timed_out._neo4j_code = "Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration"  # type: ignore[attr-defined]
    syntax = ClientError("bad query")
    syntax._neo4j_code = "Neo.ClientError.Statement.SyntaxError"  # type: ignore[attr-defined]
    assert is_overload(timed_out) and is_overload(TransientError("x"))
    assert is_overload(ConnectionAcquisitionTimeoutError("pool"))
    assert not is_overload(syntax) and not is_overload(ValueError("x"))
