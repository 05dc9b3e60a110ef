"""Derived facts written back to the graph: CONTROLS, Group + MEMBER_OF, RiskScore snapshots.

CONTROLS and groups describe the *current* state, so a run reconciles them: facts unchanged since
the last run are left alone (their ``run_id`` still names the run that established them), changed
ones are updated, vanished ones removed. Risk scores are snapshots: every contagion run adds its
own ``RiskScore`` nodes so earlier runs can be compared (see :mod:`risk_rules.reach`).
All writes are ``UNWIND`` batches.
"""

from __future__ import annotations

import json
from typing import Any

from neo4j import Driver

from graph_model import schema as S
from risk_rules.alerts import batches


def _party_match(var: str, scope: str, key: str) -> str:
    """Match a Company or a Person by entity id using the label's unique index (no label scan)."""
    return (
        f"CALL ({scope}) {{ MATCH (x:{S.COMPANY} {{entity_id: {key}}}) RETURN x AS {var} "
        f"UNION MATCH (x:{S.PERSON} {{entity_id: {key}}}) RETURN x AS {var} }}"
    )


def write_controls(driver: Driver, database: str, rows: list[dict[str, Any]], run_id: str) -> dict[str, int]:
    """Reconcile CONTROLS with ``rows`` = [{controller, company, share, basis, chain, votes_pct}]."""
    want = {(r["controller"], r["company"]): r for r in rows}
    with driver.session(database=database, notifications_min_severity="OFF") as session:
        # One packed record: streaming one Bolt record per CONTROLS (10^5–10^6 of them) costs more
        # client time than the query (as in projection.read_columns).
        rec = session.run(
            f"MATCH (a)-[r:{S.CONTROLS}]->(b:{S.COMPANY}) "
            "RETURN collect([a.entity_id, b.entity_id, r.share, r.basis, r.chain]) AS rows"
        ).single()
        have = {(a, b): (share, basis, chain) for a, b, share, basis, chain in (rec["rows"] if rec else ())}
        stale = [{"a": a, "b": b} for (a, b) in have if (a, b) not in want]
        upsert = [
            r
            for k, r in want.items()
            if k not in have or have[k] != (r["share"], r["basis"], list(r["chain"]))
        ]
        for chunk in batches(stale, 10000):
            session.run(
                f"UNWIND $rows AS row {_party_match('a', 'row', 'row.a')} "
                f"MATCH (a)-[r:{S.CONTROLS}]->(:{S.COMPANY} {{entity_id: row.b}}) DELETE r",
                rows=chunk,
            ).consume()
        # ``have`` holds every CONTROLS, so a pair not in it is created without MERGE's look-up
        # of the controller's existing relationships (hubs have thousands).
        fresh = [r for r in upsert if (r["controller"], r["company"]) not in have]
        known = [r for r in upsert if (r["controller"], r["company"]) in have]
        for chunk, verb in [(c, "CREATE") for c in batches(fresh, 10000)] + [
            (c, "MERGE") for c in batches(known, 10000)
        ]:
            session.run(
                f"UNWIND $rows AS row {_party_match('a', 'row', 'row.controller')} "
                f"MATCH (b:{S.COMPANY} {{entity_id: row.company}}) "
                f"{verb} (a)-[r:{S.CONTROLS}]->(b) "
                "SET r.share = row.share, r.basis = row.basis, r.chain = row.chain, "
                "r.votes_pct = row.votes_pct, r.run_id = $run_id",
                rows=chunk,
                run_id=run_id,
            ).consume()
    created = len(fresh)
    return {
        "controls_created": created,
        "controls_updated": len(upsert) - created,
        "controls_removed": len(stale),
        "controls_unchanged": len(want) - len(upsert),
    }


def write_groups(driver: Driver, database: str, groups: list[dict[str, Any]], run_id: str) -> dict[str, int]:
    """Reconcile Group nodes and MEMBER_OF with ``groups`` = [{group_id, name, controller_ids,
    members: [{id, reason}], exposure}]. A group id is a hash of its members, so a changed
    membership is a new group and the old one is removed."""
    want = {g["group_id"]: g for g in groups}
    with driver.session(database=database, notifications_min_severity="OFF") as session:
        have = {
            rec["id"]: rec["exposure"]
            for rec in session.run(f"MATCH (g:{S.GROUP}) RETURN g.group_id AS id, g.exposure AS exposure")
        }
        stale = [gid for gid in have if gid not in want]
        new = [g for gid, g in want.items() if gid not in have]
        changed = [g for gid, g in want.items() if gid in have and have[gid] != g["exposure"]]
        for chunk in batches(stale, 2000):
            session.run(
                f"UNWIND $ids AS id MATCH (g:{S.GROUP} {{group_id: id}}) DETACH DELETE g", ids=chunk
            ).consume()
        for chunk in batches(new, 2000):
            session.run(
                f"""
                UNWIND $rows AS row
                CREATE (g:{S.GROUP} {{group_id: row.group_id}})
                SET g.name = row.name, g.controller_ids = row.controller_ids, g.size = size(row.members),
                    g.exposure = row.exposure, g.control_cycle = row.control_cycle, g.run_id = $run_id
                WITH g, row
                UNWIND row.members AS m
                {_party_match("e", "m", "m.id")}
                CREATE (e)-[:{S.MEMBER_OF} {{run_id: $run_id, reason: m.reason}}]->(g)
                """,
                rows=chunk,
                run_id=run_id,
            ).consume()
        for chunk in batches(changed, 5000):
            session.run(
                f"UNWIND $rows AS row MATCH (g:{S.GROUP} {{group_id: row.group_id}}) "
                "SET g.exposure = row.exposure, g.run_id = $run_id",
                rows=chunk,
                run_id=run_id,
            ).consume()
    return {
        "groups_created": len(new),
        "groups_removed": len(stale),
        "groups_updated": len(changed),
        "groups_unchanged": len(want) - len(new) - len(changed),
    }


def write_scores(
    driver: Driver, database: str, rows: list[dict[str, Any]], run_id: str, as_of: Any
) -> dict[str, int]:
    """Add this run's RiskScore snapshot: rows = [{entity_id, score, ppr, hops, paths, seed}]."""
    payload = [
        {**r, "score_id": f"{run_id}|{r['entity_id']}", "paths": json.dumps(r["paths"], ensure_ascii=False)}
        for r in rows
    ]
    with driver.session(database=database, notifications_min_severity="OFF") as session:
        for chunk in batches(payload, 10000):
            session.run(
                f"""
                UNWIND $rows AS row
                {_party_match("e", "row", "row.entity_id")}
                CREATE (s:{S.RISK_SCORE} {{score_id: row.score_id}})
                SET s.run_id = $run_id, s.entity_id = row.entity_id, s.score = row.score, s.ppr = row.ppr,
                    s.hops = row.hops, s.paths = row.paths, s.is_seed = row.seed, s.as_of = $as_of
                CREATE (e)-[:{S.SCORED}]->(s)
                """,
                rows=chunk,
                run_id=run_id,
                as_of=as_of,
            ).consume()
    return {"scores_written": len(payload)}
