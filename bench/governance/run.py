"""Governance figures: password hashing cost, and the abnormal-use check over large audit logs.

Writes its own section of docs/benchmarks.md (between the governance markers). Run:
    .venv/bin/python -m bench.governance.run [--users 300 600]   (from the project root)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from api.audit.log import GENESIS, record_hash, verify_chain
from api.security.keys import hash_key, verify_key
from api.services.audit_check import load_records
from api.services.monitoring import MonitorParams, detect
from api.services.passwords import hash_password, verify_password
from riskgraph.benchmarks import cpu_model
from tests.governance.audit_log_gen import DAY, LogBuilder, window

ROOT = Path(__file__).resolve().parents[2]

BEGIN, END = "<!-- governance:begin -->", "<!-- governance:end -->"


def timed(fn, n: int) -> float:
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples) * 1000


def write_log(path: Path, records: list[dict]) -> None:
    prev = GENESIS
    with path.open("w", encoding="utf-8") as fh:
        for i, r in enumerate(records, start=1):
            rec = {
                **r,
                "request_id": uuid.uuid4().hex,
                "method": "GET",
                "query": None,
                "key_id": "0123456789ab",
                "pii": False,
                "entity_ids_truncated": False,
                "verdict": None,
                "duration_ms": 12.3,
                "seq": i,
                "prev_hash": prev,
            }
            rec["hash"] = record_hash(rec)
            prev = rec["hash"]
            fh.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":"), default=str) + "\n")


def log_bench(users: int) -> dict:
    b = LogBuilder(seed=users)
    for i in range(users):
        b.normal_user(f"u{i}")
    for i in range(400):  # one planted spike so that the flag path runs too
        b.add(DAY.replace(hour=10 + i % 7, minute=i % 60), "u0", purpose="LA-u0-0-0", entities=(f"C:{i}",))
    records = b.sorted()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "audit.jsonl"
        write_log(path, records)
        size = path.stat().st_size
        t = time.perf_counter()
        chain = verify_chain(path)
        t_verify = time.perf_counter() - t
        t = time.perf_counter()
        loaded = load_records(path)
        t_load = time.perf_counter() - t
    since, until = window()
    t = time.perf_counter()
    flags = detect(loaded, since=since, until=until, params=MonitorParams())
    t_detect = time.perf_counter() - t
    return {
        "users": users,
        "records": len(records),
        "bytes": size,
        "chain_ok": chain.ok,
        "verify_s": t_verify,
        "load_s": t_load,
        "detect_s": t_detect,
        "flags": len(flags),
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, nargs="+", default=[300, 1200])
    args = ap.parse_args()
    load_before = os.getloadavg()
    started = datetime.now(UTC)
    pw_hash = hash_password("Kx7#mQ2v!Lp9wR")
    key_h = hash_key("rg_abc_" + "x" * 43)
    hashing = {
        "password hash (argon2id t=3, m=64 MiB, p=2)": timed(lambda: hash_password("Kx7#mQ2v!Lp9wR"), 7),
        "password verify (= one sign-in's CPU cost)": timed(
            lambda: verify_password(pw_hash, "Kx7#mQ2v!Lp9wR"), 7
        ),
        "API key / session verify (argon2id t=2, m=19 MiB)": timed(
            lambda: verify_key(key_h, "rg_abc_" + "x" * 43), 7
        ),
    }
    logs = [log_bench(u) for u in args.users]
    load_after = os.getloadavg()
    lines = [
        BEGIN,
        "## Governance — password hashing and the abnormal-use check (`bench/governance/run.py`)",
        "",
        f"Measured {started:%Y-%m-%d %H:%M} UTC on {cpu_model()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}. Load average (1/5/15 min) before: "
        f"{'/'.join(f'{x:.2f}' for x in load_before)}, after: {'/'.join(f'{x:.2f}' for x in load_after)} — "
        "the machine was shared with other engineers' jobs, so these figures are pessimistic.",
        "",
        "| operation | median of 7 |",
        "|---|---:|",
        *(f"| {k} | {v:.0f} ms |" for k, v in hashing.items()),
        "",
        "Abnormal-use check on generated audit logs (`tests/governance/audit_log_gen.py`: users with a month of "
        "working-day habits, one planted spike), single process: hash-chain verification, loading the request "
        "records, and the five pure checks over a 24 h window with the month before as history.",
        "",
        "| users | records | log size | bytes/record | verify chain | load records | detect | flags | peak RSS |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        *(
            f"| {r['users']:,} | {r['records']:,} | {r['bytes'] / 1e6:.0f} MB | {r['bytes'] / r['records']:.0f} | "
            f"{r['verify_s']:.1f} s | {r['load_s']:.1f} s | {r['detect_s']:.1f} s | {r['flags']} | {r['rss_mb']:.0f} MB |"
            for r in logs
        ),
        "",
        "Per pass the API re-reads the whole log (dormancy needs old history): the load and verify columns "
        "grow linearly with the log; detection is a few passes over the parsed rows.",
        END,
    ]
    section = "\n".join(lines)
    print(section)
    doc = ROOT / "docs" / "benchmarks.md"
    text = doc.read_text(encoding="utf-8")
    if BEGIN in text and END in text:
        text = text[: text.index(BEGIN)] + section + text[text.index(END) + len(END) :]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    doc.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
