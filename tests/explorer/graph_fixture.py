"""The explorer tests' hand-built world on the shared core of tests/support/sample_world.py.

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
    SourceRecord,
    World,
    boss_group,
    boss_source_record,
    clear,
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

CIRCLE_ALERT = alert_id("guarantee.circle", "GC-1")
RIC_WIFE = make_ric("11010119720202234")

COMPANIES = [
    ("C:APPLICANT", "杭州甲科技有限公司", make_uscc("91330106MA2B00001"), "浙江省杭州市", 8.0e7),
    ("C:SISTER", "杭州乙贸易有限公司", make_uscc("91330106MA2B00002"), "浙江省杭州市", 4.0e7),
    ("C:THIRD", "绍兴丙纺织有限公司", make_uscc("91330106MA2B00006"), "浙江省绍兴市", 3.0e7),
    ("C:OUTSIDER", "宁波丙实业有限公司", make_uscc("91330106MA2B00003"), "浙江省宁波市", 1.0e7),
    ("C:LISTED", "温州丁投资有限公司", make_uscc("91330106MA2B00004"), "浙江省温州市", 1.0e6),
    ("C:OLDLISTED", "台州戊机械有限公司", make_uscc("91330106MA2B00005"), "浙江省台州市", 2.0e6),
]
PERSONS = [("P:BOSS", "王建国", RIC_BOSS, "1970-01-01"), ("P:WIFE", "李秀英", RIC_WIFE, "1972-02-02")]
SHARES = [*CORE_SHARES, ("C:OLDLISTED", "C:THIRD", 20.0)]
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


def _run(run_id: str, rule_id: str, as_of: str, started: str, ms: int, **extra: object) -> dict:
    return {
        "run_id": run_id,
        "rule_id": rule_id,
        "rule_version": "1",
        "status": "completed",
        "as_of": dt.date.fromisoformat(as_of),
        "started_at": utc(started),
        "duration_ms": ms,
        **extra,
    }


def world() -> World:
    """The explorer tests' world on the shared core (tests/support/sample_world.py)."""
    circle_evidence = {
        "circle_id": "GC-1",
        "members": ["C:APPLICANT", "C:SISTER", "C:THIRD"],
        "edge_count": 4,
        "internal_amount": 7.7e7,
        "paths": [
            ["C:APPLICANT", "C:SISTER", "C:APPLICANT"],
            ["C:APPLICANT", "C:SISTER", "C:THIRD", "C:APPLICANT"],
        ],
    }
    second_record = {
        "record_key": "crm|persons|77",
        "source": "crm",
        "kind": "persons",
        "source_record_id": "77",
        "batch_id": "B2",
        "source_file": "crm_persons.xlsx",
        "source_row": 12,
        "payload": json.dumps(
            {"name": "王建國", "id_masked": RIC_BOSS[:4] + "**********" + RIC_BOSS[-4:]}, ensure_ascii=False
        ),
        "ingested_at": utc("2026-11-02T00:00:00Z"),
    }
    second_evidence = {
        "decision": "review",
        "pairs": [{"other": "test|persons|src-1", "decision": "review", "score": 0.81, "rule": None}],
        "probability": 0.81,
        "total_weight": 2.1,
        "steps": [
            {"comparison": "name", "level": "t2s exact", "weight": 6.2},
            {"comparison": "id_number", "level": "masked agrees", "weight": 1.4},
            {"comparison": "phone", "level": "missing", "weight": 0.0},
        ],
        "rule": None,
    }
    return World(
        companies=[
            {
                "entity_id": eid,
                "name": name,
                "name_norm": name,
                "uscc": code,
                "region": region,
                "net_assets": assets,
                "registered_capital": assets,
                "status": "存续",
                "source": "test",
                "batch_id": "B1",
                "record_keys": ["test|companies|" + eid],
            }
            for eid, name, code, region, assets in COMPANIES
        ],
        persons=[
            {
                "entity_id": eid,
                "name": name,
                "id_number": idn,
                "birth_date": dt.date.fromisoformat(born),
                "source": "test",
                "batch_id": "B1",
                "record_keys": ["test|persons|" + eid],
            }
            for eid, name, idn, born in PERSONS
        ],
        shares=SHARES,
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
                    "list_date": dt.date(2026, 10, 1),
                    "authority": "温州市中级人民法院",
                    "reason": "拒不履行",
                },
            ),
            (
                "C:OLDLISTED",
                {
                    "entry_id": "BL-0",
                    "kind": "abnormal_operation",
                    "list_date": dt.date(2023, 3, 1),
                    "removal_date": dt.date(2024, 3, 1),
                    "authority": "台州市市场监管局",
                },
            ),
        ],
        groups=[boss_group()],
        rule_runs=[
            _run(
                "R-CIRCLE-1",
                "guarantee_circle",
                "2026-11-01",
                "2026-11-01T01:00:00Z",
                5000,
                finished_at=utc("2026-11-01T01:00:05Z"),
                parameters="{}",
                counts='{"new": 2}',
            ),
            _run(
                "R-CIRCLE-0",
                "guarantee_circle",
                "2026-10-01",
                "2026-10-01T01:00:00Z",
                4000,
                finished_at=utc("2026-10-01T01:00:04Z"),
                parameters="{}",
                counts='{"new": 1}',
            ),
            _run("R-CONT-0", "contagion.blacklist", "2026-09-01", "2026-09-01T02:00:00Z", 700, counts="{}"),
            _run("R-CONT-1", "contagion.blacklist", "2026-11-01", "2026-11-01T02:00:00Z", 900, counts="{}"),
        ],
        alerts=[
            Alert(
                {
                    "alert_id": CIRCLE_ALERT,
                    "rule_id": "guarantee.circle",
                    "rule_version": "1",
                    "severity": "high",
                    "status": "open",
                    "active": True,
                    "entity_ids": ["C:APPLICANT", "C:SISTER", "C:THIRD"],
                    "explanation_zh": "担保圈：三家企业循环担保",
                    "explanation_en": "guarantee circle of three companies",
                    "evidence": json.dumps(circle_evidence),
                    "first_run_id": "R-CIRCLE-1",
                    "last_run_id": "R-CIRCLE-1",
                },
                ["C:APPLICANT", "C:SISTER", "C:THIRD"],
                "R-CIRCLE-1",
            ),
            Alert(
                {
                    "alert_id": "mutual_guarantee:C:APPLICANT,C:SISTER",
                    "rule_id": "mutual_guarantee",
                    "rule_version": "1",
                    "severity": "medium",
                    "status": "dismissed",
                    "active": True,
                    "entity_ids": ["C:APPLICANT", "C:SISTER"],
                    "explanation_zh": "互保",
                    "explanation_en": "mutual guarantee",
                    "evidence": "{}",
                    "first_run_id": "R-CIRCLE-0",
                    "last_run_id": "R-CIRCLE-1",
                    "triaged_by": "examiner-x",
                    "triage_comment": "已知 known",
                    "triaged_at": utc("2026-10-02T00:00:00Z"),
                },
                ["C:APPLICANT", "C:SISTER"],
                "R-CIRCLE-0",
            ),
        ],
        scores=[
            {
                "score_id": r["run_id"] + "|" + r["entity_id"],
                "run_id": r["run_id"],
                "entity_id": r["entity_id"],
                "score": r["score"],
                "hops": r["hops"],
                "as_of": dt.date.fromisoformat(r["as_of"]),
                "paths": r["paths"],
                "is_seed": r["seed"],
            }
            for r in SCORES
        ],
        source_records=[
            boss_source_record(),
            SourceRecord("P:BOSS", second_record, json.dumps(second_evidence)),
        ],
    )


def build(driver: Driver) -> None:
    """Empty the graph (API keys and users kept) and write the fixture graph."""
    clear(driver)
    write_world(driver, world())
