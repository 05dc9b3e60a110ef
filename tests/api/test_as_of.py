"""Answers as of a past date: the snapshot of that date, else computed from the facts valid then."""

from __future__ import annotations

import datetime as dt

import pytest
from neo4j import Driver

from risk_rules.backfill import backfill
from risk_rules.config import load_config
from risk_rules.runner import run_rules
from tests.api.conftest import auth
from tests.api.findings_world import reset, run_all
from tests.risk_rules.rulekit import GraphSpec

pytestmark = pytest.mark.neo4j

TODAY = dt.date.today()
#: before the mutual guarantee and the listing began
EARLY = TODAY - dt.timedelta(days=120)
#: after both began
LATE = TODAY - dt.timedelta(days=10)
MUTUAL = "guarantee.mutual"


def _world() -> GraphSpec:
    """C:A and C:B guarantee each other since 60 days ago; C:BAD, listed since 30 days ago,
    guarantees C:A."""
    w = GraphSpec()
    w.company("C:A", name="台州甲制造有限公司", net_assets=5e7)
    w.company("C:B", name="台州乙制造有限公司", net_assets=3e7)
    w.company("C:BAD", name="台州丙制造有限公司")
    w.guarantee("C:A", "C:B", 1e7)
    w.guarantee("C:B", "C:A", 1e7, valid_from=TODAY - dt.timedelta(days=60))
    w.guarantee("C:BAD", "C:A", 1e7)
    w.listed("C:BAD", list_date=TODAY - dt.timedelta(days=30))
    w.loan("C:A", 2e7, loan_id="L-A")
    return w


@pytest.fixture
def world(neo4j_driver: Driver) -> Driver:
    reset(neo4j_driver, _world())
    run_all(neo4j_driver)
    return neo4j_driver


def _card(client, keys, day: dt.date | None) -> dict:
    r = client.get(
        "/v1/entities/C:A", params={"as_of": day.isoformat()} if day else None, headers=auth(keys, "examiner")
    )
    assert r.status_code == 200, r.text
    return r.json()


def _check(client, keys, day: dt.date | None) -> dict:
    body = {"application_ref": "LA-ASOF-1", "applicant": {"entity_id": "C:A"}, "requested_amount": 1e6}
    if day:
        body["as_of"] = day.isoformat()
    r = client.post("/v1/checks/pre-loan", json=body, headers=auth(keys, "service", purpose=None))
    assert r.status_code == 200, r.text
    return r.json()


def _snapshot(driver: Driver, *days: dt.date) -> None:
    for d in days:
        summaries = run_rules(driver, load_config(), as_of=d, profiles=True)
        assert all(s.status == "completed" and s.snapshot for s in summaries), [s.error for s in summaries]


def test_entity_card_as_of_is_computed_without_a_snapshot_and_read_from_one(world, client, keys):
    live = _card(client, keys, None)
    assert live["as_of"] is None and live["risk_profile"] is None
    early, late = _card(client, keys, EARLY), _card(client, keys, LATE)
    assert early["as_of"]["source"] == "computed" and early["as_of"]["run_id"] is None
    assert early["as_of"]["date"] == EARLY.isoformat()
    # the mutual guarantee began after EARLY: only the later answer has it
    assert not early["risk_profile"]["guarantees"]["mutual"]
    assert late["risk_profile"]["guarantees"]["mutual"]
    assert early["alerts_as_of"] == []
    _snapshot(world, EARLY, LATE)
    early, late = _card(client, keys, EARLY), _card(client, keys, LATE)
    assert early["as_of"]["source"] == "snapshot" and early["as_of"]["run_id"].startswith(
        "findings.profiles@"
    )
    assert not early["risk_profile"]["guarantees"]["mutual"] and late["risk_profile"]["guarantees"]["mutual"]
    assert MUTUAL not in {a["rule_id"] for a in early["alerts_as_of"]}
    assert MUTUAL in {a["rule_id"] for a in late["alerts_as_of"]}
    # contagion: C:BAD was not listed yet on EARLY
    assert (early["risk_score"] or {}).get("score") in (None, 0, 0.0)
    assert late["risk_score"]["score"] > 0


