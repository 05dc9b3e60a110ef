"""Alert quality: the share of customers each rule flags, and recall on every planted risk.

    .venv/bin/python -m bench.rules.alert_share --scale xs --scale s --write   (from the project root)
    .venv/bin/python -m bench.rules.alert_share --scale m --write              (scale m: ~1 h, 6 GB)

For each scale a fresh Neo4j (var/rules-bench/alert-<scale>, its own port) gets the generator's
true world of that scale (bench/rules/world_loader.py: true ids, so alerts compare one to one with
the ground truth), then every enabled rule runs once as of the generator's as-of date taken as
today, exactly as `riskgraph rules run` does on that day (a past as-of date would be a snapshot run,
which writes no live alerts). Measured per rule: distinct entities it flags (the entities its open
alerts concern; for contagion the alerted entity itself, not the listed seeds its alert also
names) as a share of customers, of borrowers with an open loan and of all entities. Per planted
risk kind (ground truth: ingest/generator/truth.py and risk.py): recall = planted cases whose
entities the matching rule alerts. The floor beside it, in the same run on the same data: the
contagion rule again with the uncalibrated weights it shipped with before (every listing kind 1.0,
guarantees 0.8 both ways, a majority holding weighed by its pct).

Customers = entities with a loan (any status) or a guarantee they give; borrowers with an open loan
= entities with a loan of positive balance that is not closed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BEGIN = "<!-- BEGIN bench/rules/alert_share.py -->"
END = "<!-- END bench/rules/alert_share.py -->"
RESULTS = ROOT / "bench" / "rules" / "alert_share_results.json"
SCALES = {"xs": 1_000, "s": 10_000, "m": 100_000, "l": 1_000_000}
HEAP = {"xs": "1g", "s": "1g", "m": "3g", "l": "8g"}

#: The weights the contagion rule shipped with before calibration: the floor of this benchmark.
UNCALIBRATED = {
    "kind_weights": {
        k: 1.0
        for k in (
            "dishonest_judgment_debtor",
            "consumption_restriction",
            "abnormal_operation",
            "serious_violation",
            "administrative_penalty",
            "bank_internal",
        )
    },
    "rel_weights": {"guarantee": 0.8, "family": 0.5},
    # the same weight both ways, as before (the shipped reverse weights are overridden, not removed)
    "reverse_weights": {"guarantee": 0.8, "control": 1.0, "shareholding": 0.6, "position": 0.4},
    # a majority holding weighed by its pct, as before
    "majority_holding_as_control": False,
}

_POPULATION = """
CALL () {
  MATCH (c:Company) RETURN count(c) AS n
  UNION ALL
  MATCH (p:Person) RETURN count(p) AS n
}
RETURN sum(n) AS entities
"""
_CUSTOMERS = """
CALL () {
  MATCH (x)-[:BORROWED]->(:Loan) RETURN DISTINCT x.entity_id AS id
  UNION
  MATCH (x)-[:GUARANTEES]->() RETURN DISTINCT x.entity_id AS id
}
RETURN collect(id) AS ids
"""
_OPEN_BORROWERS = """
MATCH (x)-[:BORROWED]->(l:Loan) WHERE l.balance > 0 AND l.status <> 'closed'
RETURN collect(DISTINCT x.entity_id) AS ids
"""
_FLAGGED = """
MATCH (a:Alert) WHERE a.active
OPTIONAL MATCH (a)-[:CONCERNS]->(e)
WITH a, collect(e.entity_id) AS concerned
WITH a.rule_id AS rule, CASE WHEN a.rule_id = 'contagion.blacklist' THEN [a.subject_key]
     ELSE concerned END AS ids
