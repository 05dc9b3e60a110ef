"""Risk profiles in Neo4j: computed by the rule run, reconciled by content hash, read by the check.

One ``RiskProfile`` node per entity (key ``entity_id``), linked ``(entity)-[:HAS_PROFILE]->``,
holding the profile body as JSON plus its provenance: the run that wrote this content, the as-of
date, the rule versions and a digest of the parameters. A re-run compares each entity's content
hash with the stored one and writes only the entities whose findings changed — as alerts are
reconciled — and removes the profiles of entities no run reaches any more. Each profile run is
recorded as a ``RuleRun`` (``rule_id = findings.profiles``); its start time is what "fresh"
means for the check: a fact loaded by an ingest batch started later may not be in a profile.
A snapshot run (as of a past date) writes ``SnapshotProfile`` nodes of that date's ``Snapshot``
instead, replacing that date's earlier ones, and leaves the live profiles alone.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import networkx as nx
import orjson

from graph_model import schema as S
from risk_rules.alerts import batches
from risk_rules.algorithms import ContagionResult
from risk_rules.config import RulesConfig
from risk_rules.findings import FINDINGS_VERSION
from risk_rules.findings.params import FindingParams, rule_versions
from risk_rules.findings.profile import Hood, Precomputed, entity_profile, group_profile, precompute
from risk_rules.framework import RuleContext
from risk_rules.projection import (
    blacklist,
    entity_facts,
    guarantee_edges,
    linkage_ball,
    ownership,
    read_columns,
    valid_at,
)
from risk_rules.rules._common_control import common_control_circles
from risk_rules.rules._control import controllers, groups
from risk_rules.rules._helpers import names_of

PROFILE_RULE_ID = "findings.profiles"
#: the rules' cached results the profile step shows (the runner keeps them until it has run)
PROFILE_READS = frozenset(
    {
        "ownership",
        "controllers",
        "groups",
        "common_control_circles",
        "guarantee_edges",
        "entity_facts",
        "names",
    }
)
#: the per-run cache keys rules leave for the profile step (kept by the runner until the end)
CONTAGION_CACHE_KEY = "findings.contagion"
BENEFICIAL_CACHE_KEY = "findings.beneficial_owners"

_SHARED_CONTACTS = f"""
MATCH (k)<-[r1:{S.HAS_PHONE}|{S.HAS_ADDRESS}]-(x)
WHERE (k:{S.PHONE} OR k:{S.ADDRESS}) AND {valid_at("r1")} AND x.entity_id IS NOT NULL
WITH k, collect(DISTINCT x.entity_id) AS xs WHERE 2 <= size(xs) AND size(xs) <= $max_contact_group
RETURN xs
"""


#: profile bodies written per transaction at most (bytes of JSON): the members of a large group
#: each carry the group's rows, and 2,000 such bodies in one transaction exceed a server's
#: transaction memory
MAX_WRITE_BYTES = 16 * 1024 * 1024


def by_size(rows: list[dict[str, Any]], max_bytes: int) -> list[list[dict[str, Any]]]:
    """``rows`` cut, in order, into runs whose ``body`` texts sum to at most ``max_bytes`` (a body
    larger than that is a run of its own).

    >>> [len(p) for p in by_size([{"body": "x" * 6}, {"body": "x" * 6}, {"body": "x" * 20}, {"body": ""}], 12)]
    [2, 1, 1]
    """
    parts: list[list[dict[str, Any]]] = []
    size = 0
    for row in rows:
        n = len(row["body"])
        if not parts or size + n > max_bytes:
            parts.append([])
            size = 0
        parts[-1].append(row)
        size += n
    return parts


#: canonical JSON: sorted keys, compact, UTF-8 text; numpy numbers as numbers, NaN as null
_BODY_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS


def body_json(body: dict[str, Any]) -> str:
    """A profile body as stored: canonical JSON (equal bodies give equal texts). orjson, because a
    run serialises every touched entity's profile to compare its hash (gigabytes at 100k companies),
    three times faster than the standard library.

    >>> body_json({"b": [1.5, float("nan")], "a": "中"})
    '{"a":"中","b":[1.5,null]}'
    """
    return orjson.dumps(body, option=_BODY_OPTIONS).decode("utf-8")


def hash_prefix(digest: str) -> bytes:
    """What every profile's hash covers besides its body: the shape's version, the rule versions
    and the parameters' digest (computed once per run)."""
    return json.dumps([FINDINGS_VERSION, rule_versions(), digest], sort_keys=True).encode("utf-8")


