"""Apply entity-resolution moves to the graph: a source record now belongs to another entity.

A move happens when a reviewer's judgement or split, or a new record bridging two entities, changes
the entity of a record already loaded. The record's ``DERIVED_FROM`` goes to its new entity, and with
it every relationship whose supporting source row named that record (its ``*_ref`` columns). An
entity left without records is merged away: its remaining relationships move to the entity that took
most of its records, and it is deleted. Nothing is lost without trace: each side keeps a
``FactVersion`` (attribute ``entity_membership``) saying which records left or joined, when and why.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from neo4j import Driver, ManagedTransaction

from graph_model import schema as s
from graph_model.history import fact_version, write_versions
from ingest import contract as c
from ingest.facts import RELATIONSHIP_IDENTITY

LABEL_OF_KIND = {c.COMPANIES: s.COMPANY, c.PERSONS: s.PERSON}
NOT_MOVED = {s.DERIVED_FROM, s.HAS_VERSION}


def apply_moves(
    driver: Driver, database: str, kind: str, moves: Iterable[tuple[str, str, str]], batch_id: str
) -> int:
    """Apply (record_key, old entity, new entity) moves of one party kind; returns records moved."""
    moves = list(moves)
    if not moves:
        return 0
    label = LABEL_OF_KIND[kind]
    by_old: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for record_key, old, new in moves:
        by_old[old].append((record_key, new))
    with driver.session(database=database) as session:
        for old, recs in sorted(by_old.items()):
            session.execute_write(_rehome_entity, label, old, recs, batch_id)
    return len(moves)


def _rehome_entity(
    tx: ManagedTransaction, label: str, old: str, recs: list[tuple[str, str]], batch_id: str
) -> None:
    new_of = dict(recs)
    today = dt.date.today()
    base = tx.run(f"MATCH (o:{label} {{entity_id: $old}}) RETURN properties(o) AS p", old=old).single()
    inherited = {k: v for k, v in (base["p"] if base else {}).items() if k != "entity_id"}
    for new in sorted(set(new_of.values())):
        # a new entity starts from the old one's attributes; its own records' next load refreshes them
        tx.run(
            f"MERGE (n:{label} {{entity_id: $new}}) ON CREATE SET n += $props", new=new, props=inherited
        ).consume()
    tx.run(
        f"UNWIND $rows AS row MATCH (o:{label} {{entity_id: $old}})-[d:{s.DERIVED_FROM}]->"
        f"(sr:{s.SOURCE_RECORD} {{record_key: row.k}}) MATCH (n:{label} {{entity_id: row.new}}) "
        f"CREATE (n)-[:{s.DERIVED_FROM} {{match_evidence: d.match_evidence}}]->(sr) DELETE d",
        old=old,
        rows=[{"k": k, "new": n} for k, n in recs],
    ).consume()
    counted = tx.run(
        f"MATCH (o:{label} {{entity_id: $old}})-[:{s.DERIVED_FROM}]->(sr) RETURN count(sr) AS n", old=old
    ).single()
    remaining = counted["n"] if counted else 0
    heir = Counter(new_of.values()).most_common(1)[0][0]
    moved_keys = set(new_of)
    for rel in tx.run(
        f"MATCH (o:{label} {{entity_id: $old}})-[r]-(x) WHERE NOT type(r) IN $skip "
        "RETURN elementId(r) AS id, type(r) AS type, startNode(r) = o AS outgoing, r.record_keys AS keys, "
        "COLLECT { UNWIND coalesce(r.record_keys, []) AS k MATCH (sr:"
        + s.SOURCE_RECORD
        + " {record_key: k}) "
        "RETURN sr.payload } AS payloads",
        old=old,
        skip=sorted(NOT_MOVED),
    ).data():
        target = _target(rel, moved_keys, new_of) or (heir if remaining == 0 else None)
        if target:
            _move_relationship(tx, label, rel, target)
    _history(tx, label, old, new_of, remaining, batch_id, today)
    if remaining == 0:
        tx.run(f"MATCH (o:{label} {{entity_id: $old}}) DETACH DELETE o", old=old).consume()


def _target(rel: dict[str, Any], moved_keys: set[str], new_of: dict[str, str]) -> str | None:
    """The new entity of the moved party record that this relationship's source rows named, if any."""
    for key, payload in zip(rel["keys"] or [], rel["payloads"] or [], strict=False):
        source = key.split("|", 1)[0]
        values = json.loads(payload or "{}")
        for column, value in values.items():
            if not column.endswith("_ref") or not value:
                continue
            for kind in LABEL_OF_KIND:
                party_key = f"{source}|{kind}|{value}"
                if party_key in moved_keys:
                    return new_of[party_key]
    return None


def _move_relationship(tx: ManagedTransaction, label: str, rel: dict[str, Any], target: str) -> None:
    """Move one relationship to the target entity; where the target already has the same fact (same
    type, other end and identity properties — another source's row of it), the two become one, with
    the supporting record keys of both."""
    rel_type = s.rel_type(rel["type"]).type  # a schema type, never text from data
    same = " AND ".join(f"r2.{p} = r.{p}" for p in RELATIONSHIP_IDENTITY.get(rel_type, ())) or "true"
    twin = f"(n)-[r2:{rel_type}]->(x)" if rel["outgoing"] else f"(x)-[r2:{rel_type}]->(n)"
    merged = tx.run(
        f"MATCH ()-[r]->() WHERE elementId(r) = $id WITH r, CASE WHEN $outgoing THEN endNode(r) ELSE startNode(r) END AS x "
        f"MATCH (n:{label} {{entity_id: $target}}) MATCH {twin} WHERE {same} AND elementId(r2) <> elementId(r) "
        "WITH r, r2 LIMIT 1 "
        "SET r2.record_keys = reduce(acc = coalesce(r2.record_keys, []), k IN coalesce(r.record_keys, []) | "
        "CASE WHEN k IN acc THEN acc ELSE acc + k END) "
        "DELETE r RETURN count(*) AS n",
        id=rel["id"],
        outgoing=rel["outgoing"],
        target=target,
    ).single()
    if merged and merged["n"]:
        return
    pattern = f"(n)-[r2:{rel_type}]->(x)" if rel["outgoing"] else f"(x)-[r2:{rel_type}]->(n)"
    tx.run(
        f"MATCH ()-[r]->() WHERE elementId(r) = $id WITH r, CASE WHEN $outgoing THEN endNode(r) ELSE startNode(r) END AS x "
        f"MATCH (n:{label} {{entity_id: $target}}) CREATE {pattern} SET r2 = properties(r) DELETE r",
        id=rel["id"],
        outgoing=rel["outgoing"],
        target=target,
    ).consume()


def _history(
    tx: ManagedTransaction,
    label: str,
    old: str,
    new_of: dict[str, str],
    remaining: int,
    batch_id: str,
    today: dt.date,
) -> None:
    by_new: dict[str, list[str]] = defaultdict(list)
    for k, n in new_of.items():
        by_new[n].append(k)
    rows = []
    for new, keys in sorted(by_new.items()):
        change = {"records": sorted(keys), "from": old, "to": new, "old_entity_removed": remaining == 0}
        payload = json.dumps(change, ensure_ascii=False, sort_keys=True)
        for owner in ([old] if remaining else []) + [new]:
            props = fact_version(
                subject=owner,
                attribute="entity_membership",
                value=payload,
                superseded_by=batch_id,
                valid_to=today,
                batch_id=batch_id,
            )
            rows.append({"owner": owner, "props": {k: v for k, v in props.items() if v is not None}})
    write_versions(tx, label, rows)
