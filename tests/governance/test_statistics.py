"""Statistics endpoints against a generated graph; expected figures are recomputed from the same rows."""

from __future__ import annotations

import csv
import io
import random
from collections import defaultdict

import pytest

from tests.governance.conftest import key_for, make_user, uid

pytestmark = pytest.mark.neo4j

BRANCHES = ["杭州分行", "宁波分行", None]
INDUSTRIES = ["制造业", "批发零售", "房地产", None]
REGIONS = ["浙江省杭州市", "浙江省宁波市", "江苏省南京市"]


@pytest.fixture(scope="module")
def portfolio(neo4j_driver):
    rng = random.Random(5)
    neo4j_driver.execute_query("MATCH (n) WHERE NOT n:ApiKey AND NOT n:User DETACH DELETE n")
    companies = [
        {
            "entity_id": f"C:S{i}",
            "name": f"公司{i}",
            "bank_branch": rng.choice(BRANCHES),
            "industry": rng.choice(INDUSTRIES),
            "region": rng.choice(REGIONS),
        }
        for i in range(60)
    ]
    persons = [
        {"entity_id": f"P:S{i}", "name": f"人{i}", "bank_branch": rng.choice(BRANCHES)} for i in range(25)
    ]
    loans = []
    for i in range(90):
        c = rng.choice(companies)
        loans.append(
            {
                "loan_id": f"L{i}",
                "borrower": c["entity_id"],
                "amount": float(rng.randint(1, 50) * 1e6),
                "balance": float(rng.randint(0, 40) * 1e6),
                "status": rng.choice(["normal", "normal", "overdue", "defaulted", "closed"]),
                "bank_branch": rng.choice(BRANCHES),
            }
        )
    alerts = []
    for i in range(40):
        concerned = rng.sample(companies, rng.randint(1, 3))
        alerts.append(
            {
                "alert_id": f"A{i}",
                "rule_id": rng.choice(["guarantee.circle", "guarantee.mutual"]),
                "status": rng.choice(["open", "confirmed", "dismissed"]),
                "severity": rng.choice(["low", "medium", "high", "critical"]),
                "active": rng.random() < 0.8,
                "entity_ids": [c["entity_id"] for c in concerned],
                "created": f"2026-{rng.randint(8, 10):02d}-{rng.randint(1, 28):02d}T10:00:00Z",
            }
        )
    neo4j_driver.execute_query("UNWIND $rows AS r CREATE (c:Company) SET c = r", {"rows": companies})
    neo4j_driver.execute_query("UNWIND $rows AS r CREATE (p:Person) SET p = r", {"rows": persons})
    neo4j_driver.execute_query(
        "UNWIND $rows AS r MATCH (c:Company {entity_id: r.borrower}) "
        "CREATE (c)-[:BORROWED]->(l:Loan) SET l = r REMOVE l.borrower",
        {"rows": loans},
    )
    neo4j_driver.execute_query(
        "UNWIND $rows AS r CREATE (a:Alert {alert_id: r.alert_id}) "
        "SET a.rule_id = r.rule_id, a.status = r.status, a.severity = r.severity, a.active = r.active, "
        "a.entity_ids = r.entity_ids, a.created_at = datetime(r.created), "
        "a.resolved_at = CASE WHEN r.active THEN null ELSE datetime(r.created) + duration('P3D') END "
        "WITH a, r UNWIND r.entity_ids AS eid MATCH (c:Company {entity_id: eid}) CREATE (a)-[:CONCERNS]->(c)",
        {"rows": alerts},
    )
    return {"companies": companies, "persons": persons, "loans": loans, "alerts": alerts}


@pytest.fixture(scope="module")
def sup(neo4j_driver):
    user = make_user(neo4j_driver, uid("sup"), roles=("supervisor",))
    return {"X-API-Key": key_for(neo4j_driver, user, ["supervisor"])}


def rows_by_value(body):
    return {r["value"]: r for r in body["rows"]}


