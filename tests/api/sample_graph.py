"""A small hand-built graph following graph_model.schema, for API tests (until ingest/rules data exist).

Shape (amounts in CNY):
- P:BOSS (王建国, ID + mobile) holds 60% of C:APPLICANT and 70% of C:SISTER; spouse P:WIFE holds 40% of
  C:APPLICANT; P:BOSS controls both (CONTROLS, rule-written) and both are in group G:BOSS.
- Mutual guarantee C:APPLICANT ↔ C:SISTER (a guarantee circle); C:OUTSIDER guarantees C:APPLICANT.
- C:LISTED is on a blacklist (dishonest judgment debtor) and holds 30% of C:OUTSIDER: two hops from the
  applicant through OUTSIDER.
- Loans: APPLICANT 50m balance, SISTER 30m balance, OUTSIDER 10m overdue.
- Two unrelated persons both named 王伟 (an ambiguous applicant name), one traditional-name company.
- An open alert and a RiskScore snapshot for C:APPLICANT; SourceRecords with payload and ER evidence.
"""

from __future__ import annotations

import json

from neo4j import Driver
from stdnum.cn import ric, uscc

from risk_rules.framework import alert_id


def make_uscc(body17: str) -> str:
    return body17 + uscc.calc_check_digit(body17)


def make_ric(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")  # it ignores the last char


USCC_APPLICANT = make_uscc("91330106MA2B00001")
USCC_SISTER = make_uscc("91330106MA2B00002")
USCC_OUTSIDER = make_uscc("91330106MA2B00003")
USCC_LISTED = make_uscc("91330106MA2B00004")
USCC_TW = make_uscc("91330106MA2B00005")
RIC_BOSS = make_ric("11010119700101123")
RIC_WIFE = make_ric("11010219720202234")
RIC_WANG1 = make_ric("11010119800303345")
RIC_WANG2 = make_ric("44030119850404456")
RIC_STRONG = make_ric("11010219900505567")
STRONG_PERSON_ID = "P:" + RIC_STRONG  # ingest's strong-key person id embeds the resident ID
MOBILE_BOSS = "13912345678"
CIRCLE_ID = "GC:sample0000000001"
CIRCLE_ALERT_ID = alert_id("guarantee.circle", CIRCLE_ID)

COMPANIES = [
    {
        "entity_id": "C:APPLICANT",
        "name": "杭州甲科技有限公司",
        "name_norm": "杭州甲科技",
        "uscc": USCC_APPLICANT,
        "region": "浙江省杭州市",
        "status": "存续",
        "net_assets": 8.0e7,
        "registered_capital": 5.0e7,
    },
    {
        "entity_id": "C:SISTER",
        "name": "杭州乙贸易有限公司",
        "name_norm": "杭州乙贸易",
        "uscc": USCC_SISTER,
        "region": "浙江省杭州市",
        "status": "存续",
        "net_assets": 4.0e7,
        "registered_capital": 2.0e7,
    },
    {
        "entity_id": "C:OUTSIDER",
        "name": "宁波丙实业有限公司",
        "name_norm": "宁波丙实业",
        "uscc": USCC_OUTSIDER,
        "region": "浙江省宁波市",
        "status": "存续",
        "net_assets": 1.0e7,
        "registered_capital": 1.0e7,
    },
    {
        "entity_id": "C:LISTED",
        "name": "温州丁投资有限公司",
        "name_norm": "温州丁投资",
        "uscc": USCC_LISTED,
        "region": "浙江省温州市",
        "status": "存续",
        "net_assets": 1.0e6,
        "registered_capital": 1.0e7,
    },
    {
        "entity_id": "C:TW",
        "name": "台湾乙贸易有限公司",
        "name_norm": "台湾乙贸易",
        "uscc": USCC_TW,
        "region": "台湾省",
        "status": "存续",
        "net_assets": 1.0e6,
        "registered_capital": 1.0e6,
    },
]
PERSONS = [
    {"entity_id": "P:BOSS", "name": "王建国", "id_number": RIC_BOSS, "birth_date": "1970-01-01"},
    {"entity_id": "P:WIFE", "name": "李秀英", "id_number": RIC_WIFE, "birth_date": "1972-02-02"},
    {"entity_id": "P:WANG1", "name": "王伟", "id_number": RIC_WANG1, "birth_date": "1980-03-03"},
    {"entity_id": "P:WANG2", "name": "王伟", "id_number": RIC_WANG2, "birth_date": "1985-04-04"},
    {"entity_id": STRONG_PERSON_ID, "name": "赵强", "id_number": RIC_STRONG, "birth_date": "1990-05-05"},
]
SHARES = [
    ("P:BOSS", "C:APPLICANT", 60.0),
    ("P:WIFE", "C:APPLICANT", 40.0),
    ("P:BOSS", "C:SISTER", 70.0),
    ("C:LISTED", "C:OUTSIDER", 30.0),
]
GUARANTEES = [
    ("C:APPLICANT", "C:SISTER", "G-1", 2.0e7),
    ("C:SISTER", "C:APPLICANT", "G-2", 3.0e7),
    ("C:OUTSIDER", "C:APPLICANT", "G-3", 1.0e7),
]
LOANS = [
    ("C:APPLICANT", "L-1", 6.0e7, 5.0e7, "normal"),
    ("C:SISTER", "L-2", 3.0e7, 3.0e7, "normal"),
    ("C:OUTSIDER", "L-3", 1.0e7, 1.0e7, "overdue"),
]


def build(driver: Driver) -> None:
    """Create the sample graph in an empty database (the caller empties it)."""
    with driver.session() as s:
        s.run(
            "UNWIND $rows AS r CREATE (c:Company) SET c = r, c.source = 'test', c.batch_id = 'B1', "
            "c.record_keys = ['test|companies|' + r.entity_id]",
            rows=COMPANIES,
        ).consume()
        s.run(
            "UNWIND $rows AS r CREATE (p:Person) SET p = r, p.birth_date = date(r.birth_date), "
            "p.source = 'test', p.record_keys = ['test|persons|' + r.entity_id]",
            rows=PERSONS,
        ).consume()
        s.run(
            "UNWIND $rows AS r MATCH (h {entity_id: r[0]}), (c:Company {entity_id: r[1]}) "
            "CREATE (h)-[:HOLDS_SHARES {pct: r[2], source: 'test'}]->(c)",
            rows=SHARES,
        ).consume()
        s.run(
            "UNWIND $rows AS r MATCH (a {entity_id: r[0]}), (b {entity_id: r[1]}) "
            "CREATE (a)-[:GUARANTEES {contract_id: r[2], amount: r[3], kind: 'joint', source: 'test'}]->(b)",
            rows=GUARANTEES,
        ).consume()
        s.run(
            "UNWIND $rows AS r MATCH (b {entity_id: r[0]}) "
            "CREATE (b)-[:BORROWED {source: 'test'}]->(:Loan {loan_id: r[1], amount: r[2], balance: r[3], "
            "status: r[4], currency: 'CNY', start_date: date('2024-01-01')})",
            rows=LOANS,
        ).consume()
        s.run(
            "MATCH (a:Person {entity_id: 'P:WIFE'}), (b:Person {entity_id: 'P:BOSS'}) "
            "CREATE (a)-[:FAMILY_OF {relation: 'spouse'}]->(b)"
        ).consume()
        s.run(
            "MATCH (p:Person {entity_id: 'P:BOSS'}) CREATE (p)-[:HAS_PHONE]->(:Phone {number: $m})",
            m=MOBILE_BOSS,
        ).consume()
        s.run(
            "MATCH (c:Company {entity_id: 'C:LISTED'}) "
            "CREATE (c)-[:LISTED_AS]->(:BlacklistEntry {entry_id: 'BL-1', kind: 'dishonest_judgment_debtor', "
            "list_date: date('2025-06-01'), authority: '温州市中级人民法院', reason: '拒不履行'})"
        ).consume()
        s.run(
            "MATCH (p:Person {entity_id: 'P:BOSS'}), (a:Company {entity_id: 'C:APPLICANT'}), "
            "(b:Company {entity_id: 'C:SISTER'}) "
            "CREATE (g:Group {group_id: 'G:BOSS', name: '王建国系', controller_ids: ['P:BOSS'], size: 2, "
            "exposure: 8.0e7, run_id: 'R-GROUP-1'}) "
            "CREATE (a)-[:MEMBER_OF {run_id: 'R-GROUP-1', reason: 'controlled by P:BOSS'}]->(g) "
            "CREATE (b)-[:MEMBER_OF {run_id: 'R-GROUP-1', reason: 'controlled by P:BOSS'}]->(g) "
            "CREATE (p)-[:CONTROLS {share: 0.6, basis: 'majority', chain: ['P:BOSS', 'C:APPLICANT'], "
            "run_id: 'R-CTRL-1'}]->(a) "
            "CREATE (p)-[:CONTROLS {share: 0.7, basis: 'majority', chain: ['P:BOSS', 'C:SISTER'], "
            "run_id: 'R-CTRL-1'}]->(b)"
        ).consume()
        s.run(
            "MATCH (a:Company {entity_id: 'C:APPLICANT'}), (b:Company {entity_id: 'C:SISTER'}) "
            "CREATE (run:RuleRun {run_id: 'R-CIRCLE-1', rule_id: 'guarantee.circle', rule_version: '1', "
            "status: 'completed', as_of: date('2026-11-01'), started_at: datetime('2026-11-01T01:00:00Z'), "
            "finished_at: datetime('2026-11-01T01:00:05Z'), duration_ms: 5000, parameters: '{}', "
            "counts: '{\"new\": 1}'}) "
            "CREATE (al:Alert {alert_id: $alert_id, rule_id: 'guarantee.circle', "
            "rule_version: '1', severity: 'high', status: 'open', active: true, "
            "entity_ids: ['C:APPLICANT', 'C:SISTER'], explanation_zh: '互保', explanation_en: 'mutual guarantee', "
            "evidence: $ev, first_run_id: 'R-CIRCLE-1', last_run_id: 'R-CIRCLE-1'}) "
            "CREATE (al)-[:CONCERNS]->(a) CREATE (al)-[:CONCERNS]->(b) CREATE (al)-[:RAISED_IN]->(run)",
            alert_id=CIRCLE_ALERT_ID,
            ev=json.dumps(
                {
                    "circle_id": CIRCLE_ID,
                    "members": ["C:APPLICANT", "C:SISTER"],
                    "paths": [["C:APPLICANT", "C:SISTER", "C:APPLICANT"]],
                    "edge_count": 2,
                    "internal_amount": 5.0e7,
                }
            ),
        ).consume()
        s.run(
            "MATCH (a:Company {entity_id: 'C:APPLICANT'}) "
            "CREATE (r:RuleRun {run_id: 'R-SCORE-1', rule_id: 'contagion.blacklist', status: 'completed', "
            "as_of: date('2026-11-01'), started_at: datetime('2026-11-01T02:00:00Z')}) "
            "CREATE (a)-[:SCORED]->(:RiskScore {score_id: 'R-SCORE-1|C:APPLICANT', run_id: 'R-SCORE-1', "
            "entity_id: 'C:APPLICANT', score: 0.42, hops: 2, as_of: date('2026-11-01'), paths: $paths})",
            paths=json.dumps([["C:APPLICANT", "C:OUTSIDER", "C:LISTED"]]),
        ).consume()
        payload = json.dumps(
            {"person_id": "src-1", "name": "王建国", "id_number": RIC_BOSS, "phone": MOBILE_BOSS},
            ensure_ascii=False,
        )
        s.run(
            "MATCH (p:Person {entity_id: 'P:BOSS'}) "
            "CREATE (sr:SourceRecord {record_key: 'test|persons|src-1', source: 'test', kind: 'persons', "
            "source_record_id: 'src-1', batch_id: 'B1', source_file: 'persons.csv', source_row: 1, "
            "payload: $payload, ingested_at: datetime('2026-11-01T00:00:00Z')}) "
            "CREATE (p)-[:DERIVED_FROM {match_evidence: $ev}]->(sr)",
            payload=payload,
            ev=json.dumps({"rule": "same valid id_number", "weight": 12.5}),
        ).consume()
