"""Pre-loan check latency, throughput and overload behaviour on the generator's world, through the
product's own path: `riskgraph generate` → `riskgraph db init` → `riskgraph ingest` (every source) →
`riskgraph rules run` → `riskgraph serve --workers N`, all on this machine (Neo4j, the API and the load
generator share its cores).

Phases (each with the machine's load average before/after):

* ``POST /v1/checks/pre-loan`` for random companies at each ``--concurrency`` level and at the
  saturated level (admission limit × workers), and for the 1% of companies with the largest
  neighbourhoods (two-hop path count) at concurrency 1 — p50/p95/p99, rate, status codes and
  response size p50/p95;
* the floors in the same run: ``GET /v1/me`` with the same key, and one indexed Cypher lookup by
  USCC through the async driver;
* overload: checks at 2 × the admission limit of the whole server while ``GET /v1/me`` is timed
  beside them — its 5xx other than 503 and the ``/v1/me`` p99 against idle;
* refresh: 100 changed loan balances ingested as a new batch, the check of one touched borrower right
  after (recomputed live), and the time of the rule run that refreshes the profiles.

Writes ``bench/api/results.json`` (merged per scale) and its section of docs/benchmarks.md. The
quiet-machine figure the targets are judged on is the lead's, at scale m:

    .venv/bin/python bench/api/run.py --scale m --workers 2

On a shared machine use ``--scale xs`` or ``s`` only; such figures are labelled with the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import platform
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psutil

from api.services.operator import provision_service_key
from graph_model.connection import open_async_driver, open_driver
from riskgraph import neo4j_server
from riskgraph.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
RESULTS = Path(__file__).with_name("results.json")
SECTION = "## API: pre-loan check under load (bench/api/run.py)"
PEPPER = "bench-pepper"
SOURCES = ("registry", "core", "credit", "lists")  # the order the generator's manifest asks for
REFRESH_ROWS = 100

Send = Callable[[httpx.AsyncClient, int], Awaitable[tuple[int, int]]]


@dataclass
class Phase:
    what: str
    concurrency: int
    latencies_ms: list[float]
    statuses: dict[int, int]
    sizes: list[int]
    seconds: float
    load_before: float
    load_after: float
    at: str

    def summary(self) -> dict[str, Any]:
        lat = self.latencies_ms
        return {
            "what": self.what,
            "concurrency": self.concurrency,
            "requests": len(lat),
            "errors": sum(n for s, n in self.statuses.items() if s != 200),
            "server_errors_not_503": sum(n for s, n in self.statuses.items() if s >= 500 and s != 503),
            "rps": round(len(lat) / self.seconds, 1) if self.seconds else None,
            "p50_ms": pct(lat, 50),
            "p95_ms": pct(lat, 95),
            "p99_ms": pct(lat, 99),
            "max_ms": round(max(lat), 1) if lat else None,
            "size_p50_b": pct([float(s) for s in self.sizes], 50) if self.sizes else None,
            "size_p95_b": pct([float(s) for s in self.sizes], 95) if self.sizes else None,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "load_before": round(self.load_before, 2),
            "load_after": round(self.load_after, 2),
            "at": self.at,
        }


@dataclass
class Run:
    scale: str
    workers: int
    max_in_flight: int
    machine: str
    started: str
    build_s: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    phases: list[dict[str, Any]] = field(default_factory=list)
    overload: dict[str, Any] = field(default_factory=dict)
    refresh: dict[str, Any] = field(default_factory=dict)
    build_note: str = "world built in this run"


def pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return round(values[0], 1)
    return round(statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1], 1)


def riskgraph(env: dict[str, str], *args: str, timeout: float = 7200) -> float:
    """Run one `riskgraph` command as a user would; its wall time in seconds."""
    t0 = time.perf_counter()
    r = subprocess.run(
        [sys.executable, "-m", "riskgraph", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if r.returncode != 0:
        raise RuntimeError(f"riskgraph {' '.join(args)} failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    return round(time.perf_counter() - t0, 1)


def check_send(queue: list[str]) -> Send:
    async def send(client: httpx.AsyncClient, i: int) -> tuple[int, int]:
        r = await client.post(
            "/v1/checks/pre-loan",
            json={
                "application_ref": f"B{i}",
                "applicant": {"uscc": queue[i % len(queue)]},
                "requested_amount": 5e6,
            },
        )
        return r.status_code, len(r.content)

    return send


async def me_send(client: httpx.AsyncClient, i: int) -> tuple[int, int]:
    r = await client.get("/v1/me")
    return r.status_code, len(r.content)


async def drive(base: str, key: str, send: Send, what: str, total: int, conc: int, max_s: float) -> Phase:
    """``total`` requests made by ``send`` from ``conc`` concurrent senders (after 20 warm-up requests)."""
    lat: list[float] = []
    sizes: list[int] = []
    statuses: dict[int, int] = {}
    load_before = os.getloadavg()[0]
    async with httpx.AsyncClient(
        base_url=base, headers={"X-API-Key": key}, timeout=60, limits=httpx.Limits(max_connections=conc)
    ) as client:
        for w in range(min(20, total)):
            await send(client, total + w)
        t_end = time.perf_counter() + max_s  # the phase's time starts after the warm-up

        async def sender(wid: int) -> None:
            i = wid
            while i < total and time.perf_counter() < t_end:
                t0 = time.perf_counter()
                try:
                    code, size = await send(client, i)
                except httpx.HTTPError:
                    code, size = 0, 0
                statuses[code] = statuses.get(code, 0) + 1
                lat.append((time.perf_counter() - t0) * 1000)
                if code == 200:
                    sizes.append(size)
                i += conc

        t0 = time.perf_counter()
        await asyncio.gather(*(sender(w) for w in range(conc)))
        elapsed = time.perf_counter() - t0
    return Phase(
        what,
        conc,
        lat,
        statuses,
        sizes,
        elapsed,
        load_before,
        os.getloadavg()[0],
        f"{datetime.now(UTC):%H:%M}",
    )


async def cypher_floor(settings: Settings, queue: list[str], total: int) -> Phase:
    """One indexed lookup by USCC through the async driver, one at a time."""
    driver = open_async_driver(settings.bolt_uri, settings.neo4j_user, settings.resolved_password())
    lat: list[float] = []
    load_before = os.getloadavg()[0]
    try:
        for i in range(20 + total):
            t0 = time.perf_counter()
            await driver.execute_query(
                "MATCH (c:Company {uscc: $u}) RETURN c.entity_id AS id", {"u": queue[i % len(queue)]}
            )
            if i >= 20:
                lat.append((time.perf_counter() - t0) * 1000)
    finally:
        await driver.close()
    return Phase(
        "indexed Cypher lookup (driver)",
        1,
        lat,
        {},
        [],
        sum(lat) / 1000,
        load_before,
        os.getloadavg()[0],
        f"{datetime.now(UTC):%H:%M}",
    )


async def overload(base: str, key: str, queue: list[str], conc: int, seconds: float) -> tuple[Phase, Phase]:
    """Checks at ``conc`` in flight for ``seconds`` while ``GET /v1/me`` is timed one at a time beside them."""
    n = 10**9  # bounded by time
    checks, me = await asyncio.gather(
        drive(base, key, check_send(queue), "overload: pre-loan check", n, conc, seconds),
        drive(base, key, me_send, "overload: GET /v1/me beside it", n, 1, seconds),
    )
    return checks, me


def applicants(settings: Settings) -> tuple[list[str], list[str]]:
    """(every company's USCC, the 1% with the largest two-hop neighbourhoods)."""
    driver = open_driver(settings.bolt_uri, settings.neo4j_user, settings.resolved_password())
    try:
        rows, _, _ = driver.execute_query(
            "MATCH (c:Company) WHERE c.uscc IS NOT NULL "
            "RETURN c.uscc AS u, COUNT { (c)--()--() } AS n ORDER BY n DESC, u"
        )
    finally:
        driver.close()
    usccs = [r["u"] for r in rows]
    return usccs, usccs[: max(1, len(usccs) // 100)]


def changed_loans(data: Path, out: Path, rows: int) -> list[str]:
    """The credit source again with ``rows`` loan balances changed (a small next batch); the borrower
    strong ids (USCCs) of the changed loans. A folder left by an earlier run on the same world is
    replaced."""
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(data / "credit", out)
    path = out / "loans.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        fields = list(reader.fieldnames or [])
        body = list(reader)
    touched: list[str] = []
    changed = 0
    for row in body:
        if changed >= rows:
            break
        if row.get("borrower_kind") == "company" and row.get("borrower_strong_id") and row.get("balance"):
            row["balance"] = str(round(float(row["balance"]) * 1.1 + 1000))
            touched.append(row["borrower_strong_id"])
            changed += 1
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(body)
    return touched


def start_api(env: dict[str, str], port: int, workers: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "riskgraph", "serve", "--workers", str(workers), "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise RuntimeError("the API exited at start-up")
        time.sleep(0.2)
    raise RuntimeError("the API did not become ready")


def stop_api(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is not None and proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--scale", default="s", choices=["xs", "s", "m"], help="generator scale (m = 100k companies)"
    )
    ap.add_argument("--workers", type=int, default=2, help="API worker processes")
    ap.add_argument("--max-in-flight", type=int, default=16, help="admission limit per worker")
    ap.add_argument("--requests", type=int, default=2000, help="requests per phase at most")
    ap.add_argument("--concurrency", default="1,4,16", help="comma-separated levels (saturated is added)")
    ap.add_argument("--max-seconds", type=float, default=60, help="seconds per phase at most")
    ap.add_argument("--overload-seconds", type=float, default=30)
    ap.add_argument("--no-write", action="store_true", help="print only; leave docs and results.json")
    ap.add_argument(
        "--no-refresh",
        action="store_true",
        help="skip the refresh phase (a next batch and a rule run: minutes at s); for iterating with --no-write",
    )
    ap.add_argument(
        "--work",
        type=Path,
        help="keep the built world in this folder (default: a temporary one, removed at the end); "
        "a folder already built for the same scale is reused, so the world can be built on a busy "
        "machine and measured later on a quiet one",
    )
    ap.add_argument("--build-only", action="store_true", help="build the world into --work and stop")
    ap.add_argument(
        "--bulk",
        action="store_true",
        help="first load through `riskgraph ingest --bulk` (the same reading, validation, resolution and "
        "merging, imported with neo4j-admin; the same graph as the driver path) instead of the driver path",
    )
    args = ap.parse_args()
    if args.build_only and not args.work:
        ap.error("--build-only needs --work")

    work = args.work.resolve() if args.work else Path(tempfile.mkdtemp(prefix="rg-bench-api-"))
    work.mkdir(parents=True, exist_ok=True)
    built_marker = work / "built.json"
    settings = Settings(
        neo4j_data_dir=work / "neo4j",
        neo4j_bolt_port=neo4j_server.free_port(),
        neo4j_heap="2g",
        neo4j_pagecache="2g" if args.scale == "m" else "1g",
        api_key_pepper=PEPPER,
        api_audit_log=work / "api" / "audit.jsonl",
    )
    machine = (
        f"{platform.processor() or platform.machine()}, {psutil.cpu_count()} logical CPUs, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB RAM, Python {platform.python_version()}"
    )
    run = Run(
        args.scale, args.workers, args.max_in_flight, machine, f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )
    neo4j_server.start(settings)
    api = None
    try:
        env = {
            **os.environ,
            "NEO4J_URI": settings.bolt_uri,
            "NEO4J_USER": settings.neo4j_user,
            "NEO4J_PASSWORD": settings.resolved_password(),
            "RISKGRAPH_VAR_DIR": str(work),
            "RISKGRAPH_API_AUDIT_LOG": str(work / "api" / "audit.jsonl"),
            "RISKGRAPH_API_KEY_PEPPER": PEPPER,
            "RISKGRAPH_API_RATE_PER_S": "100000",
            "RISKGRAPH_API_RATE_BURST": "100000",
            "RISKGRAPH_API_CHECK_MAX_IN_FLIGHT": str(args.max_in_flight),
            "RISKGRAPH_GOV_MONITOR_INTERVAL_MIN": "0",
            # the bulk load stops and restarts this very server
            "RISKGRAPH_NEO4J_DATA_DIR": str(settings.server_home),
            "RISKGRAPH_NEO4J_BOLT_PORT": str(settings.neo4j_bolt_port),
            "RISKGRAPH_NEO4J_HEAP": settings.neo4j_heap,
            "RISKGRAPH_NEO4J_PAGECACHE": settings.neo4j_pagecache,
        }
        data = work / "data"
        built = json.loads(built_marker.read_text(encoding="utf-8")) if built_marker.exists() else None
        if built and built.get("scale") == args.scale:
            run.build_s = {k: float(v) for k, v in built["build_s"].items()}
            run.build_note = f"world built {built['at']} (load {built['load']}), reused"
        else:
            if built:
                raise SystemExit(f"{work} holds a scale-{built.get('scale')} world, not {args.scale}")
            load = round(os.getloadavg()[0], 2)
            run.build_s["generate"] = riskgraph(
                env, "generate", str(data), "--scale", args.scale, "--seed", "7"
            )
            run.build_s["db init"] = riskgraph(env, "db", "init")
            if args.bulk:
                paths = [str(data / src) for src in SOURCES]
                sources = [a for src in SOURCES for a in ("--source", src)]
                local = {k: v for k, v in env.items() if k != "NEO4J_URI"}  # --bulk drives the local server
                run.build_s["ingest --bulk"] = riskgraph(local, "ingest", "--bulk", *paths, *sources)
            else:
                run.build_s["ingest"] = round(
                    sum(riskgraph(env, "ingest", str(data / src), "--source", src) for src in SOURCES), 1
                )
            run.build_s["rules run"] = riskgraph(env, "rules", "run")
            built_marker.write_text(
                json.dumps(
                    {
                        "scale": args.scale,
                        "build_s": run.build_s,
                        "at": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
                        "load": f"{load}–{round(os.getloadavg()[0], 2)}",
                    }
                ),
                encoding="utf-8",
            )
        if args.build_only:
            print(f"built into {work}: {run.build_s}")
            return 0
        key = provision_service_key(
            settings, user_id="bench", name="bench", scopes=["service"], label="bench", ttl_days=1
        )[1]
        usccs, largest = applicants(settings)
        run.counts = {"companies_with_uscc": len(usccs), "largest_1pct": len(largest)}
        rng = random.Random(11)
        queue = [rng.choice(usccs) for _ in range(args.requests)]
        port = neo4j_server.free_port()
        api = start_api(env, port, args.workers)
        base = f"http://127.0.0.1:{port}"
        saturated = args.max_in_flight * args.workers
        levels = sorted({int(c) for c in str(args.concurrency).split(",")} | {saturated})
        phases: list[Phase] = []
        for conc in levels:
            phases.append(
                asyncio.run(
                    drive(
                        base, key, check_send(queue), "check, random", args.requests, conc, args.max_seconds
                    )
                )
            )
            phases.append(
                asyncio.run(drive(base, key, me_send, "GET /v1/me", args.requests, conc, args.max_seconds))
            )
        phases.append(
            asyncio.run(
                drive(base, key, check_send(largest), "check, largest 1%", args.requests, 1, args.max_seconds)
            )
        )
        phases.append(asyncio.run(cypher_floor(settings, queue, args.requests)))
        idle_me = next(p for p in phases if p.what == "GET /v1/me" and p.concurrency == 1)
        checks, me = asyncio.run(overload(base, key, queue, 2 * saturated, args.overload_seconds))
        phases += [checks, me]
        run.phases = [p.summary() for p in phases]
        run.overload = {
            "concurrency": 2 * saturated,
            "checks_5xx_not_503": checks.summary()["server_errors_not_503"],
            "checks_503": checks.statuses.get(503, 0),
            "me_p99_ms": pct(me.latencies_ms, 99),
            "me_idle_p99_ms": pct(idle_me.latencies_ms, 99),
        }
        if args.no_refresh:
            return finish(run, args.no_write)
        # refresh: a next batch with 100 changed balances, one touched borrower checked at once (live),
        # then the rule run that rewrites the profiles
        touched = changed_loans(data, work / "credit-next", REFRESH_ROWS)
        # the next batch is resolved as the first load was: the bulk first load keys parties by strong
        # keys, and a first entity-resolution batch after it re-resolves the whole population (a move
        # for every record whose entity changes; docs/data-interface.md) — not a profile refresh
        resolver = "strong-key" if "ingest --bulk" in run.build_s else "er"
        ingest_s = riskgraph(
            env, "ingest", str(work / "credit-next"), "--source", "credit", "--resolver", resolver
        )
        live = asyncio.run(
            drive(
                base, key, check_send(touched), "check of a touched borrower (live)", 50, 1, args.max_seconds
            )
        )
        run.phases.append(live.summary())
        run.refresh = {
            "changed_rows": len(touched),
            "resolver": resolver,
            "ingest_s": ingest_s,
            "rules_run_s": riskgraph(env, "rules", "run"),
            "touched_check_p50_ms": pct(live.latencies_ms, 50),
        }
    finally:
        stop_api(api)
        neo4j_server.stop(settings)
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    return finish(run, args.no_write)


def finish(run: Run, no_write: bool) -> int:
    """Print the run's section; unless ``no_write``, merge it into results.json and docs/benchmarks.md."""
    text = render(run)
    print(text)
    if not no_write:
        results = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
        results[run.scale] = asdict(run)
        RESULTS.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        write_section(render_all(results))
    return 0


def render(run: Run) -> str:
    rows = "\n".join(
        f"| {p['at']} | {p['load_before']:.1f} / {p['load_after']:.1f} | {p['what']} | {p['concurrency']} | "
        f"{p['requests']} | {p['errors']} | {p['rps']} | {p['p50_ms']} | {p['p95_ms']} | {p['p99_ms']} | "
        f"{p['max_ms']} | {p['size_p50_b'] or ''} | {p['size_p95_b'] or ''} | {p['statuses']} |"
        for p in run.phases
    )
    o, r, b = run.overload, run.refresh, run.build_s
    return f"""### Scale {run.scale} — {run.started}, {run.workers} workers × admission limit {run.max_in_flight}

{run.machine}. Neo4j, the API and the load generator share the machine; the load average (1 min,
before / after each phase) is in the table. **Not a quiet-machine figure** when the load average is
above the core count. World built by the product's own commands: generate {b.get("generate")} s,
db init {b.get("db init")} s, ingest (4 sources) {b.get("ingest") or b.get("ingest --bulk")} s
{"(first load with `--bulk`)" if "ingest --bulk" in b else "(driver path)"}, rules run {b.get("rules run")} s;
{run.build_note}; {run.counts.get("companies_with_uscc")} companies with a USCC, largest 1% = {run.counts.get("largest_1pct")}.

| time UTC | load avg | what | concurrency | requests | errors | rps | p50 ms | p95 ms | p99 ms | max ms | size p50 B | size p95 B | status codes |
|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|
{rows}

Overload ({o.get("concurrency")} checks in flight, 2 × the server's admission limit): 5xx other than 503:
{o.get("checks_5xx_not_503")}, 503 with Retry-After: {o.get("checks_503")}; `GET /v1/me` p99 beside it
{o.get("me_p99_ms")} ms vs {o.get("me_idle_p99_ms")} ms idle. Refresh: {r.get("changed_rows")} changed
loan balances ingested as a next batch (resolver {r.get("resolver", "er")}) in {r.get("ingest_s")} s; a touched borrower's check right after
(recomputed live) p50 {r.get("touched_check_p50_ms")} ms; the rule run that rewrites the profiles {r.get("rules_run_s")} s.
"""


def render_all(results: dict[str, Any]) -> str:
    parts = [
        SECTION,
        "",
        "The pre-loan check on the generator's world loaded through the product's own ingest and rule run, "
        "served by `riskgraph serve --workers N`, beside its floors (`GET /v1/me` with the same key, one "
        "indexed Cypher lookup) measured in the same run. Targets (quiet machine, scale m): p95 ≤ 20 ms at "
        "concurrency 1 for random applicants, p99 ≤ 50 ms for the 1% largest neighbourhoods, ≥ 200 checks/s "
        "with 16 in flight and 0 errors, a check ≤ 3× the `GET /v1/me` floor, under 2× overload 0 5xx "
        "other than 503 and `/v1/me` p99 within 2× idle. The quiet-machine run at m is one command: "
        "`.venv/bin/python bench/api/run.py --scale m --workers 2`.",
        "",
    ]
    for scale in ("xs", "s", "m"):
        if scale in results:
            parts.append(render(Run(**results[scale])))
    return "\n".join(parts)


def write_section(text: str) -> None:
    path = ROOT / "docs" / "benchmarks.md"
    doc = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    # the section ends at the next level-2 heading or at another tool's marker comment
    pattern = re.compile(re.escape(SECTION) + r".*?(?=\n## |\n<!-- |\Z)", re.S)
    doc = (
        pattern.sub(lambda _m: text.rstrip() + "\n", doc) if SECTION in doc else doc.rstrip() + "\n\n" + text
    )
    path.write_text(doc, encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
