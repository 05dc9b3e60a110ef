"""The explorer tests' own small graph, written with Cypher per graph_model.schema.

Shape (amounts CNY):
- P:BOSS 王建国 holds 60% of C:APPLICANT and 70% of C:SISTER; his spouse P:WIFE 李秀英 holds 40% of
  C:APPLICANT. P:BOSS CONTROLS both; both are members of group G:BOSS (王建国系).
- Guarantee circle of three: APPLICANT → SISTER → THIRD → APPLICANT, plus the mutual pair
  SISTER → APPLICANT; C:OUTSIDER guarantees C:APPLICANT.
- C:LISTED (listed 2026-10-01, dishonest judgment debtor) holds 30% of C:OUTSIDER; C:OLDLISTED was
  listed in 2023 and removed in 2024.
- Loans on APPLICANT, SISTER, OUTSIDER; one open and one dismissed alert; two rule runs; a RiskScore;
  source records with payload (resident ID, mobile) and ER evidence.
"""

from __future__ import annotations

import json

from neo4j import Driver
from stdnum.cn import ric, uscc

from risk_rules.framework import alert_id


def _uscc(body17: str) -> str:
    return body17 + uscc.calc_check_digit(body17)


def _ric(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


CIRCLE_ALERT = alert_id("guarantee.circle", "GC-1")
RIC_BOSS = _ric("11010119700101123")
RIC_WIFE = _ric("11010119720202234")
MOBILE_BOSS = "13912345678"

COMPANIES = [
    ("C:APPLICANT", "杭州甲科技有限公司", _uscc("91330106MA2B00001"), "浙江省杭州市", 8.0e7),
    ("C:SISTER", "杭州乙贸易有限公司", _uscc("91330106MA2B00002"), "浙江省杭州市", 4.0e7),
    ("C:THIRD", "绍兴丙纺织有限公司", _uscc("91330106MA2B00006"), "浙江省绍兴市", 3.0e7),
    ("C:OUTSIDER", "宁波丙实业有限公司", _uscc("91330106MA2B00003"), "浙江省宁波市", 1.0e7),
    ("C:LISTED", "温州丁投资有限公司", _uscc("91330106MA2B00004"), "浙江省温州市", 1.0e6),
    ("C:OLDLISTED", "台州戊机械有限公司", _uscc("91330106MA2B00005"), "浙江省台州市", 2.0e6),
]
PERSONS = [("P:BOSS", "王建国", RIC_BOSS, "1970-01-01"), ("P:WIFE", "李秀英", RIC_WIFE, "1972-02-02")]
SHARES = [
    ("P:BOSS", "C:APPLICANT", 60.0),
    ("P:WIFE", "C:APPLICANT", 40.0),
    ("P:BOSS", "C:SISTER", 70.0),
    ("C:LISTED", "C:OUTSIDER", 30.0),
    ("C:OLDLISTED", "C:THIRD", 20.0),
]
GUARANTEES = [
    ("C:APPLICANT", "C:SISTER", "G-1", 2.0e7),
    ("C:SISTER", "C:APPLICANT", "G-2", 3.0e7),
    ("C:SISTER", "C:THIRD", "G-3", 1.5e7),
    ("C:THIRD", "C:APPLICANT", "G-4", 1.2e7),
    ("C:OUTSIDER", "C:APPLICANT", "G-5", 1.0e7),
]
_P_OUT = json.dumps([{"nodes": ["C:LISTED", "C:OUTSIDER"], "rels": ["HOLDS_SHARES"], "strength": 0.3}])
_P_APP = json.dumps(
    [
        {
            "nodes": ["C:LISTED", "C:OUTSIDER", "C:APPLICANT"],
            "rels": ["HOLDS_SHARES", "GUARANTEES"],
            "strength": 0.12,
        }
    ]
)
#: contagion snapshots: in September only the old listing's neighbour was reached; in November the new
#: listing reaches OUTSIDER and, through its guarantee, the APPLICANT
SCORES = [
    {"run_id": "R-CONT-0", "entity_id": "C:THIRD", "score": 0.2, "hops": 1, "as_of": "2026-09-01", "seed": False,
     "paths": json.dumps([{"nodes": ["C:OLDLISTED", "C:THIRD"], "rels": ["HOLDS_SHARES"], "strength": 0.2}])},
    {"run_id": "R-CONT-1", "entity_id": "C:LISTED", "score": 1.0, "hops": 0, "as_of": "2026-11-01", "seed": True, "paths": "[]"},
    {"run_id": "R-CONT-1", "entity_id": "C:OUTSIDER", "score": 0.3, "hops": 1, "as_of": "2026-11-01", "seed": False, "paths": _P_OUT},
    {"run_id": "R-CONT-1", "entity_id": "C:APPLICANT", "score": 0.12, "hops": 2, "as_of": "2026-11-01", "seed": False, "paths": _P_APP},
]  # fmt: skip
LOANS = [
    ("C:APPLICANT", "L-1", 6.0e7, 5.0e7, "normal"),
    ("C:SISTER", "L-2", 3.0e7, 3.0e7, "normal"),
    ("C:OUTSIDER", "L-3", 1.0e7, 1.0e7, "overdue"),
]


def build(driver: Driver) -> None:
    """Empty the graph (API keys and users kept) and write the fixture graph."""
    with driver.session() as s:
        s.run("MATCH (n) WHERE NOT n:ApiKey AND NOT n:User DETACH DELETE n").consume()
        s.run(
            "UNWIND $rows AS r CREATE (c:Company {entity_id: r[0], name: r[1], name_norm: r[1], uscc: r[2], region: r[3], "
            "net_assets: r[4], registered_capital: r[4], status: '存续', source: 'test', batch_id: 'B1', "
            "record_keys: ['test|companies|' + r[0]]})",
            rows=COMPANIES,
        ).consume()
        s.run(
            "UNWIND $rows AS r CREATE (p:Person {entity_id: r[0], name: r[1], id_number: r[2], birth_date: date(r[3]), "
            "source: 'test', batch_id: 'B1', record_keys: ['test|persons|' + r[0]]})",
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
            "UNWIND $rows AS r MATCH (b {entity_id: r[0]}) CREATE (b)-[:BORROWED {source: 'test'}]->(:Loan {loan_id: r[1], "
            "amount: r[2], balance: r[3], status: r[4], currency: 'CNY', start_date: date('2024-01-01')})",
            rows=LOANS,
        ).consume()
        s.run(
            "MATCH (w:Person {entity_id: 'P:WIFE'}), (b:Person {entity_id: 'P:BOSS'}) "
            "CREATE (w)-[:FAMILY_OF {relation: 'spouse'}]->(b) CREATE (b)-[:HAS_PHONE]->(:Phone {number: $m})",
            m=MOBILE_BOSS,
        ).consume()
        s.run(
            "MATCH (c:Company {entity_id: 'C:LISTED'}), (o:Company {entity_id: 'C:OLDLISTED'}) "
            "CREATE (c)-[:LISTED_AS]->(:BlacklistEntry {entry_id: 'BL-1', kind: 'dishonest_judgment_debtor', "
            "list_date: date('2026-10-01'), authority: '温州市中级人民法院', reason: '拒不履行'}) "
            "CREATE (o)-[:LISTED_AS]->(:BlacklistEntry {entry_id: 'BL-0', kind: 'abnormal_operation', "
            "list_date: date('2023-03-01'), removal_date: date('2024-03-01'), authority: '台州市市场监管局'})"
        ).consume()
        s.run(
            "MATCH (p:Person {entity_id: 'P:BOSS'}), (a:Company {entity_id: 'C:APPLICANT'}), (b:Company {entity_id: 'C:SISTER'}) "
            "CREATE (g:Group {group_id: 'G:BOSS', name: '王建国系', controller_ids: ['P:BOSS'], size: 2, exposure: 8.0e7, run_id: 'R-GROUP-1'}) "
            "CREATE (a)-[:MEMBER_OF {run_id: 'R-GROUP-1', reason: 'controlled by P:BOSS'}]->(g) "
            "CREATE (b)-[:MEMBER_OF {run_id: 'R-GROUP-1', reason: 'controlled by P:BOSS'}]->(g) "
            "CREATE (p)-[:CONTROLS {share: 0.6, basis: 'majority', chain: ['P:BOSS', 'C:APPLICANT'], run_id: 'R-CTRL-1'}]->(a) "
            "CREATE (p)-[:CONTROLS {share: 0.7, basis: 'majority', chain: ['P:BOSS', 'C:SISTER'], run_id: 'R-CTRL-1'}]->(b)"
        ).consume()
        s.run(
            "MATCH (a:Company {entity_id: 'C:APPLICANT'}), (b:Company {entity_id: 'C:SISTER'}), (t:Company {entity_id: 'C:THIRD'}) "
            "CREATE (run:RuleRun {run_id: 'R-CIRCLE-1', rule_id: 'guarantee_circle', rule_version: '1', status: 'completed', "
            "as_of: date('2026-11-01'), started_at: datetime('2026-11-01T01:00:00Z'), finished_at: datetime('2026-11-01T01:00:05Z'), "
            "duration_ms: 5000, parameters: '{}', counts: '{\"new\": 2}'}) "
            "CREATE (run2:RuleRun {run_id: 'R-CIRCLE-0', rule_id: 'guarantee_circle', rule_version: '1', status: 'completed', "
            "as_of: date('2026-10-01'), started_at: datetime('2026-10-01T01:00:00Z'), finished_at: datetime('2026-10-01T01:00:04Z'), "
            "duration_ms: 4000, parameters: '{}', counts: '{\"new\": 1}'}) "
            "CREATE (al:Alert {alert_id: $circle_alert, rule_id: 'guarantee.circle', "
            "rule_version: '1', severity: 'high', status: 'open', active: true, entity_ids: ['C:APPLICANT', 'C:SISTER', 'C:THIRD'], "
            "explanation_zh: '担保圈：三家企业循环担保', explanation_en: 'guarantee circle of three companies', evidence: $ev, "
            "first_run_id: 'R-CIRCLE-1', last_run_id: 'R-CIRCLE-1'}) "
            "CREATE (al)-[:CONCERNS]->(a) CREATE (al)-[:CONCERNS]->(b) CREATE (al)-[:CONCERNS]->(t) CREATE (al)-[:RAISED_IN]->(run) "
            "CREATE (old:Alert {alert_id: 'mutual_guarantee:C:APPLICANT,C:SISTER', rule_id: 'mutual_guarantee', rule_version: '1', "
            "severity: 'medium', status: 'dismissed', active: true, entity_ids: ['C:APPLICANT', 'C:SISTER'], "
            "explanation_zh: '互保', explanation_en: 'mutual guarantee', evidence: '{}', first_run_id: 'R-CIRCLE-0', "
            "last_run_id: 'R-CIRCLE-1', triaged_by: 'examiner-x', triage_comment: '已知 known', triaged_at: datetime('2026-10-02T00:00:00Z')}) "
            "CREATE (old)-[:CONCERNS]->(a) CREATE (old)-[:CONCERNS]->(b) CREATE (old)-[:RAISED_IN]->(run2)",
            ev=json.dumps(
                {
                    "circle_id": "GC-1",
                    "members": ["C:APPLICANT", "C:SISTER", "C:THIRD"],
                    "edge_count": 4,
                    "internal_amount": 7.7e7,
                    "paths": [
                        ["C:APPLICANT", "C:SISTER", "C:APPLICANT"],
                        ["C:APPLICANT", "C:SISTER", "C:THIRD", "C:APPLICANT"],
                    ],
                }
            ),
            circle_alert=CIRCLE_ALERT,
        ).consume()
        s.run(
            "CREATE (:RuleRun {run_id: 'R-CONT-0', rule_id: 'contagion.blacklist', rule_version: '1', status: 'completed', "
            "as_of: date('2026-09-01'), started_at: datetime('2026-09-01T02:00:00Z'), duration_ms: 700, counts: '{}'}) "
            "CREATE (:RuleRun {run_id: 'R-CONT-1', rule_id: 'contagion.blacklist', rule_version: '1', status: 'completed', "
            "as_of: date('2026-11-01'), started_at: datetime('2026-11-01T02:00:00Z'), duration_ms: 900, counts: '{}'})"
        ).consume()
        s.run(
            "UNWIND $rows AS r MATCH (e {entity_id: r.entity_id}) "
            "CREATE (e)-[:SCORED]->(:RiskScore {score_id: r.run_id + '|' + r.entity_id, run_id: r.run_id, entity_id: r.entity_id, "
            "score: r.score, hops: r.hops, as_of: date(r.as_of), paths: r.paths, is_seed: r.seed})",
            rows=SCORES,
        ).consume()
        payload = json.dumps(
            {"person_id": "src-1", "name": "王建国", "id_number": RIC_BOSS, "phone": MOBILE_BOSS},
            ensure_ascii=False,
        )
        s.run(
            "MATCH (p:Person {entity_id: 'P:BOSS'}) "
            "CREATE (sr:SourceRecord {record_key: 'test|persons|src-1', source: 'test', kind: 'persons', source_record_id: 'src-1', "
            "batch_id: 'B1', source_file: 'persons.csv', source_row: 1, payload: $payload, ingested_at: datetime('2026-11-01T00:00:00Z')}) "
            "CREATE (sr2:SourceRecord {record_key: 'crm|persons|77', source: 'crm', kind: 'persons', source_record_id: '77', "
            "batch_id: 'B2', source_file: 'crm_persons.xlsx', source_row: 12, payload: $payload2, ingested_at: datetime('2026-11-02T00:00:00Z')}) "
            "CREATE (p)-[:DERIVED_FROM {match_evidence: $ev}]->(sr) "
            "CREATE (p)-[:DERIVED_FROM {match_evidence: $ev2}]->(sr2)",
            payload=payload,
            payload2=json.dumps(
                {"name": "王建國", "id_masked": RIC_BOSS[:4] + "**********" + RIC_BOSS[-4:]},
                ensure_ascii=False,
            ),
            ev=json.dumps({"rule": "same valid id_number", "weight": 12.5}),
            ev2=json.dumps(
                {
                    "decision": "review",
                    "pairs": [
                        {"other": "test|persons|src-1", "decision": "review", "score": 0.81, "rule": None}
                    ],
                    "probability": 0.81,
                    "total_weight": 2.1,
                    "steps": [
                        {"comparison": "name", "level": "t2s exact", "weight": 6.2},
                        {"comparison": "id_number", "level": "masked agrees", "weight": 1.4},
                        {"comparison": "phone", "level": "missing", "weight": 0.0},
                    ],
                    "rule": None,
                }
            ),
        ).consume()