def profile_hash(body: dict[str, Any] | str, digest: str, prefix: bytes | None = None) -> str:
    """The reconciliation key of a body (a dict, or its :func:`body_json` text)."""
    text = body if isinstance(body, str) else body_json(body)
    return hashlib.sha1((prefix or hash_prefix(digest)) + b"|" + text.encode("utf-8")).hexdigest()


@dataclass
class ProfileCounts:
    written: int = 0
    unchanged: int = 0
    removed: int = 0
    groups_written: int = 0
    groups_unchanged: int = 0
    groups_removed: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "written": self.written,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "groups_written": self.groups_written,
            "groups_unchanged": self.groups_unchanged,
            "groups_removed": self.groups_removed,
        }


def write_group_profiles(
    ctx: RuleContext, run_id: str, hood: Hood, pre: Precomputed, fp: FindingParams, digest: str
) -> tuple[int, int, int]:
    """Reconcile one ``GroupProfile`` per control group of this run by content hash, and remove
    those of groups no longer found: (written, unchanged, removed)."""
    found = {g.group_id: g for g in pre.groups.values()}
    ids = sorted(found)
    written = unchanged = 0
    prefix = hash_prefix(digest)
    with ctx.driver.session(database=ctx.database, notifications_min_severity="OFF") as s:
        for chunk in batches(ids, 2000):
            stored = {
                r["id"]: r["h"]
                for r in s.run(
                    f"UNWIND $ids AS id MATCH (g:{S.GROUP_PROFILE} {{group_id: id}}) "
                    "RETURN id, g.profile_hash AS h",
                    ids=chunk,
                )
            }
            rows = []
            for gid in chunk:
                text = body_json(group_profile(found[gid], hood, pre))
                h = profile_hash(text, digest, prefix)
                if stored.get(gid) == h:
                    unchanged += 1
                    continue
                rows.append({"group_id": gid, "hash": h, "size": len(found[gid].members), "body": text})
            written += len(rows)
            for part in by_size(rows, MAX_WRITE_BYTES):
                s.run(
                    f"""
                    UNWIND $rows AS row
                    MERGE (g:{S.GROUP_PROFILE} {{group_id: row.group_id}})
                    SET g.profile_hash = row.hash, g.body = row.body, g.size = row.size, g.run_id = $run_id,
                        g.as_of = $as_of, g.computed_at = datetime()
                    """,
                    rows=part,
                    run_id=run_id,
                    as_of=ctx.as_of,
                ).consume()
        removed = 0
        while True:
            rec = s.run(
                f"MATCH (g:{S.GROUP_PROFILE}) WHERE NOT g.group_id IN $ids "
                "WITH g LIMIT 10000 DETACH DELETE g RETURN count(*) AS n",
                ids=ids,
            ).single()
            n = int(rec["n"]) if rec else 0
            removed += n
            if n == 0:
                break
    return written, unchanged, removed