UNWIND ids AS id
RETURN rule, collect(DISTINCT id) AS ids
"""


def _ids(session, query: str) -> set[str]:
    return set(session.run(query).single(strict=True)["ids"])


def flagged_by_rule(session) -> dict[str, set[str]]:
    return {r["rule"]: set(r["ids"]) for r in session.run(_FLAGGED)}


def planted_cases(w, cr, as_of: dt.date) -> dict[str, list[tuple[str, list[str]]]]:
    """Planted risk kind → (rule that must alert it, entity ids that must be concerned) per case."""
    from ingest.generator import truth
    from ingest.generator.sources import true_company_id as cid
    from ingest.generator.sources import true_party_id

    pl = cr.planted
    out: dict[str, list[tuple[str, list[str]]]] = {
        "contagion case (guarantor of a listed borrower)": [],
        "contagion case (company majority-held by a listed entity)": [],
        "mutual guarantee pair": [("guarantee.mutual", [cid(a), cid(b)]) for a, b in pl["mutual_pairs"]],
        "guarantee circle": [("guarantee.circle", [cid(m) for m in ms]) for ms in pl["circles"]],
        "cross guarantee hub (一保多)": [
            ("guarantee.one_for_many", [cid(h["hub"])]) for h in pl["cross_hubs"]
        ],
        "focus borrower (多保一)": [
            ("guarantee.many_for_one", [cid(h["borrower"])]) for h in pl["focus_hubs"]
        ],
        "shell cluster": [("linkage.shell_cluster", [cid(m) for m in s["members"]]) for s in w.shells],
        "group (planted)": [("group.customer", [cid(m) for m in g["members"]]) for g in w.groups],
    }
    for c in truth.contagion_cases(w, cr, as_of.toordinal()):
        key = (
            "contagion case (guarantor of a listed borrower)"
            if c["case"] == "guarantor_of_listed_borrower"
            else "contagion case (company majority-held by a listed entity)"
        )
        out[key].append(("contagion.blacklist", [true_party_id(c["kind"], c["party"])]))
    return out


def recall(cases: list[tuple[str, list[str]]], flagged: dict[str, set[str]]) -> tuple[int, int, list[str]]:
    """(found, planted, missed entity ids): a case is found when its rule concerns all its entities."""
    found = 0
    missed: list[str] = []
    for rule, ids in cases:
        got = flagged.get(rule, set())
        if all(i in got for i in ids):
            found += 1
        else:
            missed.extend(i for i in ids if i not in got)
    return found, len(cases), sorted(set(missed))


def measure(scale: str, seed: int, progress: Callable[[str], None]) -> dict[str, Any]:
    from bench.rules.world_loader import build, load_world
    from graph_model.connection import open_driver
    from graph_model.constraints import apply_schema
    from ingest.generator.world import AS_OF
    from risk_rules.config import load_config
    from risk_rules.runner import run_rules
    from riskgraph import neo4j_server
    from riskgraph.settings import Settings

    settings = Settings(
        neo4j_data_dir=ROOT / "var" / "rules-bench" / f"alert-{scale}" / "home",
        neo4j_bolt_port=neo4j_server.free_port(),
        neo4j_heap=HEAP[scale],
        neo4j_pagecache=HEAP[scale],
        neo4j_start_timeout_s=600,
    )
    la_before = os.getloadavg()
    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    progress(f"[{scale}] starting Neo4j …")
    neo4j_server.start(settings)
    try:
        with open_driver(settings.bolt_uri, settings.neo4j_user, settings.resolved_password()) as driver:
            apply_schema(driver)
            with driver.session() as s:
                s.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 20000 ROWS").consume()
            w, cr = build(seed, SCALES[scale])
            load_world(driver, w, cr, progress=progress)
            t = time.perf_counter()
            # today = the world's as-of date: a live run, not a past-date snapshot (those write no
            # live alerts, and the flagged shares are read from the live alerts)
            summaries = run_rules(
                driver, load_config(), as_of=AS_OF, today=AS_OF, on_progress=lambda _m: None
            )
            rules_s = time.perf_counter() - t
            failed = [s.rule_id for s in summaries if s.status != "completed"]
            with driver.session() as s:
                entities = s.run(_POPULATION).single(strict=True)["entities"]
                customers = _ids(s, _CUSTOMERS)
                borrowers = _ids(s, _OPEN_BORROWERS)
                flagged = flagged_by_rule(s)
                seeds = s.run(
                    "MATCH (x)-[:LISTED_AS]->(b) WHERE b.list_date <= $d AND (b.removal_date IS NULL "
                    "OR b.removal_date > $d) RETURN count(DISTINCT x) AS n",
                    d=AS_OF,
                ).single(strict=True)["n"]
            cases = planted_cases(w, cr, AS_OF)
            planted = {k: recall(v, flagged) for k, v in cases.items()}
            # the floor: the contagion rule alone with the uncalibrated weights, same data
            progress(f"[{scale}] contagion with the uncalibrated weights …")
            run_rules(
                driver,
                load_config(extra={"rules": {"contagion.blacklist": UNCALIBRATED}}),
                rule_ids=["contagion.blacklist"],
                as_of=AS_OF,
                today=AS_OF,
            )
            with driver.session() as s:
                floor_flagged = flagged_by_rule(s)
            contagion_keys = [k for k in cases if k.startswith("contagion")]
            floor_recall = {k: recall(cases[k], floor_flagged) for k in contagion_keys}
    finally:
        neo4j_server.stop(settings)

    def shares(ids: set[str]) -> dict[str, Any]:
        return {
            "flagged": len(ids),
            "customers": len(ids & customers) / max(len(customers), 1),
            "open_borrowers": len(ids & borrowers) / max(len(borrowers), 1),
            "entities": len(ids) / max(entities, 1),
        }

    return {
        "scale": scale,
        "seed": seed,
        "when": started,
        "loadavg": {"before": la_before, "after": os.getloadavg()},
        "rules_s": rules_s,
        "failed": failed,
        "entities": entities,
        "customers": len(customers),
        "open_borrowers": len(borrowers),
        "listed": seeds,
        "rules": {r: shares(ids) for r, ids in sorted(flagged.items())},
        "planted": {k: {"found": f, "planted": n, "missed": m[:20]} for k, (f, n, m) in planted.items()},
        "floor": {
            "contagion": shares(floor_flagged.get("contagion.blacklist", set())),
            "planted": {k: {"found": f, "planted": n} for k, (f, n, _m) in floor_recall.items()},
        },
    }


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def render(results: list[dict[str, Any]]) -> str:
    from riskgraph.benchmarks import cpu_model

    lines = [
        "## Alert quality — `bench/rules/alert_share.py`",
        "",
        "What share of customers each rule flags on the generator's true world, and whether every planted "
        "risk is still found (recall = planted cases whose entities the matching rule alerts). Customers = "
        "entities with a loan or a guarantee they give; open borrowers = entities with an open loan. A rule "
        "flags the entities its open alerts concern (contagion: the alerted entity, not the listed seeds). "
        "The floor, measured in the same run on the same data: the contagion rule with the weights it "
        "shipped with before calibration (every listing kind 1.0, guarantees 0.8 both ways, a majority "
        "holding weighed by its pct). "
        f"Machine: {cpu_model()}, {os.cpu_count()} cores, shared with other jobs (load average stated per "
        "scale). Reproduce: `.venv/bin/python -m bench.rules.alert_share --scale xs --scale s --write`; "
        "scale m: `.venv/bin/python -m bench.rules.alert_share --scale m --write` (about half an hour here on a quiet machine).",
    ]
    for r in results:
        la = r["loadavg"]
        lines += [
            "",
            f"### scale {r['scale']} (seed {r['seed']}, measured {r['when']}; load average "
            f"{la['before'][0]:.2f} before, {la['after'][0]:.2f} after; rules {r['rules_s']:.0f} s)",
            "",
            f"{r['entities']:,} entities, {r['customers']:,} customers, {r['open_borrowers']:,} open borrowers, "
            f"{r['listed']:,} listed at the as-of date.",
            "",
            "| rule | entities flagged | share of customers | share of open borrowers | share of all entities |",
            "|---|---:|---:|---:|---:|",
        ]
        for rule, s in r["rules"].items():
            lines.append(
                f"| {rule} | {s['flagged']:,} | {_pct(s['customers'])} | {_pct(s['open_borrowers'])} "
                f"| {_pct(s['entities'])} |"
            )
        f = r["floor"]["contagion"]
        lines.append(
            f"| *floor: contagion.blacklist uncalibrated* | {f['flagged']:,} | {_pct(f['customers'])} "
            f"| {_pct(f['open_borrowers'])} | {_pct(f['entities'])} |"
        )
        lines += [
            "",
            "| planted risk | found / planted | recall | floor (uncalibrated) |",
            "|---|---:|---:|---:|",
        ]
        for kind, p in r["planted"].items():
            fl = r["floor"]["planted"].get(kind)
            rec = p["found"] / p["planted"] if p["planted"] else float("nan")
            floor = f"{fl['found']} / {fl['planted']}" if fl else "—"
            lines.append(f"| {kind} | {p['found']} / {p['planted']} | {_pct(rec)} | {floor} |")
        if r["failed"]:
            lines.append(f"\nRules that failed: {', '.join(r['failed'])}.")
        if r.get("note"):
            lines.append(f"\n{r['note']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", action="append", choices=sorted(SCALES), required=True)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--write", action="store_true", help="record into docs/benchmarks.md")
    args = ap.parse_args(argv)
    previous = {r["scale"]: r for r in json.loads(RESULTS.read_text())} if RESULTS.exists() else {}
    for scale in args.scale:
        res = measure(scale, args.seed, lambda m: print(m, file=sys.stderr, flush=True))
        print(json.dumps(res, ensure_ascii=False))
        previous[scale] = res
    results = [previous[s] for s in SCALES if s in previous]
    if args.write:
        from riskgraph.benchmarks import replace_section

        RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=1))
        replace_section(BEGIN, END, render(results))
    print(render(results))


if __name__ == "__main__":
    main()
