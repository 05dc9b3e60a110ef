"""Helpers for rule tests: tiny graphs written with plain Cypher (UNWIND) into the real test Neo4j."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from neo4j import Driver

from risk_rules.config import load_config
from risk_rules.runner import RuleRunSummary, run_rules

AS_OF = dt.date(2025, 12, 31)


@dataclass
class GraphSpec:
    """A tiny graph: append facts, then ``write(driver)``."""

    companies: list[dict[str, Any]] = field(default_factory=list)
    persons: list[dict[str, Any]] = field(default_factory=list)
    guarantees: list[dict[str, Any]] = field(default_factory=list)
    holdings: list[dict[str, Any]] = field(default_factory=list)
    positions: list[dict[str, Any]] = field(default_factory=list)
    family: list[dict[str, Any]] = field(default_factory=list)
    loans: list[dict[str, Any]] = field(default_factory=list)
    listings: list[dict[str, Any]] = field(default_factory=list)
    phones: list[dict[str, Any]] = field(default_factory=list)
    addresses: list[dict[str, Any]] = field(default_factory=list)

    def company(self, eid: str, **props: Any) -> str:
        self.companies.append({"entity_id": eid, "name": props.pop("name", f"公司{eid}"), **props})
        return eid

    def person(self, eid: str, **props: Any) -> str:
        self.persons.append({"entity_id": eid, "name": props.pop("name", f"人{eid}"), **props})
        return eid

    def guarantee(
        self, g: str, b: str, amount: float = 1e6, contract: str | None = None, **props: Any
    ) -> None:
        self.guarantees.append(
            {
                "g": g,
                "b": b,
                "props": {
                    "amount": amount,
                    "contract_id": contract or f"GC-{g}-{b}-{len(self.guarantees)}",
                    **props,
                },
            }
        )

    def holds(self, h: str, c: str, pct: float, **props: Any) -> None:
        self.holdings.append({"h": h, "c": c, "props": {"pct": pct, **props}})

    def position(self, p: str, c: str, role: str, **props: Any) -> None:
        self.positions.append({"p": p, "c": c, "props": {"role": role, **props}})

    def relative(self, a: str, b: str, relation: str) -> None:
        self.family.append({"a": a, "b": b, "props": {"relation": relation}})

    def loan(self, borrower: str, balance: float, status: str = "normal", loan_id: str | None = None) -> None:
        lid = loan_id or f"L-{borrower}-{len(self.loans)}"
        self.loans.append(
            {
                "b": borrower,
                "props": {"loan_id": lid, "amount": balance, "balance": balance, "status": status},
            }
        )

    def listed(
        self,
        eid: str,
        kind: str = "dishonest_judgment_debtor",
        list_date: dt.date = dt.date(2024, 1, 1),
        **props: Any,
    ) -> None:
        self.listings.append(
            {
                "e": eid,
                "props": {
                    "entry_id": f"BL-{eid}-{len(self.listings)}",
                    "kind": kind,
                    "list_date": list_date,
                    **props,
                },
            }
        )

    def phone(self, eid: str, number: str) -> None:
        self.phones.append({"e": eid, "n": number})

    def address(self, eid: str, key: str) -> None:
        self.addresses.append({"e": eid, "k": key})

    def write(self, driver: Driver) -> None:
        """Unlabelled ``MATCH ({entity_id})`` is a scan: fine for the few dozen nodes of a test graph."""
        with driver.session() as s:
            s.run("UNWIND $rows AS r CREATE (c:Company) SET c = r", rows=self.companies).consume()
            s.run("UNWIND $rows AS r CREATE (p:Person) SET p = r", rows=self.persons).consume()
            for rows, q in (
                (
                    self.guarantees,
                    "MATCH (g {entity_id: r.g}), (b {entity_id: r.b}) CREATE (g)-[x:GUARANTEES]->(b) SET x = r.props",
                ),
                (
                    self.holdings,
                    "MATCH (h {entity_id: r.h}), (c:Company {entity_id: r.c}) CREATE (h)-[x:HOLDS_SHARES]->(c) SET x = r.props",
                ),
                (
                    self.positions,
                    "MATCH (p:Person {entity_id: r.p}), (c:Company {entity_id: r.c}) CREATE (p)-[x:HOLDS_POSITION]->(c) SET x = r.props",
                ),
                (
                    self.family,
                    "MATCH (a:Person {entity_id: r.a}), (b:Person {entity_id: r.b}) CREATE (a)-[x:FAMILY_OF]->(b) SET x = r.props",
                ),
                (self.loans, "MATCH (b {entity_id: r.b}) CREATE (b)-[:BORROWED]->(l:Loan) SET l = r.props"),
                (
                    self.listings,
                    "MATCH (e {entity_id: r.e}) CREATE (e)-[:LISTED_AS]->(l:BlacklistEntry) SET l = r.props",
                ),
                (
                    self.phones,
                    "MATCH (e {entity_id: r.e}) MERGE (p:Phone {number: r.n}) CREATE (e)-[:HAS_PHONE]->(p)",
                ),
                (
                    self.addresses,
                    "MATCH (e {entity_id: r.e}) MERGE (a:Address {address_key: r.k}) CREATE (e)-[:HAS_ADDRESS]->(a)",
                ),
            ):
                if rows:
                    s.run("UNWIND $rows AS r " + q, rows=rows).consume()


def run(driver: Driver, *rule_ids: str, as_of: dt.date = AS_OF, **overrides: Any) -> list[RuleRunSummary]:
    """Run rules with default parameters plus ``overrides`` = {rule_id: {param: value}} / {"bank": {...}}
    / {"control": {...}}.

    The hand-built worlds are dated around ``AS_OF``, which is "today" for their runs: a run as of
    ``AS_OF`` is the live run, an earlier one a snapshot of that date (see :func:`snapshot_alerts`)."""
    extra: dict[str, Any] = {}
    for key, value in overrides.items():
        if key in ("bank", "control"):
            extra[key] = value
        else:
            extra.setdefault("rules", {})[key.replace("__", ".")] = value
    summaries = run_rules(
        driver, load_config(extra=extra), rule_ids=list(rule_ids) or None, as_of=as_of, today=AS_OF
    )
    failed = [s for s in summaries if s.status != "completed"]
    assert not failed, failed
    return summaries


def alerts(driver: Driver, rule_id: str, *, active_only: bool = True) -> list[dict[str, Any]]:
    """Alerts of a rule as dicts, evidence decoded, with the ids of the entities they CONCERN."""
    with driver.session() as s:
        recs = s.run(
            "MATCH (a:Alert {rule_id: $rule}) WHERE a.active OR NOT $active_only "
            "OPTIONAL MATCH (a)-[:CONCERNS]->(e) "
            "RETURN a {.*} AS a, collect(e.entity_id) AS concerns ORDER BY a.alert_id",
            rule=rule_id,
            active_only=active_only,
        )
        out = []
        for r in recs:
            a = dict(r["a"])
            a["evidence"] = json.loads(a["evidence"])
            a["concerns"] = sorted(r["concerns"])
            out.append(a)
    return out


def snapshot_alerts(driver: Driver, rule_id: str, as_of: dt.date) -> list[dict[str, Any]]:
    """The snapshot alerts of a rule as of a past date, evidence decoded, in alert-id order."""
    with driver.session() as s:
        recs = s.run(
            "MATCH (a:SnapshotAlert {rule_id: $rule, as_of: $as_of})-[:IN_SNAPSHOT]->(:Snapshot {as_of: $as_of}) "
            "RETURN a {.*} AS a ORDER BY a.alert_id",
            rule=rule_id,
            as_of=as_of,
        )
        return [{**dict(r["a"]), "evidence": json.loads(r["a"]["evidence"])} for r in recs]
