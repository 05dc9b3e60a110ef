"""Where a pre-loan check's time goes: the app in this process, its Bolt round trips and bytes, a profile.

Runs the product's app (``api.app.create_app``, the same middleware, auth, audit and masking) on a
world built by ``bench/api/run.py --work DIR --build-only``, through an in-process ASGI transport, so
the figures have no HTTP client or socket in them. For ``--requests`` random companies it reports:

* the wall time per check and per ``GET /v1/me`` (p50/p95, one at a time, after a warm-up);
* Cypher round trips per check (every query the async and the synchronous drivers send) and the
  bytes read from the Bolt sockets per check;
* optionally (``--cprofile FILE``) a cProfile of the checks, with the work the route sends to worker
  threads run inline so that it is in the profile too (print it with ``python -m pstats FILE``).

    .venv/bin/python bench/api/profile_check.py --work /work/benchwork/s --requests 200 --cprofile /tmp/check.prof

A figure from here is a breakdown, not the benchmark: `bench/api/run.py` measures the served API.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from api.services.operator import provision_service_key  # noqa: E402
from graph_model.connection import open_driver  # noqa: E402
from riskgraph import neo4j_server  # noqa: E402
from riskgraph.settings import Settings  # noqa: E402

PEPPER = "bench-pepper"


class BoltMeter:
    """Counts queries sent and bytes received on every Bolt connection of this process."""

    def __init__(self) -> None:
        self.queries = 0
        self.bytes_in = 0

    @contextmanager
    def installed(self) -> Iterator[None]:
        from neo4j._async.io._bolt import AsyncBolt
        from neo4j._async_compat.network._bolt_socket import AsyncBoltSocketBase, BoltSocketBase
        from neo4j._sync.io._bolt import Bolt

        saved: list[tuple[type, str, Any]] = []
        meter = self

        def wrap_run(cls: type) -> None:
            orig = cls.__dict__["run"]

            def run(self: Any, *a: Any, **k: Any) -> Any:
                meter.queries += 1
                return orig(self, *a, **k)

            saved.append((cls, "run", orig))
            setattr(cls, "run", run)  # noqa: B010

        for base in (AsyncBolt, Bolt):
            for cls in _subclasses(base):
                if "run" in cls.__dict__:
                    wrap_run(cls)
        a_recv = AsyncBoltSocketBase.recv_into

        async def arecv(self: Any, buf: Any, n: int) -> int:
            got = await a_recv(self, buf, n)
            meter.bytes_in += got
            return got

        s_recv = BoltSocketBase.recv_into

        def srecv(self: Any, buf: Any, n: int) -> int:
            got = s_recv(self, buf, n)
            meter.bytes_in += got
            return got

        saved += [(AsyncBoltSocketBase, "recv_into", a_recv), (BoltSocketBase, "recv_into", s_recv)]
        setattr(AsyncBoltSocketBase, "recv_into", arecv)  # noqa: B010
        setattr(BoltSocketBase, "recv_into", srecv)  # noqa: B010
        try:
            yield
        finally:
            for cls, name, orig in saved:
                setattr(cls, name, orig)


def _subclasses(cls: type) -> set[type]:
    out = {cls}
    sub: type
    for sub in cls.__subclasses__():
        out |= _subclasses(sub)
    return out


def pct(values: list[float], p: int) -> float:
    if len(values) < 2:
        return round(values[0], 2) if values else float("nan")
    return round(statistics.quantiles(values, n=100, method="inclusive")[p - 1], 2)


async def measure(args: argparse.Namespace, key: str, usccs: list[str]) -> dict[str, Any]:
    from api.app import create_app
    from api.settings import ApiSettings

    app = create_app(ApiSettings())
    rng = random.Random(11)
    queue = [rng.choice(usccs) for _ in range(args.requests)]
    meter = BoltMeter()
    prof = cProfile.Profile() if args.cprofile else None
    out: dict[str, Any] = {}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://t", headers={"X-API-Key": key}
        ) as c:

            async def one(i: int) -> httpx.Response:
                return await c.post(
                    "/v1/checks/pre-loan",
                    json={
                        "application_ref": f"P{i}",
                        "applicant": {"uscc": queue[i % len(queue)]},
                        "requested_amount": 5e6,
                    },
                )

            for i in range(20):  # warm-up: connections, caches, the sync driver
                await one(i)
                await c.get("/v1/me")
            me: list[float] = []
            for _ in range(args.requests):
                t0 = time.perf_counter()
                r = await c.get("/v1/me")
                me.append((time.perf_counter() - t0) * 1000)
                assert r.status_code == 200, r.text
            lat: list[float] = []
            sizes: list[int] = []
            sources: dict[str, int] = {}
            with meter.installed():
                q0, b0 = meter.queries, meter.bytes_in
                if prof is not None:
                    prof.enable()
                for i in range(args.requests):
                    t0 = time.perf_counter()
                    r = await one(i)
                    lat.append((time.perf_counter() - t0) * 1000)
                    assert r.status_code == 200, r.text
                    sizes.append(len(r.content))
                    src = (r.json().get("freshness") or {}).get("source", "none")
                    sources[src] = sources.get(src, 0) + 1
                if prof is not None:
                    prof.disable()
                n = args.requests
                queries, bolt_in = meter.queries - q0, meter.bytes_in - b0
            cypher: list[float] = []
            for i in range(args.requests):
                t0 = time.perf_counter()
                await app.state.driver.execute_query(
                    "MATCH (c:Company {uscc: $u}) RETURN c.entity_id AS id", {"u": queue[i]}
                )
                cypher.append((time.perf_counter() - t0) * 1000)
            out = {
                "requests": n,
                "check_p50_ms": pct(lat, 50),
                "check_p95_ms": pct(lat, 95),
                "me_p50_ms": pct(me, 50),
                "me_p95_ms": pct(me, 95),
                "cypher_p50_ms": pct(cypher, 50),
                "ratio_p50": round(pct(lat, 50) / pct(me, 50), 2),
                "queries_per_check": round(queries / n, 2),
                "bolt_bytes_in_per_check": round(bolt_in / n),
                "size_p50_b": pct([float(s) for s in sizes], 50),
                "size_p95_b": pct([float(s) for s in sizes], 95),
                "size_max_b": max(sizes),
                "freshness": sources,
                "load_avg": round(os.getloadavg()[0], 2),
            }
    if prof is not None:
        prof.dump_stats(args.cprofile)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--work", type=Path, required=True, help="a folder built by bench/api/run.py --build-only"
    )
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--cprofile", help="write a cProfile of the checks here (worker-thread work run inline)")
    args = ap.parse_args()
    work = args.work.resolve()
    if not (work / "built.json").exists():
        raise SystemExit(f"{work} holds no built world (bench/api/run.py --work {work} --build-only)")
    settings = Settings(
        neo4j_data_dir=work / "neo4j",
        neo4j_bolt_port=neo4j_server.free_port(),
        neo4j_heap="2g",
        neo4j_pagecache="1g",
        api_key_pepper=PEPPER,
        api_audit_log=work / "api" / "audit-profile.jsonl",
    )
    neo4j_server.start(settings)
    try:
        os.environ.update(
            {
                "NEO4J_URI": settings.bolt_uri,
                "NEO4J_USER": settings.neo4j_user,
                "NEO4J_PASSWORD": settings.resolved_password(),
                "RISKGRAPH_VAR_DIR": str(work),
                "RISKGRAPH_API_AUDIT_LOG": str(work / "api" / "audit-profile.jsonl"),
                "RISKGRAPH_API_KEY_PEPPER": PEPPER,
                "RISKGRAPH_API_RATE_PER_S": "100000",
                "RISKGRAPH_API_RATE_BURST": "100000",
                "RISKGRAPH_GOV_MONITOR_INTERVAL_MIN": "0",
            }
        )
        key = provision_service_key(
            settings, user_id="bench", name="bench", scopes=["service"], label="bench", ttl_days=1
        )[1]
        driver = open_driver(settings.bolt_uri, settings.neo4j_user, settings.resolved_password())
        try:
            rows, _, _ = driver.execute_query("MATCH (c:Company) WHERE c.uscc IS NOT NULL RETURN c.uscc AS u")
        finally:
            driver.close()
        usccs = sorted(r["u"] for r in rows)
        if args.cprofile:

            async def inline(func: Any, /, *a: Any, **k: Any) -> Any:
                return func(*a, **k)

            setattr(asyncio, "to_thread", inline)  # noqa: B010
        print(json.dumps(asyncio.run(measure(args, key, usccs)), indent=1))
    finally:
        neo4j_server.stop(settings)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
