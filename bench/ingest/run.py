"""Ingest throughput: rows and nodes+relationships per second, driver path and bulk path, per scale.

Generates the data set of each scale with `riskgraph generate` (seed 7), starts its own Neo4j (a
temporary home, free port), and loads the four sources in the manifest's order:

- driver path: `run_ingest` per source (batched UNWIND transactions, constraints first), on an empty
  database; then the same files again (everything unchanged) to time an idempotent re-run;
- bulk path: `bulk_load` (same pipeline, merged in memory, `neo4j-admin database import full`), timed
  per stage (prepare = read/validate/resolve/merge, CSV, stop, import, start, constraints).

Each figure stands beside its floor, measured in the same run on the same server: for the driver path
a bare `UNWIND … CREATE` of the same node and relationship counts through the driver (10k rows per
transaction, one indexed key, no checks, no provenance); for the bulk path neo4j-admin import alone.

Writes its section of docs/benchmarks.md (between the ingest markers) with the machine facts.
Usage: python bench/ingest/run.py [--scales s m] [--driver-scales s] [--no-write] [--keep-earlier --label TEXT]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import tempfile
import time
from pathlib import Path

from graph_model.connection import open_driver
from ingest.bulk import AdminTool, bulk_load
from ingest.pipeline import run_ingest
from riskgraph import neo4j_server
from riskgraph.benchmarks import cpu_model, replace_section
from riskgraph.settings import Settings

ROOT = Path(__file__).resolve().parents[2]

BENCH_MD = ROOT / "docs" / "benchmarks.md"
RESULTS = Path(__file__).resolve().parent / "results.json"  # figures of earlier runs, merged per scale/path
BEGIN, END = "<!-- ingest:begin -->", "<!-- ingest:end -->"
SOURCES = ("registry", "core", "credit", "lists")


def machine_facts() -> str:
    import neo4j
    import psutil

    cpu = cpu_model()
    try:
        import neo4j._rust  # noqa: F401  (what neo4j-rust-ext installs)

        rust = "with neo4j-rust-ext"
    except ImportError:
        rust = "without neo4j-rust-ext"
    vm = psutil.virtual_memory()
    return (
        f"{cpu}, {os.cpu_count()} cores, {vm.total / 2**30:.0f} GB RAM; Python {platform.python_version()}, "
        f"neo4j driver {neo4j.__version__} {rust}"
    )


def load_avg() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def wipe(driver) -> None:
    with driver.session() as session:
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 20000 ROWS").consume()


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (the paths run in turn, so it only grows)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


FLOOR_CHUNK = 10_000


def unwind_floor(driver, nodes: int, rels: int) -> dict:
    """The driver floor: ``nodes`` bare nodes and ``rels`` relationships between them, created with
    ``UNWIND … CREATE`` in 10k-row transactions (relationships matched on an indexed key)."""
    wipe(driver)
    driver.execute_query("CREATE INDEX bench_floor_id IF NOT EXISTS FOR (n:BenchFloor) ON (n.id)")
    driver.execute_query("CALL db.awaitIndexes()")
    la = load_avg()
    t = time.perf_counter()
    with driver.session() as session:
        for i in range(0, nodes, FLOOR_CHUNK):
            ids = list(range(i, min(nodes, i + FLOOR_CHUNK)))
            session.execute_write(
                lambda tx, ids=ids: tx.run(
                    "UNWIND $ids AS i CREATE (:BenchFloor {id: i, name: 'n' + toString(i)})", ids=ids
                ).consume()
            )
        for i in range(0, rels, FLOOR_CHUNK):
            pairs = [
                [j % max(nodes, 1), (j * 7919 + 1) % max(nodes, 1)]
                for j in range(i, min(rels, i + FLOOR_CHUNK))
            ]
            session.execute_write(
                lambda tx, pairs=pairs: tx.run(
                    "UNWIND $pairs AS p MATCH (a:BenchFloor {id: p[0]}) MATCH (b:BenchFloor {id: p[1]}) "
                    "CREATE (a)-[:BENCH_FLOOR {w: 1}]->(b)",
                    pairs=pairs,
                ).consume()
            )
    seconds = time.perf_counter() - t
    wipe(driver)
    driver.execute_query("DROP INDEX bench_floor_id IF EXISTS")
    return {"nodes": nodes, "relationships": rels, "entities": nodes + rels, "seconds": seconds, "load": la}


def driver_path(driver, data: Path) -> dict:
    wipe(driver)
    la = load_avg()
    t = time.perf_counter()
    rows = entities = nodes = rels = 0
    stage = {"read_validate": 0.0, "resolve_check": 0.0, "load": 0.0}
    for src in SOURCES:
        r = run_ingest(driver, [data / src], src)
        assert r.ok, (src, r.rejected, [i.rule for i in r.issues[:5]])
        rows += sum(k.read for k in r.counts.values())
        entities += r.write.nodes_created + r.write.relationships_created
        nodes += r.write.nodes_created
        rels += r.write.relationships_created
        for k in stage:
            stage[k] += r.seconds.get(k, 0.0)
    first = time.perf_counter() - t
    t = time.perf_counter()
    for src in SOURCES:
        r = run_ingest(driver, [data / src], src)
        assert all(k.unchanged == k.accepted for k in r.counts.values())
    rerun = time.perf_counter() - t
    floor = unwind_floor(driver, nodes, rels)
    return {
        "rows": rows,
        "entities": entities,
        "seconds": first,
        "stages": stage,
        "rerun": rerun,
        "load": la,
        "floor": floor,
        "peak_rss_mb": peak_rss_mb(),
    }


def bulk_path(settings: Settings, driver_factory, data: Path, work: Path) -> dict:
    with driver_factory() as d:
        wipe(d)
    la = load_avg()
    admin = AdminTool(
        settings.java_bin,
        str(neo4j_server.fetch_jars(settings) / "*"),
        neo4j_server.ADMIN_ENTRY_POINT,
        neo4j_server._env(settings),
        settings.server_home,
        "4g",
    )
    t = time.perf_counter()
    res = bulk_load(
        [(src, [data / src]) for src in SOURCES],
        work,
        admin,
        lambda: neo4j_server.stop(settings),
        lambda: neo4j_server.start(settings),
        driver_factory,
    )
    total = time.perf_counter() - t
    assert all(r.ok for r in res.results)
    rows = sum(sum(k.read for k in r.counts.values()) for r in res.results)
    shutil.rmtree(work, ignore_errors=True)
    return {
        "rows": rows,
        "entities": res.nodes + res.relationships,
        "seconds": total,
        "stages": res.seconds,
        "load": la,
        "peak_rss_mb": peak_rss_mb(),
    }


def fmt_rate(n: float, s: float) -> str:
    return f"{n / s:,.0f}" if s > 0 else "–"


def _rows(scale: str, path: str, r: dict, label: str) -> list[str]:
    """A path's row and its floor's (and, for the driver path, the unchanged re-run's)."""
    lines = []
    stages = ", ".join(f"{k} {v:.0f}" for k, v in r["stages"].items())
    floor_s = r["floor"]["seconds"] if path == "driver" and r.get("floor") else r["stages"].get("import")
    ratio = f"{r['seconds'] / floor_s:.1f}" if floor_s else "–"
    peak = f"{r['peak_rss_mb']:,.0f}" if r.get("peak_rss_mb") else "–"
    lines.append(
        f"| {scale} | {path}{label} | {r['rows']:,} | {r['entities']:,} | {r['seconds']:.0f} | "
        f"{fmt_rate(r['rows'], r['seconds'])} | {fmt_rate(r['entities'], r['seconds'])} | {ratio} | "
        f"{stages} | {peak} | {r['load']} |"
    )
    if path == "driver":
        lines.append(
            f"| {scale} | driver, same files again (all unchanged){label} | {r['rows']:,} | 0 | "
            f"{r['rerun']:.0f} | {fmt_rate(r['rows'], r['rerun'])} | – | | | | |"
        )
        if r.get("floor"):
            f = r["floor"]
            lines.append(
                f"| {scale} | floor: bare `UNWIND … CREATE` through the driver{label} | | {f['entities']:,} | "
                f"{f['seconds']:.0f} | | {fmt_rate(f['entities'], f['seconds'])} | 1.0 | "
                f"{f['nodes']:,} nodes, {f['relationships']:,} relationships | | {f['load']} |"
            )
    if path == "bulk" and "import" in r["stages"]:
        imp = r["stages"]["import"]
        lines.append(
            f"| {scale} | floor: neo4j-admin import alone{label} | | {r['entities']:,} | {imp:.0f} | | "
            f"{fmt_rate(r['entities'], imp)} | 1.0 | | | |"
        )
    return lines


def render(facts: str, results: dict[str, dict]) -> str:
    lines = [
        "## Ingest (bench/ingest/run.py)",
        "",
        f"Machine: {facts}. Neo4j {Settings().neo4j_version} started by the script (heap 4g, page cache 4g) "
        "on the same machine. Data: `riskgraph generate --seed 7`, the four sources loaded in manifest order, "
        "parties keyed by their strong identifiers (`StrongKeyResolver`: this table times loading; entity "
        "resolution is timed in its own section). "
        "*entities* = nodes + relationships written (SourceRecord, IN_BATCH, DERIVED_FROM and FactVersion "
        "included). Rates are over the whole run, from reading the files to the last commit.",
        "",
        "| scale | path | rows read | entities | seconds | rows/s | entities/s | × floor | stages (s) | peak RSS (MB) | load avg |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|",
    ]
    for scale, res in results.items():
        for path in ("driver", "bulk"):
            if res.get(path):
                lines += _rows(scale, path, res[path], "")
            earlier = res.get("earlier", {}).get(path)
            if earlier:
                lines += _rows(
                    scale, path, earlier, f" — earlier figures ({earlier.get('label') or 'before'})"
                )
    lines += [
        "",
        "Reading: *× floor* is a path's wall time over its floor's, measured in the same run — for the "
        "driver path a bare `UNWIND … CREATE` of the same node and relationship counts through the driver "
        "(10k rows per transaction, one indexed key, no checks, no provenance, no history), for the bulk path "
        "neo4j-admin import alone of the same files. Targets: the driver path within 2× its floor at s; the "
        "whole bulk first load within 1.5× the importer alone at m, peak RSS ≤ 3 GB (peak RSS is that of the "
        "bench process so far, so a bulk row includes what the driver path before it used). The driver path "
        "(batched `UNWIND`, 10k rows per transaction, constraints first, nodes before relationships matched on "
        "indexed keys, unchanged rows skipped by content hash) is the path for every batch after the first, "
        "because it keeps history (FactVersion); the bulk path serves first loads. Both give the same graph "
        "(tests/ingest/test_bulk.py compares fingerprints). Load average matters on this shared machine: "
        "compare rows only at similar load.",
    ]
    return "\n".join(lines) + "\n"


def write_section(text: str) -> None:
    replace_section(BEGIN, END, text)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scales", nargs="*", default=["s", "m"], help="scales for the bulk path")
    ap.add_argument("--driver-scales", nargs="*", default=["s", "m"], help="scales for the driver path")
    ap.add_argument("--data", type=Path, default=None, help="folder for generated data (default: temp)")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument(
        "--keep-earlier",
        action="store_true",
        help="keep the figures this run replaces as an 'earlier figures' row beside the new one",
    )
    ap.add_argument(
        "--label", default="", help="what this run measures (shown on its row once it is earlier)"
    )
    ap.add_argument("--render-only", action="store_true", help="rewrite the section from results.json")
    args = ap.parse_args()
    if args.render_only:
        write_section(render(machine_facts(), json.loads(RESULTS.read_text(encoding="utf-8"))))
        return
    from ingest.generator.generate import generate

    facts = machine_facts()
    print(facts, flush=True)
    tmp = Path(tempfile.mkdtemp(prefix="rg-bench-ingest-"))
    data_root = args.data or tmp / "data"
    settings = Settings(
        neo4j_data_dir=tmp / "home",
        neo4j_bolt_port=neo4j_server.free_port(),
        neo4j_heap="4g",
        neo4j_pagecache="4g",
        neo4j_start_timeout_s=600,
    )
    neo4j_server.start(settings)

    def driver_factory():
        return open_driver(settings.bolt_uri, settings.neo4j_user, settings.resolved_password())

    results: dict[str, dict] = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    try:
        for scale in dict.fromkeys([*args.driver_scales, *args.scales]):
            data = data_root / scale
            if not (data / "manifest.json").exists():
                t = time.perf_counter()
                generate(data, scale=scale, seed=7)
                print(f"generated {scale} in {time.perf_counter() - t:.0f} s", flush=True)
            res: dict[str, dict] = results.get(scale, {})

            def record(path: str, figures: dict, res: dict[str, dict] = res, scale: str = scale) -> None:
                if args.keep_earlier and res.get(path):  # the figures this run replaces stay beside it
                    res.setdefault("earlier", {})[path] = res[path]
                res[path] = {**figures, "label": args.label} if args.label else figures
                print(scale, path, res[path], flush=True)

            if scale in args.driver_scales:
                with driver_factory() as d:
                    record("driver", driver_path(d, data))
            if scale in args.scales:
                record("bulk", bulk_path(settings, driver_factory, data, tmp / "work"))
            results[scale] = res
            if not args.no_write:  # a smoke run leaves the recorded figures and the doc alone
                RESULTS.write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
                write_section(render(facts, results))
    finally:
        neo4j_server.stop(settings)
        print(f"peak RSS {peak_rss_mb():.0f} MB")
        shutil.rmtree(tmp / "home", ignore_errors=True)
    print(render(facts, results))


if __name__ == "__main__":
    main()
