"""The rules' executors side by side, and the component sizes the scaling estimate is built from.

    .venv/bin/python -m bench.rules.executors --scale xs --scale s --components xs s m --write

Per ``--scale``: a fresh Neo4j (var/rules-bench/exec-<scale>), the generator's true world of that
scale loaded directly (bench/rules/world_loader.py), one untimed in-process run of the rules that
split into components (it writes their alerts), then timed runs on the unchanged data in this order:
in-process (the floor), worker processes (2), Spark local[2], in-process again. Every timed run must
find all alerts unchanged — the figures compare the same work. Spark's session start is timed
apart from its run. The in-process floor runs under a timing executor that records each unit's
seconds and size: the per-component costs docs/scaling.md extrapolates from.

``--components``: weakly connected component sizes of the ownership graph (holders → companies) and
of the guarantee network in the generator's true world of each scale — no database, no rule run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from riskgraph.benchmarks import replace_section

ROOT = Path(__file__).resolve().parents[2]
BEGIN = "<!-- BEGIN bench/rules/executors.py -->"
END = "<!-- END bench/rules/executors.py -->"
SCALES = {"xs": 1_000, "s": 10_000, "m": 100_000, "l": 1_000_000}
AS_OF = dt.date(2025, 12, 31)
SPLIT_RULES = ["guarantee.circle", "ownership.beneficial_owner"]
CONFIG = {"rules": {"ownership.beneficial_owner": {"scope": "all", "report_identified": True}}}
RESULTS = ROOT / "bench" / "rules" / "executors_results.json"


class TimingExecutor:
    """In process, one unit after another, recording (rule, unit size, seconds) per unit."""

    name = "in-process"
    #: the per-unit costs are what it records: the rules split for it as for a parallel executor
    splitting_pays = True

    def __init__(self) -> None:
        self.rule = ""
        self.units: list[tuple[str, float, float]] = []

    def map(self, fn: Callable[[Any], Any], units: Sequence[Any], costs: Sequence[float] | None = None):
        out = []
        for u in units:
            t = time.perf_counter()
            out.append(fn(u))
            self.units.append((self.rule, _size(u), time.perf_counter() - t))
        return out

    def close(self) -> None:
        pass


def _size(unit: Any) -> float:
    """Guarantee unit: its edges; ownership unit: companies whose owners are solved."""
    return float(len(unit.guarantors)) if hasattr(unit, "guarantors") else float(len(unit.companies))


def component_sizes(scale: str, seed: int) -> dict[str, Any]:
    """WCC sizes (nodes) of the ownership graph and the guarantee network of the true world."""
    from bench.rules.world_loader import build
    from risk_rules.execution import weak_component_labels

    t0 = time.perf_counter()
    w, cr = build(seed, SCALES[scale])
    out: dict[str, Any] = {"scale": scale, "companies": w.n_companies, "persons": w.n_persons}
    h = w.holdings
    edges = {
        "ownership": (np.asarray(h.holder_kind), np.asarray(h.holder), np.zeros(len(h.company)), h.company),
        "guarantee": (
            np.asarray(cr.g_kind),
            np.asarray(cr.g_guarantor),
            np.zeros(len(cr.g_borrower)),
            cr.g_borrower,
        ),
    }
    for name, (ka, a, kb, b) in edges.items():
        a_codes = np.asarray(ka, dtype=np.int64) * 10**9 + np.asarray(a, dtype=np.int64)
        b_codes = np.asarray(kb, dtype=np.int64) * 10**9 + np.asarray(b, dtype=np.int64)
        uniq, inv = np.unique(np.concatenate([a_codes, b_codes]), return_inverse=True)
        labels = weak_component_labels(inv[: len(a_codes)], inv[len(a_codes) :], len(uniq))
        sizes = np.bincount(labels)
        out[name] = {
            "edges": int(len(a_codes)),
            "nodes": int(len(uniq)),
            "components": int(len(sizes)),
            "p50": float(np.percentile(sizes, 50)),
            "p99": float(np.percentile(sizes, 99)),
            "max": int(sizes.max()),
            "largest_share": float(sizes.max() / len(uniq)),
        }
    out["seconds"] = time.perf_counter() - t0
    return out


def _run(driver, executor, rule: TimingExecutor | None = None) -> dict[str, Any]:
    from risk_rules.config import load_config
    from risk_rules.runner import run_rules

    def on_start(r) -> None:
        if rule is not None:
            rule.rule = r.id

    la = os.getloadavg()[0]
    t0 = time.perf_counter()
    summaries = run_rules(
        driver,
        load_config(extra=CONFIG),
        rule_ids=SPLIT_RULES,
        as_of=AS_OF,
        today=AS_OF,
        executor=executor,
        on_start=on_start,
    )
    wall = time.perf_counter() - t0
    for s in summaries:
        c = s.counts.as_dict() if s.counts else {}
        if s.status != "completed" or c.get("new") or c.get("changed") or c.get("resolved"):
            raise SystemExit(f"{executor.name}: {s.rule_id} {s.status} {c} {s.error}")
    return {
        "wall_s": wall,
        "rules": {s.rule_id: s.duration_s for s in summaries},
        "alerts": {
            s.rule_id: (s.counts.as_dict() if s.counts else {}).get("unchanged", 0) for s in summaries
        },
        "loadavg": [la, os.getloadavg()[0]],
    }


def bench_scale(scale: str, seed: int) -> dict[str, Any]:
    from bench.rules.run import _settings
    from bench.rules.world_loader import build, load_world
    from graph_model.connection import open_driver
    from graph_model.constraints import apply_schema
    from risk_rules.execution import InProcessExecutor, ProcessExecutor
    from risk_rules.execution.spark import SparkExecutor
    from riskgraph import neo4j_server

    settings = _settings(f"exec-{scale}", "768m", "256m")
    neo4j_server.start(settings)
    try:
        driver = open_driver(settings.bolt_uri, settings.neo4j_user, settings.resolved_password())
        apply_schema(driver)
        with driver.session() as s:
            s.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 20000 ROWS").consume()
        w, cr = build(seed, SCALES[scale])
        load_world(driver, w, cr, progress=lambda m: print(m, file=sys.stderr, flush=True))
        del w, cr
        _run_fresh(driver)
        timing = TimingExecutor()
        runs: dict[str, Any] = {"in-process": _run(driver, timing, timing)}
        proc = ProcessExecutor(workers=2)
        try:
            runs["process (2 workers)"] = _run(driver, proc)
        finally:
            proc.close()
        spark = SparkExecutor(master="local[2]")
        try:
            t0 = time.perf_counter()
            spark._context()
            spark_start = time.perf_counter() - t0
            runs["Spark local[2]"] = _run(driver, spark)
        finally:
            spark.close()
        runs["in-process again"] = _run(driver, InProcessExecutor())
        driver.close()
    finally:
        neo4j_server.stop(settings)
    return {
        "scale": scale,
        "seed": seed,
        "when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "runs": runs,
        "spark_start_s": spark_start,
        "unit_costs": _unit_costs(timing.units),
    }


def _run_fresh(driver) -> None:
    from risk_rules.config import load_config
    from risk_rules.runner import run_rules

    run_rules(driver, load_config(extra=CONFIG), rule_ids=SPLIT_RULES, as_of=AS_OF, today=AS_OF)


def _unit_costs(units: list[tuple[str, float, float]]) -> dict[str, Any]:
    out = {}
    for rule in SPLIT_RULES:
        rows = [(size, secs) for r, size, secs in units if r == rule]
        if not rows:
            continue
        sizes = np.array([r[0] for r in rows])
        secs = np.array([r[1] for r in rows])
        out[rule] = {
            "units": len(rows),
            "size_total": float(sizes.sum()),
            "seconds_total": float(secs.sum()),
            "seconds_per_size": float(secs.sum() / sizes.sum()),
            "largest_unit_size": float(sizes.max()),
            "largest_unit_s": float(secs[sizes.argmax()]),
        }
    return out


def render(data: dict[str, Any]) -> str:
    lines = [
        "## Rule executors: in-process vs worker processes vs Spark local[2]",
        "",
        "The rules that split into components (guarantee.circle per guarantee component, "
        "ownership.beneficial_owner per ownership component; beneficial owners of every company with holders, "
        "identified owners reported) on the generator's true world, each timed run finding every alert unchanged. "
        "Seconds are the two rules' RuleRun durations added up (reads, split, compute, reconciliation); the "
        "in-process run is the floor, measured first and again last. Spark's session start (JVM) is not in its "
        "run and is listed apart; the worker processes (spawned) and Spark's Python workers start during the "
        "first split rule, guarantee.circle, whose figure carries that start-up. Reproduce: `.venv/bin/python -m bench.rules.executors --scale xs --scale s "
        "--components xs s m --write`.",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, shared with other jobs.",
        "",
        "| scale | executor | guarantee.circle s | ownership.beneficial_owner s | both s | ratio to floor | load avg (1 min, before → after) | alerts compared |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in data.get("scales", []):
        floor = sum(r["runs"]["in-process"]["rules"].values())
        for name, run in r["runs"].items():
            both = sum(run["rules"].values())
            la = run["loadavg"]
            lines.append(
                f"| {r['scale']} | {name} | {run['rules']['guarantee.circle']:.2f} | "
                f"{run['rules']['ownership.beneficial_owner']:.2f} | {both:.2f} | {both / floor:.2f} | "
                f"{la[0]:.1f} → {la[1]:.1f} | {sum(run['alerts'].values()):,} |"
            )
        lines.append(f"| {r['scale']} | Spark session start | | | {r['spark_start_s']:.1f} | | | |")
    if data.get("note"):
        lines += ["", data["note"]]
    lines += [
        "",
        "Per-unit costs of the in-process floor (the compute inside the executor only, without reads and "
        "reconciliation):",
        "",
        "| scale | rule | units | unit size (sum) | compute s | s per size unit | largest unit (size, s) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in data.get("scales", []):
        for rule, c in r["unit_costs"].items():
            size = "guarantee edges" if rule == "guarantee.circle" else "companies"
            lines.append(
                f"| {r['scale']} | {rule} | {c['units']:,} | {c['size_total']:,.0f} {size} | "
                f"{c['seconds_total']:.2f} | {c['seconds_per_size'] * 1e3:.3f} ms | "
                f"{c['largest_unit_size']:,.0f}, {c['largest_unit_s']:.2f} |"
            )
    comps = data.get("components", [])
    if comps:
        lines += [
            "",
            "Weakly connected components of the generator's true world (nodes per component):",
            "",
            "| scale | companies | persons | graph | edges | nodes | components | median | p99 | largest | largest share |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for c in comps:
            for g in ("ownership", "guarantee"):
                x = c[g]
                lines.append(
                    f"| {c['scale']} | {c['companies']:,} | {c['persons']:,} | {g} | {x['edges']:,} | "
                    f"{x['nodes']:,} | {x['components']:,} | {x['p50']:.0f} | {x['p99']:.0f} | {x['max']:,} | "
                    f"{x['largest_share']:.1%} |"
                )
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", action="append", default=[], choices=["xs", "s"])
    ap.add_argument("--components", nargs="*", default=[], choices=list(SCALES))
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--write", action="store_true", help="write the section of docs/benchmarks.md")
    args = ap.parse_args()
    data: dict[str, Any] = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    if args.components:
        data["components"] = [component_sizes(s, args.seed) for s in args.components]
    if args.scale:  # a scale measured again replaces its earlier figures, the others are kept
        new = [bench_scale(s, args.seed) for s in args.scale]
        kept = [r for r in data.get("scales", []) if r["scale"] not in args.scale]
        data["scales"] = sorted(kept + new, key=lambda r: list(SCALES).index(r["scale"]))
    RESULTS.write_text(json.dumps(data, indent=1), encoding="utf-8")
    text = render(data)
    print(text)
    if args.write:
        replace_section(BEGIN, END, text)


if __name__ == "__main__":
    main()