def test_alerts_and_circles_as_of_read_the_snapshot_and_leave_live_alerts(world, client, keys):
    h = auth(keys, "examiner")
    before = client.get("/v1/alerts", params={"limit": 200}, headers=h).json()["alerts"]
    none = client.get("/v1/alerts", params={"as_of": EARLY.isoformat()}, headers=h)
    assert none.status_code == 404 and none.json()["type"].endswith("no-snapshot")
    _snapshot(world, EARLY, LATE)
    assert client.get("/v1/alerts", params={"limit": 200}, headers=h).json()["alerts"] == before
    early = client.get(
        "/v1/alerts", params={"as_of": EARLY.isoformat(), "entity_id": "C:A"}, headers=h
    ).json()
    late = client.get("/v1/alerts", params={"as_of": LATE.isoformat(), "entity_id": "C:A"}, headers=h).json()
    assert early["as_of"]["source"] == "snapshot" and early["as_of"]["snapshot_as_of"] == EARLY.isoformat()
    assert MUTUAL not in {a["rule_id"] for a in early["alerts"]}
    assert MUTUAL in {a["rule_id"] for a in late["alerts"]}
    # a date between two snapshots reads the earlier one, and says so
    mid = client.get(
        "/v1/alerts",
        params={"as_of": (EARLY + dt.timedelta(days=5)).isoformat(), "rule_id": MUTUAL},
        headers=h,
    ).json()
    assert mid["as_of"]["snapshot_as_of"] == EARLY.isoformat() and mid["alerts"] == []
    assert mid["as_of"]["run_id"].startswith(MUTUAL + "@")
    refused = client.get("/v1/alerts", params={"as_of": LATE.isoformat(), "status": "open"}, headers=h)
    assert refused.status_code == 400
    future = client.get("/v1/alerts", params={"as_of": (TODAY + dt.timedelta(days=1)).isoformat()}, headers=h)
    assert future.status_code == 400 and future.json()["type"].endswith("as-of-in-future")
    circles = client.get("/v1/guarantee-circles", params={"as_of": LATE.isoformat()}, headers=h).json()
    assert circles["as_of"]["source"] == "snapshot"
    assert [c["members"] for c in circles["circles"]] == [["C:A", "C:B"]]
    assert (
        client.get("/v1/guarantee-circles", params={"as_of": EARLY.isoformat()}, headers=h).json()["circles"]
        == []
    )


def test_the_pre_loan_check_as_of_a_date(world, client, keys):
    live = _check(client, keys, None)
    assert live["as_of"] is None and live["guarantees"]["mutual"]
    early = _check(client, keys, EARLY)
    assert early["as_of"]["source"] == "computed" and early["as_of"]["date"] == EARLY.isoformat()
    assert not early["guarantees"]["mutual"] and early["open_alerts"] == []
    assert early["blacklist"]["score"] == 0.0  # C:BAD was listed after EARLY
    late = _check(client, keys, LATE)
    assert late["guarantees"]["mutual"] and late["blacklist"]["score"] > 0
    _snapshot(world, EARLY)
    again = _check(client, keys, EARLY)
    assert again["as_of"]["source"] == "snapshot" and again["as_of"]["run_id"]
    assert not again["guarantees"]["mutual"]


def test_the_spread_has_a_trend_after_a_backfill(world, client, keys):
    cfg = load_config()
    dates = [TODAY - dt.timedelta(days=d) for d in (90, 60, 20)]
    backfill(world, cfg, dates, rule_ids=["contagion.blacklist"], profiles=False)
    r = client.get(
        "/v1/blacklist/spread", params={"since": dates[0].isoformat()}, headers=auth(keys, "supervisor")
    )
    assert r.status_code == 200, r.text
    trend = r.json()["trend"]
    assert [p["as_of"] for p in trend] == [d.isoformat() for d in dates] + [TODAY.isoformat()]
    assert [p["listed"] for p in trend] == [0, 0, 1, 1]  # C:BAD is listed since 30 days ago
    assert (
        trend[2]["newly_reached"] >= 1 and trend[2]["source"] == "snapshot" and trend[3]["source"] == "live"
    )
