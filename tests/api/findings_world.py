"""Helpers of the findings tests: a tiny world, a full rule run with profiles, a check, a later load."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from neo4j import Driver

from risk_rules.config import load_config
from risk_rules.runner import run_rules
from tests.api.conftest import auth
from tests.risk_rules.rulekit import GraphSpec

URL = "/v1/checks/pre-loan"


def reset(driver: Driver, spec: GraphSpec) -> None:
    """Empty the graph (keys and users kept), write ``spec``."""
    with driver.session() as s:
        s.run("MATCH (n) WHERE NOT n:ApiKey AND NOT n:User DETACH DELETE n").consume()
    spec.write(driver)


def run_all(driver: Driver, **rules: dict[str, Any]) -> str:
    """Every rule as of today, profiles included; returns the profile run id."""
    cfg = load_config(extra={"rules": rules} if rules else None)
    summaries = run_rules(driver, cfg, as_of=dt.date.today(), profiles=True)
    assert all(s.status == "completed" for s in summaries), [s.error for s in summaries]
    return summaries[-1].run_id


def check(client, keys, applicant: dict[str, Any], amount: float = 1.0e6) -> dict[str, Any]:
    r = client.post(
        URL,
        json={"application_ref": "LA-F-1", "applicant": applicant, "requested_amount": amount},
        headers=auth(keys, "service", purpose=None),
    )
    assert r.status_code == 200, r.text
    return r.json()


def all_reasons(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out = {r["code"]: r for r in body["reasons"]}
    for rows in body["details"].values():
        out.update({r["code"]: r for r in rows})
    return out


def load_later(driver: Driver, cypher: str, **params: Any) -> str:
    """Write facts as a later ingest batch does: a Batch started now, its id on what it wrote."""
    batch = f"test-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S%f}"
    with driver.session() as s:
        s.run(
            "CREATE (:Batch {batch_id: $b, source: 'test', started_at: datetime(), status: 'completed', "
            "finished_at: datetime()})",
            b=batch,
        ).consume()
        s.run(cypher, batch=batch, **params).consume()
    return batch


def profile_body(driver: Driver, entity_id: str) -> dict[str, Any] | None:
    with driver.session() as s:
        rec = s.run(
            "MATCH (:Company {entity_id: $id})-[:HAS_PROFILE]->(p:RiskProfile) RETURN p.body AS b",
            id=entity_id,
        ).single()
    return json.loads(rec["b"]) if rec else None
