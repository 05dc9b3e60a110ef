"""Time `riskgraph generate` per scale and write the "Data generator" section of docs/benchmarks.md.

Each scale runs in its own child process (clean peak-RSS figure), into a temporary folder that is
deleted afterwards. Usage: ``python bench/generator/bench_generate.py --scales xs s m [l]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from riskgraph.benchmarks import cpu_model, replace_section

ROOT = Path(__file__).resolve().parents[2]
BENCH_MD = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- data-generator:begin -->", "<!-- data-generator:end -->"


def run_one(scale: str, seed: int, fmt: str) -> dict:
    """Generate one scale in this process; report wall time per phase, rows, bytes, peak RSS."""
    import resource
    import time

    from ingest.generator.generate import generate

    out = Path(tempfile.mkdtemp(prefix=f"gen-{scale}-"))
    try:
        t = time.perf_counter()
        r = generate(out, scale=scale, seed=seed, fmt=fmt)
        total = time.perf_counter() - t
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    finally:
        shutil.rmtree(out, ignore_errors=True)
    rows = sum(sum(v.values()) for v in r.source_rows.values())
    party_rows = sum(v.get("companies", 0) + v.get("persons", 0) for v in r.source_rows.values())
    return {
        "scale": scale,
        "companies": r.companies,
        "persons": r.persons,
        "rows": rows,
        "party_rows": party_rows,
        "seconds": total,
        "phases": {k: round(v, 1) for k, v in r.seconds.items()},
        "mb_on_disk": size / 2**20,
        # the largest of this process and its forked source writers (each shares the world copy-on-write)
        "peak_rss_mb": max(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
        )
        / 1024,
    }


def machine_facts() -> str:
    import numpy as np
    import psutil

    cpu = cpu_model()
    vm = psutil.virtual_memory()
    return (
        f"{cpu}, {os.cpu_count()} cores, {vm.total / 2**30:.0f} GB RAM; Python {platform.python_version()}, "
        f"numpy {np.__version__}; load average at start {os.getloadavg()[0]:.2f}"
    )


def write_section(text: str) -> None:
    replace_section(BEGIN, END, text)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scales", nargs="+", default=["xs", "s", "m"])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--format", default="csv")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the table rows of scales not rerun")
    ap.add_argument("--single", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.single:
        print(json.dumps(run_one(args.single, args.seed, args.format)))
        return
    facts = machine_facts()
    print(facts, flush=True)
    results = []
    kept = [line for line in _current_rows() if line.split("|")[1].strip() not in args.scales]
    for scale in args.scales:
        proc = subprocess.run(
            [sys.executable, __file__, "--single", scale, "--seed", str(args.seed), "--format", args.format],
            capture_output=True,
            text=True,
            check=False,
            cwd=ROOT,
        )
        if proc.returncode != 0:
            print(proc.stderr[-3000:], file=sys.stderr)
            raise SystemExit(f"scale {scale} failed")
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        r["load"] = os.getloadavg()[0]
        results.append(r)
        print(
            f"{scale}: {r['companies']:,} companies, {r['rows']:,} rows in {r['seconds']:.1f} s "
            f"(peak {r['peak_rss_mb']:,.0f} MB) {r['phases']}",
            flush=True,
        )
        if not args.no_write:  # after every scale: a long run that is cut short still leaves its figures
            write_section(render(results, args, facts, kept if args.keep else []))


def _current_rows() -> list[str]:
    """Table rows of the section as it stands (to keep scales measured in an earlier run)."""
    text = BENCH_MD.read_text(encoding="utf-8") if BENCH_MD.exists() else ""
    if BEGIN not in text:
        return []
    section = text.split(BEGIN, 1)[1].split(END, 1)[0]
    return [
        ln
        for ln in section.splitlines()
        if ln.startswith("| ") and ln.split("|")[1].strip() in ("xs", "s", "m", "l")
    ]


def render(results: list[dict], args: argparse.Namespace, facts: str, kept: list[str]) -> str:
    lines = [
        "## Data generator (`bench/generator/bench_generate.py`)",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC (rows kept from earlier runs: {len(kept)}), "
        f"`riskgraph generate --format {args.format} "
        f"--seed {args.seed}`, the sources written by 2 forked processes. Machine: {facts}.",
        "",
        "| scale | true companies | true persons | source rows (all files) | party rows (companies + persons) | "
        "wall time | world / credit / emit / truth (s) | peak RSS | on disk | load avg at end |",
        "|---|---:|---:|---:|---:|---:|---|---:|---:|---:|",
    ]
    lines += kept
    for r in results:
        ph = r["phases"]
        lines.append(
            f"| {r['scale']} | {r['companies']:,} | {r['persons']:,} | {r['rows']:,} | {r['party_rows']:,} | "
            f"{r['seconds']:.1f} s | {ph['world']} / {ph['credit']} / {ph['emit']} / {ph['truth']} | "
            f"{r['peak_rss_mb']:,.0f} MB | {r['mb_on_disk']:,.0f} MB | {r['load']:.1f} |"
        )
    lines += [
        "",
        "Source rows count every data row of every source folder (relationship files included); the ground-truth "
        "folder (record map, entity tables) is in the on-disk size but not in the row count. Peak RSS is the "
        "largest single process (main or one forked writer); the writers share the world copy-on-write.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