def run_hood(ctx: RuleContext, fp: FindingParams) -> tuple[Hood, dict[str, list[str]]]:
    """The whole graph as one :class:`Hood` (the projections the rules read this run) plus the
    shared-contact map (same rule as the contagion projection: contacts shared by at most
    ``max_contact_group`` parties)."""
    own = ownership(ctx)
    e = guarantee_edges(ctx)
    facts = entity_facts(ctx)
    G: nx.DiGraph = nx.DiGraph()
    for g, b, amount, contracts in zip(
        e.guarantor.tolist(), e.borrower.tolist(), e.amount.tolist(), e.contracts, strict=True
    ):
        G.add_edge(g, b, amount=0.0 if amount != amount else float(amount), contracts=list(contracts or []))
    for n, attrs in G.nodes(data=True):
        if n in facts.net_assets:
            attrs["net_assets"] = facts.net_assets[n]
    cols = read_columns(ctx, _SHARED_CONTACTS, max_contact_group=fp.contagion.max_contact_group)
    shared: dict[str, set[str]] = {}
    for xs in cols.get("xs", []):
        for x in xs:
            shared.setdefault(x, set()).update(y for y in xs if y != x)
    hood = Hood(
        ownership=own,
        guarantees=G,
        linkage=None,
        listed={k: list(v) for k, v in blacklist(ctx).items()},
        names={},
        loans=dict(facts.loan_balance),
        net_assets=dict(facts.net_assets),
    )
    return hood, {k: sorted(v) for k, v in shared.items()}


def _contagion(ctx: RuleContext, hood: Hood, fp: FindingParams) -> ContagionResult | None:
    """The contagion rule's result of this run, or (rule not run) the same computation."""
    cached = ctx.cache.get(CONTAGION_CACHE_KEY)
    if cached is not None:
        return cached
    from risk_rules.findings.profile import contagion_scores

    if not hood.listed:
        return None
    L = linkage_ball(ctx, sorted(hood.listed), fp.contagion.max_hops, fp.contagion.max_contact_group)
    return contagion_scores(L, hood.listed, fp)


def write_profiles(
    ctx: RuleContext, cfg: RulesConfig, run_id: str, progress: Callable[[str], None] = lambda _m: None
) -> ProfileCounts:
    """Compute and reconcile the profile of every entity this run's projections reach."""
    fp = FindingParams.from_config(cfg)
    digest = fp.digest()
    hood, shared = run_hood(ctx, fp)
    contagion = _contagion(ctx, hood, fp)
    collapsed = fp.circle.through_common_control or fp.mutual.through_common_control
    pre = precompute(
        hood,
        fp,
        controllers=controllers(ctx),
        contagion=contagion,
        shared_contacts=shared,
        beneficial=ctx.cache.get(BENEFICIAL_CACHE_KEY),
        groups_found=groups(ctx),
        controlled_circles=common_control_circles(ctx)[0] if collapsed and len(hood.guarantees) else None,
    )
    touched = (
        set(hood.ownership.graph) | set(hood.guarantees) | set(hood.loans) | set(hood.listed) | set(shared)
    )
    touched |= {p for p, _, _ in hood.ownership.positions} | {
        x for a, b, _ in hood.ownership.family for x in (a, b)
    }
    if contagion is not None:
        touched |= {s.entity for s in contagion.scores if s.paths or s.is_seed}
    ids = sorted(touched)
    progress(f"profiles: {len(ids)} entities …")
    referenced = set(ids)
    for g in pre.groups.values():
        referenced.update(g.members)
    if contagion is not None:
        referenced.update(
            x for s in contagion.scores if s.entity in touched for p in s.paths for x in p.nodes
        )
    hood.names = names_of(ctx, sorted(referenced))
    t0 = time.perf_counter()
    if ctx.snapshot:
        counts = _write_snapshot(ctx, run_id, ids, hood, pre, fp, digest)
        progress(f"profiles as of {ctx.as_of}: {counts.written} written in {time.perf_counter() - t0:.1f} s")
        return counts
    counts = ProfileCounts()
    prefix = hash_prefix(digest)
    for chunk in batches(ids, 2000):
        bodies = {eid: body_json(entity_profile(eid, hood, pre, fp)) for eid in chunk}
        hashes = {eid: profile_hash(b, digest, prefix) for eid, b in bodies.items()}
        with ctx.driver.session(database=ctx.database, notifications_min_severity="OFF") as s:
            stored = {
                r["id"]: r["h"]
                for r in s.run(
                    f"UNWIND $ids AS id MATCH (p:{S.RISK_PROFILE} {{entity_id: id}}) RETURN id, p.profile_hash AS h",
                    ids=chunk,
                )
            }
            rows = [
                {"entity_id": eid, "hash": hashes[eid], "body": bodies[eid]}
                for eid in chunk
                if stored.get(eid) != hashes[eid]
            ]
            counts.unchanged += len(chunk) - len(rows)
            counts.written += len(rows)
            for part in by_size(rows, MAX_WRITE_BYTES):
                s.run(
                    f"""
                    UNWIND $rows AS row
                    CALL (row) {{
                      MATCH (e:{S.COMPANY} {{entity_id: row.entity_id}}) RETURN e
                      UNION MATCH (e:{S.PERSON} {{entity_id: row.entity_id}}) RETURN e
                    }}
                    MERGE (p:{S.RISK_PROFILE} {{entity_id: row.entity_id}})
                    SET p.profile_hash = row.hash, p.body = row.body, p.run_id = $run_id, p.as_of = $as_of,
                        p.rule_versions = $versions, p.findings_version = $fv, p.params_digest = $digest,
                        p.computed_at = datetime()
                    MERGE (e)-[:{S.HAS_PROFILE}]->(p)
                    """,
                    rows=part,
                    run_id=run_id,
                    as_of=ctx.as_of,
                    versions=json.dumps(rule_versions(), sort_keys=True),
                    fv=FINDINGS_VERSION,
                    digest=digest,
                ).consume()
    group_counts = write_group_profiles(ctx, run_id, hood, pre, fp, digest)
    counts.groups_written, counts.groups_unchanged, counts.groups_removed = group_counts
    with ctx.driver.session(database=ctx.database, notifications_min_severity="OFF") as s:
        rec = s.run(
            f"""
            MATCH (p:{S.RISK_PROFILE}) WHERE NOT p.entity_id IN $ids
            WITH p LIMIT 100000 DETACH DELETE p RETURN count(*) AS n
            """,
            ids=ids,
        ).single()
        counts.removed = int(rec["n"]) if rec else 0
    progress(
        f"profiles: {counts.written} written, {counts.unchanged} unchanged in {time.perf_counter() - t0:.1f} s"
    )
    return counts


