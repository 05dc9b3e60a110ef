"""The API tests' hand-built world on the shared core of tests/support/sample_world.py.

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

import datetime as dt
import json

from neo4j import Driver

from risk_rules.framework import alert_id
from tests.support.sample_world import (
    CORE_FAMILY,
    CORE_LOANS,
    CORE_PHONES,
    CORE_SHARES,
    Alert,
    World,
    boss_group,
    boss_source_record,
    make_ric,
    make_uscc,
    utc,
    write_world,
)
from tests.support.sample_world import (
    MOBILE_BOSS as MOBILE_BOSS,
)
from tests.support.sample_world import (
    RIC_BOSS as RIC_BOSS,
)

USCC_APPLICANT = make_uscc("91330106MA2B00001")
USCC_SISTER = make_uscc("91330106MA2B00002")
USCC_OUTSIDER = make_uscc("91330106MA2B00003")
USCC_LISTED = make_uscc("91330106MA2B00004")
USCC_TW = make_uscc("91330106MA2B00005")
RIC_WIFE = make_ric("11010219720202234")
RIC_WANG1 = make_ric("11010119800303345")
RIC_WANG2 = make_ric("44030119850404456")
RIC_STRONG = make_ric("11010219900505567")
STRONG_PERSON_ID = "P:" + RIC_STRONG  # ingest's strong-key person id embeds the resident ID
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
GUARANTEES = [
    ("C:APPLICANT", "C:SISTER", "G-1", 2.0e7),
    ("C:SISTER", "C:APPLICANT", "G-2", 3.0e7),
    ("C:OUTSIDER", "C:APPLICANT", "G-3", 1.0e7),
]


def world() -> World:
    """The API tests' world on the shared core (tests/support/sample_world.py)."""
    return World(
        companies=[
            {**c, "source": "test", "batch_id": "B1", "record_keys": ["test|companies|" + c["entity_id"]]}
            for c in COMPANIES
        ],
        persons=[
            {
                **p,
                "birth_date": dt.date.fromisoformat(p["birth_date"]),
                "source": "test",
                "record_keys": ["test|persons|" + p["entity_id"]],
            }
            for p in PERSONS
        ],
        shares=CORE_SHARES,
        guarantees=GUARANTEES,
        loans=CORE_LOANS,
        family=CORE_FAMILY,
        phones=CORE_PHONES,
        listings=[
            (
                "C:LISTED",
                {
                    "entry_id": "BL-1",
                    "kind": "dishonest_judgment_debtor",
                    "list_date": dt.date(2025, 6, 1),
                    "authority": "温州市中级人民法院",
                    "reason": "拒不履行",
                },
            )
        ],
        groups=[boss_group()],
        rule_runs=[
            {
                "run_id": "R-CIRCLE-1",
                "rule_id": "guarantee.circle",
                "rule_version": "1",
                "status": "completed",
                "as_of": dt.date(2026, 11, 1),
                "started_at": utc("2026-11-01T01:00:00Z"),
                "finished_at": utc("2026-11-01T01:00:05Z"),
                "duration_ms": 5000,
                "parameters": "{}",
                "counts": '{"new": 1}',
            },
            {
                "run_id": "R-SCORE-1",
                "rule_id": "contagion.blacklist",
                "status": "completed",
                "as_of": dt.date(2026, 11, 1),
                "started_at": utc("2026-11-01T02:00:00Z"),
            },
        ],
        alerts=[
            Alert(
                {
                    "alert_id": CIRCLE_ALERT_ID,
                    "rule_id": "guarantee.circle",
                    "rule_version": "1",
                    "severity": "high",
                    "status": "open",
                    "active": True,
                    "entity_ids": ["C:APPLICANT", "C:SISTER"],
                    "explanation_zh": "互保",
                    "explanation_en": "mutual guarantee",
                    "evidence": json.dumps(
                        {
                            "circle_id": CIRCLE_ID,
                            "members": ["C:APPLICANT", "C:SISTER"],
                            "paths": [["C:APPLICANT", "C:SISTER", "C:APPLICANT"]],
                            "edge_count": 2,
                            "internal_amount": 5.0e7,
                        }
                    ),
                    "first_run_id": "R-CIRCLE-1",
                    "last_run_id": "R-CIRCLE-1",
                },
                ["C:APPLICANT", "C:SISTER"],
                "R-CIRCLE-1",
            )
        ],
        scores=[
            {
                "score_id": "R-SCORE-1|C:APPLICANT",
                "run_id": "R-SCORE-1",
                "entity_id": "C:APPLICANT",
                "score": 0.42,
                "hops": 2,
                "as_of": dt.date(2026, 11, 1),
                "paths": json.dumps([["C:APPLICANT", "C:OUTSIDER", "C:LISTED"]]),
            }
        ],
        source_records=[boss_source_record()],
    )


def build(driver: Driver) -> None:
    """Create the sample graph in an empty database (the caller empties it)."""
    write_world(driver, world())
