"""Near relatives through the pre-loan check, and holdings over 100% in the entity and ownership
responses: the API reads what the rules' findings engine concluded, under the same settings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from neo4j import Driver

from api.app import create_app
from risk_rules.config import load_config
from risk_rules.runner import run_rules
from tests.api.conftest import auth
from tests.api.findings_world import check, reset
from tests.risk_rules.rulekit import GraphSpec

pytestmark = pytest.mark.neo4j

INSIDERS = {"rules": {"concentration.related_party": {"insiders": ["P:I"]}}}


def _world() -> GraphSpec:
    w = GraphSpec()
    w.person("P:I", name="王董事")  # a director of the bank
    w.person("P:W", name="李某")  # his wife
    w.person("P:B", name="李某某")  # her brother: the director's in-law
    w.relative("P:I", "P:W", "spouse")
    w.relative("P:W", "P:B", "sibling")
    w.company("C:INLAW", name="宁波李氏实业有限公司")
    w.holds("P:B", "C:INLAW", 60.0)
    w.loan("C:INLAW", 2e6)
    # holdings of C:OVER sum to 110%; C:BELOW is computed from them
    w.person("P:1", name="赵甲")
    w.person("P:2", name="钱乙")
    w.company("C:OVER", name="温州超额股权公司")
    w.company("C:BELOW", name="温州下游公司")
    w.holds("P:1", "C:OVER", 70.0)
    w.holds("P:2", "C:OVER", 40.0)
    w.holds("C:OVER", "C:BELOW", 60.0)
    return w


def _config(tmp: Path, name: str, extra: dict) -> Path:
    path = tmp / f"{name}.yaml"
    path.write_text(yaml.safe_dump(extra, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def configs(tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("family-config")
    return {
        "near": _config(tmp, "near", INSIDERS),
        "extended": _config(tmp, "extended", {**INSIDERS, "control": {"family_scope": "extended"}}),
    }


def _run(driver: Driver, path: Path) -> None:
    summaries = run_rules(driver, load_config(path), as_of=dt.date.today(), profiles=True)
    assert all(s.status == "completed" for s in summaries), [s.error for s in summaries]


@pytest.fixture(scope="module")
def world(neo4j_driver: Driver) -> Driver:
    reset(neo4j_driver, _world())
    return neo4j_driver


def _client(api_settings, path: Path) -> Iterator[TestClient]:
    with TestClient(
        create_app(api_settings.model_copy(update={"rules_config": path})), raise_server_exceptions=False
    ) as c:
        yield c


@pytest.mark.parametrize("scope, related", [("near", False), ("extended", True)])
def test_in_law_company_in_the_pre_loan_check(world, api_settings, keys, configs, scope, related):
    _run(world, configs[scope])
    for client in _client(api_settings, configs[scope]):
        body = check(client, keys, {"entity_id": "C:INLAW"})
        assert body["freshness"]["source"] == "profile"  # read from the run, not re-derived
        assert body["exposure"]["related_party_of_bank"] is related
        ids = {r["entity_id"] for r in body["related_parties"]}
        assert ("P:I" in ids) is related and "P:W" in ids  # the director's wife is the owner's sister


def test_holdings_over_100_in_the_ownership_and_entity_responses(world, api_settings, keys, configs):
    _run(world, configs["near"])
    for client in _client(api_settings, configs["near"]):
        r = client.get("/v1/entities/C:BELOW/ownership", headers=auth(keys, "examiner"))
        assert r.status_code == 200, r.text
        own = r.json()
        assert own["ownership_consistent"] is False
        (issue,) = own["data_quality"]
        assert issue["company"] == "C:OVER" and issue["total_pct"] == pytest.approx(110.0)
        assert issue["holdings"] == [{"holder": "P:1", "pct": 70.0}, {"holder": "P:2", "pct": 40.0}]
        assert own["beneficial_owners"]["ownership_consistent"] is False
        r = client.get("/v1/entities/C:BELOW", headers=auth(keys, "examiner"))
        assert r.status_code == 200, r.text
        detail = r.json()
        assert detail["ownership_consistent"] is False
        assert detail["data_quality"][0]["total_pct"] == pytest.approx(110.0)
        clean = client.get("/v1/entities/C:INLAW/ownership", headers=auth(keys, "examiner")).json()
        assert clean["ownership_consistent"] is True and clean["data_quality"] == []