def test_entities_by_branch_and_industry(gov_client, portfolio, sup):
    got = rows_by_value(
        gov_client.get("/v1/statistics/entities", headers=sup, params={"by": "branch"}).json()
    )
    want = defaultdict(lambda: [0, 0])
    for c in portfolio["companies"]:
        want[c["bank_branch"]][0] += 1
    for p in portfolio["persons"]:
        want[p["bank_branch"]][1] += 1
    assert {k: [v["companies"], v["persons"]] for k, v in got.items()} == dict(want)
    got = rows_by_value(
        gov_client.get("/v1/statistics/entities", headers=sup, params={"by": "industry"}).json()
    )
    want_i = defaultdict(int)
    for c in portfolio["companies"]:
        want_i[c["industry"]] += 1
    assert {k: v["companies"] for k, v in got.items()} == dict(want_i)


def test_exposures_by_region_and_branch(gov_client, portfolio, sup):
    region_of = {c["entity_id"]: c["region"] for c in portfolio["companies"]}
    branch_of = {c["entity_id"]: c["bank_branch"] for c in portfolio["companies"]}
    # branch: the booking branch of the loan, else the branch that manages the borrower
    for by, key in (
        ("region", lambda ln: region_of[ln["borrower"]]),
        ("branch", lambda ln: ln["bank_branch"] or branch_of[ln["borrower"]]),
    ):
        got = rows_by_value(gov_client.get("/v1/statistics/exposures", headers=sup, params={"by": by}).json())
        want = defaultdict(lambda: {"loans": 0, "balance": 0.0, "overdue_balance": 0.0})
        for ln in portfolio["loans"]:
            if ln["status"] == "closed":
                continue
            w = want[key(ln)]
            w["loans"] += 1
            w["balance"] += ln["balance"]
            if ln["status"] == "overdue":
                w["overdue_balance"] += ln["balance"]
        assert {
            k: {f: v[f] for f in ("loans", "balance", "overdue_balance")} for k, v in got.items()
        } == dict(want)


def test_alerts_by_industry_count_each_alert_once_per_value(gov_client, portfolio, sup):
    industry_of = {c["entity_id"]: c["industry"] for c in portfolio["companies"]}
    got = rows_by_value(
        gov_client.get("/v1/statistics/alerts", headers=sup, params={"by": "industry"}).json()
    )
    want = defaultdict(lambda: defaultdict(int))
    for a in portfolio["alerts"]:
        if not a["active"]:
            continue
        for value in {industry_of[e] for e in a["entity_ids"]}:
            want[value]["alerts"] += 1
            want[value][a["status"]] += 1
    assert {k: (v["alerts"], v["open"], v["confirmed"]) for k, v in got.items()} == {
        k: (v["alerts"], v["open"], v["confirmed"]) for k, v in want.items()
    }


def test_alert_timeline_and_csv_export(gov_client, portfolio, sup):
    body = gov_client.get("/v1/statistics/alerts/timeline", headers=sup, params={"period": "month"}).json()
    want = defaultdict(int)
    for a in portfolio["alerts"]:
        want[(a["created"][:7] + "-01", a["rule_id"])] += 1
    assert {(r["period"], r["rule_id"]): r["raised"] for r in body["rows"] if r["raised"]} == dict(want)
    assert sum(r["resolved"] for r in body["rows"]) == sum(1 for a in portfolio["alerts"] if not a["active"])
    r = gov_client.get(
        "/v1/statistics/alerts/timeline", headers=sup, params={"period": "month", "format": "csv"}
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    parsed = list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert [(p["period"], p["rule_id"], int(p["raised"])) for p in parsed] == [
        (x["period"], x["rule_id"], x["raised"]) for x in body["rows"]
    ]
    r = gov_client.get("/v1/statistics/entities", headers=sup, params={"by": "branch", "format": "csv"})
    assert r.text.lstrip("\ufeff").splitlines()[0] == "value,companies,persons,entities"
    assert "杭州分行" in r.text


def test_statistics_need_a_permitted_role(gov_client, portfolio, neo4j_driver):
    appr = make_user(neo4j_driver, uid("appr"), roles=("approver",))
    h = {"X-API-Key": key_for(neo4j_driver, appr, ["approver"])}
    assert gov_client.get("/v1/statistics/entities", headers=h).status_code == 403
