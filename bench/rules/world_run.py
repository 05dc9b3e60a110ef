"""The whole `rules run`, profile step included, on a world built through the product's own ingest.

    .venv/bin/python bench/api/run.py --scale m --work /work/bench-m --bulk --build-only   # once
    .venv/bin/python -m bench.rules.world_run --work /work/bench-m                          # each time

``bench/rules/run.py`` loads the generator's true world straight into Neo4j and times the rules
alone; this script times what `riskgraph rules run` does on a world that `riskgraph ingest` built
(resolved entities, provenance, history): every enabled rule, then the risk-profile step, in one
process with the per-run cache, exactly as the CLI runs them. Each measured run is appended to
``bench/rules/world_runs.json`` and the docs section shows every kept run side by side, so a change
is read against the figures before it. Per step: seconds (the ``RuleRun`` duration the product
records) and, for the whole run, the process's peak RSS, sampled every 0.1 s. ``--from-graph``
records instead the latest complete run already in the graph (durations only: no RSS, no load).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from riskgraph.benchmarks import PeakRSS, cpu_model, replace_section

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "rules" / "world_runs.json"
BEGIN, END = "<!-- rules-world:begin -->", "<!-- rules-world:end -->"
PEPPER = "bench-pepper"  # bench/api/run.py's


def _settings(work: Path) -> Any:
    from riskgraph import neo4j_server
    from riskgraph.settings import Settings

    built = json.loads((work / "built.json").read_text(encoding="utf-8"))
    return built, Settings(
        neo4j_data_dir=work / "neo4j",
        neo4j_bolt_port=neo4j_server.free_port(),
        neo4j_heap="2g",
        neo4j_pagecache="2g" if built["scale"] == "m" else "1g",
        api_key_pepper=PEPPER,
        api_audit_log=work / "api" / "audit.jsonl",
    )


def measure(driver: Any) -> dict[str, Any]:
    """One `rules run` with profiles, as the CLI runs it: per-step seconds, peak RSS, load."""
    from risk_rules.config import load_config
    from risk_rules.runner import run_rules

    rss = PeakRSS()
    steps: list[dict[str, Any]] = []

    def done(s: Any) -> None:
        c = s.counts.as_dict() if s.counts else dict(s.derived)
        steps.append({"rule": s.rule_id, "status": s.status, "seconds": round(s.duration_s, 1), "counts": c})
        print(f"{s.rule_id:35s} {s.status} {s.duration_s:7.1f} s", flush=True)

    load_before = os.getloadavg()
    t0 = time.perf_counter()
    run_rules(driver, load_config(), profiles=True, on_done=done)
    total = time.perf_counter() - t0
    rss.stop()
    return {
        "when": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "total_s": round(total, 1),
        "peak_rss_mb": round(rss.mark() / 2**20),
        "load": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "steps": steps,
    }


def from_graph(driver: Any, before: str | None) -> dict[str, Any]:
    """The latest complete run in the graph started before ``before`` (ISO UTC; default: any): the
    profile step's RuleRun and each rule's run before it."""
    with driver.session() as s:
        rows = s.run(
            """
            MATCH (p:RuleRun {rule_id: 'findings.profiles', status: 'completed'})
            WHERE $before IS NULL OR p.started_at < datetime($before)
            WITH p ORDER BY p.started_at DESC LIMIT 1
            MATCH (r:RuleRun) WHERE r.started_at <= p.started_at
              AND r.started_at >= p.started_at - duration({minutes: 60}) AND r.status = 'completed'
            WITH p, r ORDER BY r.started_at DESC
            WITH p, collect(r) AS rs
            RETURN toString(p.started_at) AS at, [x IN rs | [x.rule_id, x.duration_ms]] AS steps
            """,
            before=before,
        ).single(strict=True)
    seen: dict[str, float] = {}
    for rule, ms in rows["steps"]:  # newest first: the run's own step of each rule
        seen.setdefault(rule, round(ms / 1000, 1))
    steps = [{"rule": k, "status": "completed", "seconds": v} for k, v in reversed(seen.items())]
    return {
        "when": rows["at"][:16].replace("T", " ") + " UTC",
        "total_s": round(sum(seen.values()), 1),
        "peak_rss_mb": None,
        "load": None,
        "steps": steps,
        "note": "read back from the graph's RuleRun durations (no RSS or load recorded)",
    }


def render(runs: list[dict[str, Any]]) -> str:
    head = ["step", *(f"{r['label']}" for r in runs)]
    rules: list[str] = []
    for r in runs:
        for x in r["steps"]:
            if x["rule"] not in rules:
                rules.append(x["rule"])
    lines = [
        "## Rule run on an ingested world (`bench/rules/world_run.py`)",
        "",
        "The whole `rules run` as the CLI runs it — every enabled rule, then the risk-profile step — on the "
        "world `bench/api/run.py --bulk` built through `riskgraph ingest` (scale m: 100,000 companies; "
        "resolved entities with provenance and history), Neo4j heap 2g and page cache 2g on the same machine. "
        "Seconds per step are the product's own `RuleRun` durations. The data are unchanged between runs, so "
        "each run reconciles without alert changes; a run after a change of code may rewrite what that change "
        "alters (stated per run). Each column is one run, the earliest first.",
        "",
        f"Machine: {cpu_model()}, {psutil.cpu_count()} logical CPUs, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB RAM.",
        "",
        "| " + " | ".join(head) + " |",
        "|---|" + "---:|" * len(runs),
    ]
    for rule in rules:
        cells = []
        for r in runs:
            v = next((x["seconds"] for x in r["steps"] if x["rule"] == rule), None)
            cells.append("–" if v is None else f"{v:.1f}")
        lines.append(f"| {rule} | " + " | ".join(cells) + " |")
    lines.append("| **whole run** | " + " | ".join(f"**{r['total_s']:.0f}**" for r in runs) + " |")
    lines.append(
        "| peak RSS MB | "
        + " | ".join("–" if r.get("peak_rss_mb") is None else f"{r['peak_rss_mb']:,}" for r in runs)
        + " |"
    )
    lines.append(
        "| load avg before → after | "
        + " | ".join("–" if not r.get("load") else f"{r['load'][0]:.2f} → {r['load'][1]:.2f}" for r in runs)
        + " |"
    )
    lines.append("")
    for r in runs:
        lines.append(f"- **{r['label']}** ({r['when']}): {r.get('note') or ''}".rstrip(": ") + ".")
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, help="a world built by bench/api/run.py --work DIR --build-only")
    ap.add_argument("--label", help="column heading of this run (default: its date and time)")
    ap.add_argument("--note", default="", help="what this run measures (the code change it follows)")
    ap.add_argument("--from-graph", action="store_true", help="record the latest complete run in the graph")
    ap.add_argument("--before", help="with --from-graph: the latest run started before this UTC time (ISO)")
    ap.add_argument("--no-write", action="store_true", help="print only")
    ap.add_argument("--render-only", action="store_true", help="rewrite the docs section from the results")
    args = ap.parse_args()
    runs: list[dict[str, Any]] = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else []
    if not args.render_only:
        if not args.work:
            ap.error("--work is needed")
        from graph_model.connection import open_driver
        from riskgraph import neo4j_server

        built, settings = _settings(args.work.resolve())
        neo4j_server.start(settings)
        try:
            driver = open_driver(settings.bolt_uri, settings.neo4j_user, settings.resolved_password())
            with driver:
                run = from_graph(driver, args.before) if args.from_graph else measure(driver)
        finally:
            neo4j_server.stop(settings)
        run["scale"] = built["scale"]
        run["label"] = args.label or run["when"]
        if args.note:
            run["note"] = (run.get("note", "") + "; " if run.get("note") else "") + args.note
        print(json.dumps({k: v for k, v in run.items() if k != "steps"}, ensure_ascii=False))
        if args.no_write:
            return 0
        runs.append(run)
        RESULTS.write_text(json.dumps(runs, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    replace_section(BEGIN, END, render(runs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
