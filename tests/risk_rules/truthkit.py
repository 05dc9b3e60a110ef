"""Compare rule results in the graph with a generated data set's ground truth (true ids TC…/TP…)."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

from neo4j import Driver


def entity_to_true(driver: Driver, out: Path) -> dict[str, str]:
    """Graph entity id → true id, through DERIVED_FROM source records and record_map.csv.

    An entity whose records map to several true ids (a wrong merge) maps to none of them."""
    truth: dict[str, str] = {}
    with (out / "ground_truth" / "record_map.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["kind"] in ("companies", "persons"):
                truth[f"{row['source']}|{row['kind']}|{row['record_id']}"] = row["true_id"]
    seen: dict[str, set[str]] = defaultdict(set)
    with driver.session() as s:
        for r in s.run(
            "MATCH (e)-[:DERIVED_FROM]->(s:SourceRecord) WHERE e:Company OR e:Person "
            "RETURN e.entity_id AS e, collect(s.record_key) AS keys"
        ):
            for k in r["keys"]:
                if k in truth:
                    seen[r["e"]].add(truth[k])
    return {e: next(iter(t)) for e, t in seen.items() if len(t) == 1}


def alert_sets(driver: Driver, rule_id: str, to_true: dict[str, str]) -> list[frozenset[str]]:
    """The entity sets of the rule's active alerts built from guarantee edges alone: the circles and
    pairs found only with group customers collapsed (``through_common_control``) are left out, as
    the generator's truth knows guarantee edges only."""
    with driver.session() as s:
        return [
            frozenset(to_true.get(e, e) for e in r["ids"])
            for r in s.run(
                "MATCH (a:Alert {rule_id: $r, active: true}) RETURN a.entity_ids AS ids, a.evidence AS ev",
                r=rule_id,
            )
            if not json.loads(r["ev"] or "{}").get("through_common_control")
        ]


def found_groups(driver: Driver, to_true: dict[str, str]) -> list[frozenset[str]]:
    with driver.session() as s:
        return [
            frozenset(to_true.get(e, e) for e in r["m"])
            for r in s.run(
                "MATCH (e)-[:MEMBER_OF]->(g:Group) RETURN g.group_id AS g, collect(e.entity_id) AS m"
            )
        ]


def found_owners(driver: Driver, to_true: dict[str, str]) -> dict[str, tuple[str, set[str]]]:
    """company true id → (basis, owner true ids) from the beneficial-owner alerts."""
    out: dict[str, tuple[str, set[str]]] = {}
    with driver.session() as s:
        for r in s.run(
            "MATCH (a:Alert {rule_id: 'ownership.beneficial_owner', active: true}) "
            "RETURN a.subject_key AS company, a.kind AS kind, a.evidence AS ev"
        ):
            ev = json.loads(r["ev"])
            owners = {to_true.get(o["person"], o["person"]) for o in ev.get("owners", [])}
            out[to_true.get(r["company"], r["company"])] = (r["kind"], owners)
    return out


def truth_owners(out: Path) -> dict[str, set[str]]:
    """Companies with beneficial owners by the ≥ 25% ownership test → their true owners."""
    res: dict[str, set[str]] = defaultdict(set)
    with (out / "ground_truth" / "beneficial_owners.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["basis"] == "ownership_ge_25pct":
                res[row["company_true_id"]].add(row["person_true_id"])
    return dict(res)


def structures(out: Path) -> dict:
    return json.loads((out / "ground_truth" / "guarantee_structures.json").read_text(encoding="utf-8"))


def groups_truth(out: Path) -> dict:
    return json.loads((out / "ground_truth" / "groups.json").read_text(encoding="utf-8"))
