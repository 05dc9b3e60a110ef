"""The one builder of the hand-made test graphs (tests/api and tests/explorer), per graph_model.schema.

A world is data — companies, persons, shareholdings, guarantees, loans, family ties, phones,
blacklist listings, groups with their controllers, rule runs, alerts, risk scores and source
records — and :func:`write_world` is the one place that turns it into Cypher. The API and explorer
suites declare their worlds on a shared core (:data:`CORE` plus their own additions), so a change to
the schema is made here once. Dates and times are Python ``date``/``datetime`` values (the driver
stores them as Neo4j temporals).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from neo4j import Driver
from stdnum.cn import ric, uscc


def make_uscc(body17: str) -> str:
    """A valid 统一社会信用代码 from its first 17 characters (the check character appended)."""
    return body17 + uscc.calc_check_digit(body17)


def make_ric(body17: str) -> str:
    """A valid resident ID from its first 17 digits (the check digit appended)."""
    return body17 + ric.calc_check_digit(body17 + "0")  # it ignores the last char


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass
class Alert:
    props: dict[str, Any]
    concerns: list[str]
    raised_in: str


@dataclass
class Group:
    props: dict[str, Any]
    members: list[str]
    member_reason: str
    controls: list[tuple[str, str, float, str]]  # controller, company, share, basis
    control_run_id: str


@dataclass
class SourceRecord:
    entity_id: str
    props: dict[str, Any]
    match_evidence: str


@dataclass
class World:
    companies: list[dict[str, Any]] = field(default_factory=list)
    persons: list[dict[str, Any]] = field(default_factory=list)
    shares: list[tuple[str, str, float]] = field(default_factory=list)
    guarantees: list[tuple[str, str, str, float]] = field(default_factory=list)
    loans: list[tuple[str, str, float, float, str]] = field(default_factory=list)
    family: list[tuple[str, str, str]] = field(default_factory=list)
    phones: list[tuple[str, str]] = field(default_factory=list)
    listings: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    rule_runs: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    scores: list[dict[str, Any]] = field(default_factory=list)
    source_records: list[SourceRecord] = field(default_factory=list)


def clear(driver: Driver) -> None:
    """Empty the graph, keeping users and their API keys."""
    with driver.session() as s:
        s.run("MATCH (n) WHERE NOT n:ApiKey AND NOT n:User DETACH DELETE n").consume()


def write_world(driver: Driver, w: World) -> None:
    """Write ``w`` into the graph (the caller empties it first, see :func:`clear`)."""
    with driver.session() as s:

        def run(query: str, **params: Any) -> None:
            s.run(query, **params).consume()

        run("UNWIND $rows AS r CREATE (c:Company) SET c = r", rows=w.companies)
        run("UNWIND $rows AS r CREATE (p:Person) SET p = r", rows=w.persons)
        run(
            "UNWIND $rows AS r MATCH (h {entity_id: r[0]}), (c:Company {entity_id: r[1]}) "
            "CREATE (h)-[:HOLDS_SHARES {pct: r[2], source: 'test'}]->(c)",
            rows=w.shares,
        )
        run(
            "UNWIND $rows AS r MATCH (a {entity_id: r[0]}), (b {entity_id: r[1]}) "
            "CREATE (a)-[:GUARANTEES {contract_id: r[2], amount: r[3], kind: 'joint', source: 'test'}]->(b)",
            rows=w.guarantees,
        )
        run(
            "UNWIND $rows AS r MATCH (b {entity_id: r[0]}) "
            "CREATE (b)-[:BORROWED {source: 'test'}]->(:Loan {loan_id: r[1], amount: r[2], balance: r[3], "
            "status: r[4], currency: 'CNY', start_date: date('2024-01-01')})",
            rows=w.loans,
        )
        run(
            "UNWIND $rows AS r MATCH (a:Person {entity_id: r[0]}), (b:Person {entity_id: r[1]}) "
            "CREATE (a)-[:FAMILY_OF {relation: r[2]}]->(b)",
            rows=w.family,
        )
        run(
            "UNWIND $rows AS r MATCH (p {entity_id: r[0]}) CREATE (p)-[:HAS_PHONE]->(:Phone {number: r[1]})",
            rows=w.phones,
        )
        run(
            "UNWIND $rows AS r MATCH (e {entity_id: r[0]}) CREATE (e)-[:LISTED_AS]->(b:BlacklistEntry) SET b = r[1]",
            rows=w.listings,
        )
        for g in w.groups:
            run(
                "CREATE (g:Group) SET g = $props WITH g UNWIND $members AS m MATCH (c {entity_id: m}) "
                "CREATE (c)-[:MEMBER_OF {run_id: $props.run_id, reason: $reason}]->(g)",
                props=g.props,
                members=g.members,
                reason=g.member_reason,
            )
            run(
                "UNWIND $rows AS r MATCH (p {entity_id: r[0]}), (c {entity_id: r[1]}) "
                "CREATE (p)-[:CONTROLS {share: r[2], basis: r[3], chain: [r[0], r[1]], run_id: $run}]->(c)",
                rows=g.controls,
                run=g.control_run_id,
            )
        run("UNWIND $rows AS r CREATE (x:RuleRun) SET x = r", rows=w.rule_runs)
        for a in w.alerts:
            run(
                "MATCH (run:RuleRun {run_id: $run}) CREATE (al:Alert)-[:RAISED_IN]->(run) SET al = $props "
                "WITH al UNWIND $concerns AS e MATCH (x {entity_id: e}) CREATE (al)-[:CONCERNS]->(x)",
                props=a.props,
                concerns=a.concerns,
                run=a.raised_in,
            )
        run(
            "UNWIND $rows AS r MATCH (e {entity_id: r.entity_id}) CREATE (e)-[:SCORED]->(x:RiskScore) SET x = r",
            rows=w.scores,
        )
        for sr in w.source_records:
            run(
                "MATCH (p {entity_id: $eid}) CREATE (sr:SourceRecord) SET sr = $props "
                "CREATE (p)-[:DERIVED_FROM {match_evidence: $ev}]->(sr)",
                eid=sr.entity_id,
                props=sr.props,
                ev=sr.match_evidence,
            )


# --- the core both suites share --------------------------------------------------------------------
RIC_BOSS = make_ric("11010119700101123")
MOBILE_BOSS = "13912345678"

#: P:BOSS holds 60% of C:APPLICANT and 70% of C:SISTER, his spouse P:WIFE 40% of C:APPLICANT;
#: C:LISTED holds 30% of C:OUTSIDER
CORE_SHARES = [
    ("P:BOSS", "C:APPLICANT", 60.0),
    ("P:WIFE", "C:APPLICANT", 40.0),
    ("P:BOSS", "C:SISTER", 70.0),
    ("C:LISTED", "C:OUTSIDER", 30.0),
]
CORE_LOANS = [
    ("C:APPLICANT", "L-1", 6.0e7, 5.0e7, "normal"),
    ("C:SISTER", "L-2", 3.0e7, 3.0e7, "normal"),
    ("C:OUTSIDER", "L-3", 1.0e7, 1.0e7, "overdue"),
]
CORE_FAMILY = [("P:WIFE", "P:BOSS", "spouse")]
CORE_PHONES = [("P:BOSS", MOBILE_BOSS)]


def boss_group() -> Group:
    """Group G:BOSS (王建国系): APPLICANT and SISTER, both controlled by P:BOSS (rule-written)."""
    return Group(
        props={
            "group_id": "G:BOSS",
            "name": "王建国系",
            "controller_ids": ["P:BOSS"],
            "size": 2,
            "exposure": 8.0e7,
            "run_id": "R-GROUP-1",
        },
        members=["C:APPLICANT", "C:SISTER"],
        member_reason="controlled by P:BOSS",
        controls=[("P:BOSS", "C:APPLICANT", 0.6, "majority"), ("P:BOSS", "C:SISTER", 0.7, "majority")],
        control_run_id="R-CTRL-1",
    )


def boss_source_record() -> SourceRecord:
    """P:BOSS's source row, its payload carrying his resident ID and mobile (for masking tests)."""
    import json

    payload = {"person_id": "src-1", "name": "王建国", "id_number": RIC_BOSS, "phone": MOBILE_BOSS}
    return SourceRecord(
        "P:BOSS",
        {
            "record_key": "test|persons|src-1",
            "source": "test",
            "kind": "persons",
            "source_record_id": "src-1",
            "batch_id": "B1",
            "source_file": "persons.csv",
            "source_row": 1,
            "payload": json.dumps(payload, ensure_ascii=False),
            "ingested_at": utc("2026-11-01T00:00:00Z"),
        },
        json.dumps({"rule": "same valid id_number", "weight": 12.5}),
    )
