"""Pre-loan check latency/throughput under concurrent load.

Starts an isolated Neo4j (own folder, free port), loads a synthetic graph shaped like the scale-m
world (``--companies`` companies, as many persons, ~1.5 shareholdings and ~0.5 guarantees per company,
loans, a blacklist) with UNWIND batches — a synthetic loader, not the generator + ingest, so the
benchmark depends only on the graph model — then serves the API with uvicorn on loopback and runs every rule with
risk profiles (``--no-profiles`` skips it), then drives ``POST /v1/checks/pre-loan``, ``GET /v1/me``
(same key) and, through the driver, one indexed Cypher lookup, with an async load generator (bounded request count and duration).
Writes p50/p95/p99, throughput and errors, with machine facts and load average, to
docs/benchmarks.md (its own section, replaced on each run).

    .venv/bin/python bench/api/run.py --companies 100000 --requests 3000 --concurrency 16
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psutil

from api.services.operator import provision_service_key
from graph_model.connection import open_driver
from graph_model.constraints import apply_schema
from riskgraph import neo4j_server
from riskgraph.settings import Settings
from tests.identifiers import uscc

ROOT = Path(__file__).resolve().parents[2]

SECTION = "## API: pre-loan check under load (bench/api/run.py)"
PEPPER = "bench-pepper"


def make_uscc(i: int) -> str:
    return uscc(f"91330106MA{i:07d}")


def load_graph(driver, n: int, seed: int = 7) -> dict[str, int]:
    rng = random.Random(seed)
    batch = 10_000

    def run(q: str, rows: list) -> None:
        for i in range(0, len(rows), batch):
            driver.execute_query(q, {"rows": rows[i : i + batch]})

    companies = [
        {
            "entity_id": f"C:{i:07d}",
            "uscc": make_uscc(i),
            "name": f"合成企业{i}有限公司",
            "name_norm": f"合成企业{i}",
            "net_assets": float(rng.randint(1, 500) * 1e6),
            "region": rng.choice(["浙江省杭州市", "浙江省宁波市", "江苏省南京市"]),
            "status": "存续",
        }
        for i in range(n)
    ]
    run("UNWIND $rows AS r CREATE (c:Company) SET c = r", companies)
    run(
        "UNWIND $rows AS r CREATE (p:Person) SET p = r",
        [{"entity_id": f"P:{i:07d}", "name": f"自然人{i}"} for i in range(n)],
    )
    shares = []
    for i in range(n):
        shares.append((f"P:{rng.randrange(n):07d}", f"C:{i:07d}", float(rng.choice([51, 60, 70, 100]))))
        if rng.random() < 0.5:
            shares.append((f"C:{rng.randrange(n):07d}", f"C:{i:07d}", float(rng.choice([10, 20, 30]))))
    run(
        "UNWIND $rows AS r MATCH (h:Person {entity_id: r[0]}), (c:Company {entity_id: r[1]}) "
        "CREATE (h)-[:HOLDS_SHARES {pct: r[2]}]->(c)",
        [s for s in shares if s[0].startswith("P")],
    )
    run(
        "UNWIND $rows AS r MATCH (h:Company {entity_id: r[0]}), (c:Company {entity_id: r[1]}) "
        "CREATE (h)-[:HOLDS_SHARES {pct: r[2]}]->(c)",
        [s for s in shares if s[0].startswith("C")],
    )
    guar = []
    for k in range(n // 2):
        a, b = rng.randrange(n), rng.randrange(n)
        if a != b:
            guar.append((f"C:{a:07d}", f"C:{b:07d}", f"G-{k}", float(rng.randint(1, 50) * 1e6)))
            if rng.random() < 0.1:
                guar.append((f"C:{b:07d}", f"C:{a:07d}", f"G-{k}r", float(rng.randint(1, 50) * 1e6)))
    run(
        "UNWIND $rows AS r MATCH (a:Company {entity_id: r[0]}), (b:Company {entity_id: r[1]}) "
        "CREATE (a)-[:GUARANTEES {contract_id: r[2], amount: r[3]}]->(b)",
        guar,
    )
    run(
        "UNWIND $rows AS r MATCH (c:Company {entity_id: r[0]}) "
        "CREATE (c)-[:BORROWED]->(:Loan {loan_id: r[1], balance: r[2], amount: r[2], status: r[3]})",
        [
            (
                f"C:{i:07d}",
                f"L-{i}",
                float(rng.randint(1, 100) * 1e6),
                rng.choice(["normal"] * 20 + ["overdue"]),
            )
            for i in range(0, n, 1)
            if rng.random() < 0.8
        ],
    )
    run(
        "UNWIND $rows AS r MATCH (c:Company {entity_id: r[0]}) "
        "CREATE (c)-[:LISTED_AS]->(:BlacklistEntry {entry_id: r[1], kind: 'dishonest_judgment_debtor'})",
        [(f"C:{rng.randrange(n):07d}", f"BL-{k}") for k in range(max(1, n // 50))],
    )
    return {"companies": n, "persons": n, "shareholdings": len(shares), "guarantees": len(guar)}


def check_request(queue: list[str]):
    async def send(client: httpx.AsyncClient, i: int) -> int:
        r = await client.post(
            "/v1/checks/pre-loan",
            json={
                "application_ref": f"B{i}",
                "applicant": {"uscc": queue[i % len(queue)]},
                "requested_amount": 5e6,
            },
        )
        return r.status_code

    return send


async def me_request(client: httpx.AsyncClient, i: int) -> int:
    return (await client.get("/v1/me")).status_code


async def drive(
    base: str, key: str, send, total: int, concurrency: int, max_s: float
) -> tuple[list[float], int, float, dict[int, int]]:
    """``total`` requests made by ``send`` from ``concurrency`` workers (20 warm-up requests first)."""
    lat: list[float] = []
    errors = 0
    statuses: dict[int, int] = {}
    t_end = time.perf_counter() + max_s
    async with httpx.AsyncClient(
        base_url=base,
        headers={"X-API-Key": key},
        timeout=30,
        limits=httpx.Limits(max_connections=concurrency),
    ) as client:
        for w in range(20):  # warm-up
            await send(client, total + w)

        async def worker(wid: int) -> None:
            nonlocal errors
            i = wid
            while i < total and time.perf_counter() < t_end:
                t0 = time.perf_counter()
                try:
                    code = await send(client, i)
                    statuses[code] = statuses.get(code, 0) + 1
                    if code != 200:
                        errors += 1
                except httpx.HTTPError:
                    errors += 1
                lat.append((time.perf_counter() - t0) * 1000)
                i += concurrency

        t0 = time.perf_counter()
        await asyncio.gather(*(worker(w) for w in range(concurrency)))
        elapsed = time.perf_counter() - t0
    return lat, errors, elapsed, statuses


async def cypher_lookup(
    settings: Settings, queue: list[str], total: int
) -> tuple[list[float], int, float, dict[int, int]]:
    """The floor below the API: one indexed lookup by USCC through the async driver, one at a time."""
    from graph_model.connection import open_async_driver

    driver = open_async_driver(settings.bolt_uri, settings.neo4j_user, settings.resolved_password())
    lat: list[float] = []
    try:
        for i in range(20 + total):
            t0 = time.perf_counter()
            await driver.execute_query(
                "MATCH (c:Company {uscc: $u}) RETURN c.entity_id AS id",
                {"u": queue[i % len(queue)]},
                database_="neo4j",
            )
            if i >= 20:
                lat.append((time.perf_counter() - t0) * 1000)
    finally:
        await driver.close()
    return lat, 0, sum(lat) / 1000, {}


def pct(values: list[float], p: float) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1] if len(values) > 1 else values[0]
    )


def write_section(text: str) -> None:
    path = ROOT / "docs" / "benchmarks.md"
    doc = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    # the section ends at the next heading or at another tool's marker comment
    pattern = re.compile(re.escape(SECTION) + r".*?(?=\n## |\n<!-- |\Z)", re.S)
    doc = pattern.sub(text.rstrip() + "\n", doc) if SECTION in doc else doc.rstrip() + "\n\n" + text
    path.write_text(doc, encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--companies", type=int, default=100_000)
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--concurrency", default="1,16", help="comma-separated: one phase per level")
    ap.add_argument("--max-seconds", type=float, default=120)
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--no-profiles", action="store_true", help="skip the rule run: checks recompute live")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rg-bench-api-"))
    # jars stay in the project's var/ (default var_dir); the server home and the audit log are temporary
    settings = Settings(
        neo4j_data_dir=work / "neo4j",
        neo4j_bolt_port=neo4j_server.free_port(),
        neo4j_heap="2g",
        neo4j_pagecache="1g",
        api_key_pepper=PEPPER,
        api_audit_log=work / "audit.jsonl",
    )
    neo4j_server.start(settings)
    server = None
    try:
        driver = open_driver(settings.bolt_uri, settings.neo4j_user, settings.resolved_password())
        apply_schema(driver)
        t0 = time.perf_counter()
        counts = load_graph(driver, args.companies)
        load_s = time.perf_counter() - t0
        rules_s = 0.0
        if not args.no_profiles:  # the rules write the profiles the check reads
            from risk_rules.config import load_config
            from risk_rules.runner import run_rules

            t0 = time.perf_counter()
            run_rules(driver, load_config(), profiles=True)
            rules_s = time.perf_counter() - t0
        key = provision_service_key(
            settings, user_id="bench", name="bench", scopes=["service"], label="bench", ttl_days=1
        )[1]
        driver.close()
        port = neo4j_server.free_port()
        env = {
            **os.environ,
            "NEO4J_URI": settings.bolt_uri,
            "NEO4J_PASSWORD": settings.resolved_password(),
            "RISKGRAPH_API_AUDIT_LOG": str(work / "audit.jsonl"),
            "RISKGRAPH_API_KEY_PEPPER": PEPPER,
            "RISKGRAPH_API_RATE_PER_S": "100000",
            "RISKGRAPH_API_RATE_BURST": "100000",
        }
        # what `riskgraph serve` runs: one uvicorn process with the app factory
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "api.app:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        phases = []
        rng = random.Random(11)
        queue = [make_uscc(rng.randrange(args.companies)) for _ in range(args.requests)]
        targets = [("pre-loan check", check_request(queue)), ("GET /v1/me", me_request)]
        for conc in [int(c) for c in str(args.concurrency).split(",")]:
            for what, send in targets:
                load_before = os.getloadavg()
                lat, errors, elapsed, statuses = asyncio.run(
                    drive(base, key, send, args.requests, conc, args.max_seconds)
                )
                phases.append(
                    (
                        what,
                        conc,
                        lat,
                        errors,
                        elapsed,
                        statuses,
                        load_before,
                        os.getloadavg(),
                        datetime.now(UTC),
                    )
                )
        load_before = os.getloadavg()
        lat, errors, elapsed, statuses = asyncio.run(cypher_lookup(settings, queue, args.requests))
        phases.append(
            (
                "indexed Cypher lookup (driver)",
                1,
                lat,
                errors,
                elapsed,
                statuses,
                load_before,
                os.getloadavg(),
                datetime.now(UTC),
            )
        )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        neo4j_server.stop(settings)
        shutil.rmtree(work, ignore_errors=True)
    facts = (
        f"{platform.processor() or platform.machine()}, {psutil.cpu_count()} logical CPUs, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB RAM, Python {platform.python_version()}"
    )
    rows = []
    for what, conc, lat, errors, elapsed, statuses, lb, la, when in phases:
        n = len(lat)
        rows.append(
            f"| {when:%H:%M} | {lb[0]:.1f} / {la[0]:.1f} | {what} | {conc} | {n} | {errors} | {elapsed:.1f} | "
            f"{n / elapsed:.1f} | {pct(lat, 50):.1f} | {pct(lat, 95):.1f} | {pct(lat, 99):.1f} | {max(lat):.1f} | "
            f"{dict(sorted(statuses.items()))} |"
        )
    table = "\n".join(rows)
    text = f"""{SECTION}