def _write_snapshot(
    ctx: RuleContext, run_id: str, ids: list[str], hood: Hood, pre: Any, fp: FindingParams, digest: str
) -> ProfileCounts:
    """Replace the profiles of ``ctx.as_of``'s snapshot with this run's (the live ones stay)."""
    counts = ProfileCounts()
    with ctx.driver.session(database=ctx.database, notifications_min_severity="OFF") as s:
        while True:
            rec = s.run(
                f"MATCH (p:{S.SNAPSHOT_PROFILE} {{as_of: $as_of}}) WITH p LIMIT 10000 "
                "DETACH DELETE p RETURN count(*) AS n",
                as_of=ctx.as_of,
            ).single()
            n = int(rec["n"]) if rec else 0
            counts.removed += n
            if n == 0:
                break
        for chunk in batches(ids, 2000):
            rows = [
                {
                    "entity_id": eid,
                    "body": body_json(entity_profile(eid, hood, pre, fp)),
                }
                for eid in chunk
            ]
            for part in by_size(rows, MAX_WRITE_BYTES):
                s.run(
                    f"""
                UNWIND $rows AS row
                MATCH (n:{S.SNAPSHOT} {{as_of: $as_of}})
                CREATE (p:{S.SNAPSHOT_PROFILE} {{snapshot_profile_id: toString($as_of) + '|' + row.entity_id}})
                SET p.entity_id = row.entity_id, p.as_of = $as_of, p.body = row.body, p.run_id = $run_id,
                    p.rule_versions = $versions, p.findings_version = $fv, p.params_digest = $digest
                CREATE (p)-[:{S.IN_SNAPSHOT}]->(n)
                """,
                    rows=part,
                    as_of=ctx.as_of,
                    run_id=run_id,
                    versions=json.dumps(rule_versions(), sort_keys=True),
                    fv=FINDINGS_VERSION,
                    digest=digest,
                ).consume()
            counts.written += len(rows)
    return counts
