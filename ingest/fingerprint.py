"""A fingerprint of the graph's content, to prove that two ways of loading ended in the same graph.

Covers every node and relationship with their properties, minus what legitimately differs between
two equivalent runs: batch ids, timestamps and per-run counts. Used by the resume test (killed and
rerun vs uninterrupted) and the idempotence test (loaded twice vs once).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass

from neo4j import Driver

from graph_model.schema import NODES

VOLATILE = {
    "batch_id",
    "ingested_at",
    "started_at",
    "finished_at",
    "resumed_at",
    "counts",
    "superseded_by_batch",
    "version_id",
    "status",
}
_KEYS = {nt.label: nt.key for nt in NODES}


@dataclass(frozen=True)
class Fingerprint:
    digest: str
    labels: dict[str, int]
    types: dict[str, int]


def _canon(props: dict) -> str:
    clean = {
        k: (v.iso_format() if hasattr(v, "iso_format") else v) for k, v in props.items() if k not in VOLATILE
    }
    return json.dumps(clean, ensure_ascii=False, sort_keys=True, default=str)


def _ident(labels: list[str], props: dict) -> str:
    for label in sorted(labels):
        key = _KEYS.get(label)
        if key and key not in VOLATILE:
            return f"{label}:{props.get(key)}"
    return ":".join(sorted(labels))


def graph_fingerprint(
    driver: Driver, database: str = "neo4j", exclude_labels: tuple[str, ...] = ()
) -> Fingerprint:
    """``exclude_labels`` leaves out nodes of those labels and their relationships (e.g. the run log, Batch)."""
    lines: list[str] = []
    labels: Counter[str] = Counter()
    types: Counter[str] = Counter()
    with driver.session(database=database, notifications_min_severity="OFF") as session:
        for r in session.run(
            "MATCH (n) WHERE none(l IN labels(n) WHERE l IN $ex) RETURN labels(n) AS l, properties(n) AS p",
            ex=list(exclude_labels),
        ):
            labels.update(r["l"])
            lines.append(f"N {_ident(r['l'], r['p'])} {_canon(r['p'])}")
        for r in session.run(
            "MATCH (a)-[r]->(b) WHERE none(l IN labels(a) + labels(b) WHERE l IN $ex) RETURN labels(a) AS la, properties(a) AS pa, type(r) AS t, properties(r) AS p, "
            "labels(b) AS lb, properties(b) AS pb",
            ex=list(exclude_labels),
        ):
            types[r["t"]] += 1
            lines.append(f"R {_ident(r['la'], r['pa'])} {r['t']} {_ident(r['lb'], r['pb'])} {_canon(r['p'])}")
    lines.sort()
    digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()
    return Fingerprint(digest, dict(labels), dict(types))