Measured {phases[0][8]:%Y-%m-%d} UTC on {facts}. Other engineers share this 2-core machine: the
load average (1 min, before / after each phase) is in the table, and figures taken under load are
pessimistic. Neo4j (heap 2g, page cache 1g), the API (one uvicorn process) and the load generator
all run on the same two cores.

Graph: synthetic loader (not generator + ingest): {counts["companies"]:,} companies,
{counts["persons"]:,} persons, {counts["shareholdings"]:,} shareholdings, {counts["guarantees"]:,}
guarantees, loans for ~80% of companies, {max(1, args.companies // 50):,} blacklist listings; loaded in
{load_s:.0f} s; {"rules and risk profiles run in " + format(rules_s, ".0f") + " s (checks read profiles)" if rules_s else "no rule run (checks recompute live)"}. Requests: `POST /v1/checks/pre-loan` by USCC of a random company, service key
(masking and the fsync'd audit log on), 20 warm-up requests per phase, at most {args.requests}
requests or {args.max_seconds:.0f} s per phase. Concurrency 1 shows the latency of one check alone;
the higher level shows throughput (its latency is mostly queueing: latency ≈ concurrency / rps).

| time UTC | load avg | what | concurrency | requests | errors | duration s | rps | p50 ms | p95 ms | p99 ms | max ms | status codes |
|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|
{table}

In the same run, the floors: `GET /v1/me` with the same key (framework, authentication, audit) and
one indexed Cypher lookup by USCC through the async driver (one at a time).

Targets: p95 ≤ 20 ms at concurrency 1; ≥ 200 checks/s with 16 in flight and 0 errors; a check at most
3× the `GET /v1/me` floor.
"""
    print(text)
    if not args.no_write:
        write_section(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
