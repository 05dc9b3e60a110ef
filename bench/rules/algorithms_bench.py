"""Benchmark of the pure rule algorithms (risk_rules.algorithms) on synthetic graphs.

Run:  .venv/bin/python bench/rules/algorithms_bench.py            # full size, writes docs section
      .venv/bin/python bench/rules/algorithms_bench.py --scale 0.01 --no-write   # smoke run

Workloads (all random, seeded):
- guarantee graph: 600k entities, 1M guarantor→borrower edges, uniform random (mean degree 1.7,
  so a giant strongly connected component forms — the hardest case for circle evidence);
- ownership graph: 200k companies + 60k persons, 1–4 holders per company (holders sum ≤ 100%),
  35% of stakes held by companies drawn with a bias to low ids (parents / holding companies, a few
  layers deep), plus 0.5% cross-holdings;
- linkage graph: the ownership edges (as shareholding) + 300k guarantee edges + 50k shared-contact
  links, 100 blacklisted seeds.

Each step runs in a forked child process that builds its inputs, then times the algorithm; peak
memory is the child's maximum RSS (inputs included), Δ is the growth during the timed call.
The target: circle detection over 1M guarantee edges in ≤ 30 s on 2 cores.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import resource
import time
from datetime import UTC, datetime
from pathlib import Path

import networkx as nx
import numpy as np
import psutil
import scipy

from risk_rules import algorithms as alg
from riskgraph.benchmarks import cpu_model, replace_section

ROOT = Path(__file__).resolve().parents[2]

BENCH_MD = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- rules-algorithms:begin -->", "<!-- rules-algorithms:end -->"


# --------------------------------------------------------------------------------------------
# synthetic inputs


def guarantee_arrays(scale: float, seed: int = 1):
    rng = np.random.default_rng(seed)
    n, m = int(600_000 * scale), int(1_000_000 * scale)
    ids = np.array([f"C:{i:07d}" for i in range(n)], dtype=object)
    s, d = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = s != d
    return ids, ids[s[keep]], ids[d[keep]], rng.uniform(1e5, 5e7, keep.sum())


def guarantee_graph(scale: float) -> nx.DiGraph:
    ids, g, b, amt = guarantee_arrays(scale)
    G: nx.DiGraph = nx.DiGraph()
    G.add_edges_from(zip(g.tolist(), b.tolist(), ({"amount": a} for a in amt.tolist()), strict=True))
    rng = np.random.default_rng(2)
    eq = rng.uniform(1e6, 5e8, len(ids))
    nx.set_node_attributes(G, dict(zip(ids.tolist(), eq.tolist(), strict=True)), "equity")
    nx.set_node_attributes(G, dict(zip(ids.tolist(), (eq * 1.2).tolist(), strict=True)), "net_assets")
    return G


def ownership_graph(scale: float, seed: int = 3) -> nx.DiGraph:
    rng = np.random.default_rng(seed)
    nc, npers = int(200_000 * scale), int(60_000 * scale)
    G: nx.DiGraph = nx.DiGraph()
    G.add_nodes_from((f"P:{i:06d}" for i in range(npers)), kind="person")
    G.add_nodes_from((f"C:{i:07d}" for i in range(nc)), kind="company")
    for j in range(nc):
        k = int(rng.integers(1, 5))
        raw = rng.uniform(1, 100, k)
        raw = raw / raw.sum() * rng.uniform(60, 100)  # holders sum to 60–100%
        for r in raw:
            if j > 10 and rng.random() < 0.35:  # a company holder, biased to low ids (parents)
                h = f"C:{int(j * rng.random() ** 4):07d}"
            else:
                h = f"P:{int(rng.integers(0, npers)):06d}"
            if G.has_edge(h, f"C:{j:07d}"):
                G[h][f"C:{j:07d}"]["pct"] += float(r)
            else:
                G.add_edge(h, f"C:{j:07d}", pct=float(r))
    # 0.5% cross-holdings: a small stake back up the layers
    for _ in range(int(nc * 0.005)):
        a, b = sorted(rng.integers(0, nc, 2))
        if a != b and not G.has_edge(f"C:{a:07d}", f"C:{b:07d}"):
            G.add_edge(f"C:{b:07d}", f"C:{a:07d}", pct=float(rng.uniform(0.5, 5)))
    # keep every company's recorded holders at ≤ 100%
    for v in [v for v in G if G.in_degree(v)]:
        tot = sum(d["pct"] for _, _, d in G.in_edges(v, data=True))
        if tot > 100:
            for u in list(G.predecessors(v)):
                G[u][v]["pct"] *= 99.0 / tot
    return G


def linkage_graph(scale: float) -> tuple[nx.MultiDiGraph, list[str]]:
    own = ownership_graph(scale)
    L: nx.MultiDiGraph = nx.MultiDiGraph()
    L.add_edges_from((u, v, {"rel": "shareholding", "pct": d["pct"]}) for u, v, d in own.edges(data=True))
    _, g, b, _ = guarantee_arrays(scale * 0.3)
    L.add_edges_from((u, v, {"rel": "guarantee"}) for u, v in zip(g.tolist(), b.tolist(), strict=True))
    rng = np.random.default_rng(5)
    nodes = list(L.nodes)
    for _ in range(int(50_000 * scale)):
        a, c = rng.integers(0, len(nodes), 2)
        L.add_edge(nodes[a], nodes[c], rel="shared_contact")
    seeds = [nodes[i] for i in rng.choice(len(nodes), size=100, replace=False)]
    return L, seeds


# --------------------------------------------------------------------------------------------
# steps (each runs in a child process)


def step_circles_from_edges(scale):
    _, g, b, amt = guarantee_arrays(scale)
    yield f"{len(g):,} edges"
    res = alg.guarantee_circles_from_edges(g, b, amt)
    big = max((c.size for c in res), default=0)
    yield f"{len(res):,} circles, largest {big:,} members, {sum(len(c.cycles) for c in res):,} evidence cycles"


def step_scc_only(scale):
    _, g, b, amt = guarantee_arrays(scale)
    yield f"{len(g):,} edges"
    res = alg.guarantee_circles_from_edges(g, b, amt, max_cycles=0)
    yield f"{len(res):,} circles (membership only, no evidence cycles)"


def step_circles_nx(scale):
    G = guarantee_graph(scale)
    yield f"{G.number_of_nodes():,} nodes / {G.number_of_edges():,} edges (nx.DiGraph given)"
    res = alg.guarantee_circles(G)
    yield f"{len(res):,} circles"


def step_build_nx(scale):
    _, g, b, amt = guarantee_arrays(scale)
    yield f"{len(g):,} edges"
    G = nx.DiGraph()
    G.add_edges_from(zip(g.tolist(), b.tolist(), ({"amount": a} for a in amt.tolist()), strict=True))
    yield f"{G.number_of_nodes():,} nodes"


def step_chains(scale):
    G = guarantee_graph(scale)
    yield f"{G.number_of_edges():,} edges"
    r = alg.guarantee_chains(G)
    yield f"max chain depth {r.max_depth} (condensation), {len(r.longest)} longest chains listed"


def step_motifs(scale):
    G = guarantee_graph(scale)
    yield f"{G.number_of_edges():,} edges"
    m = alg.mutual_guarantees(G)
    f = alg.one_guarantor_for_many(G)
    f2 = alg.many_guarantors_for_one(G)
    lev = alg.guarantee_leverage(G, limit=1.0)
    yield f"{len(m):,} mutual pairs, {len(f):,} 一保多, {len(f2):,} 多保一, {len(lev):,} leverage rows"


def step_debtrank(scale):
    G = guarantee_graph(scale)
    rng = np.random.default_rng(9)
    nodes = list(G)
    shocks = [nodes[i] for i in rng.choice(len(nodes), 100, replace=False)]
    yield f"{G.number_of_edges():,} edges, 100 defaulted borrowers"
    r = alg.debtrank(G, shocks)
    yield f"R = {r.R:.5f}, {len(r.scores):,} distressed, {r.rounds} rounds"


def step_controllers(scale):
    G = ownership_graph(scale)
    yield f"{G.number_of_nodes():,} nodes / {G.number_of_edges():,} holdings"
    c = alg.all_controllers(G)
    yield f"{len(c):,} controlled companies"


def step_groups(scale):
    G = ownership_graph(scale)
    yield f"{G.number_of_edges():,} holdings"
    g = alg.control_groups(G)
    yield f"{len(g):,} groups, largest {max((len(x.members) for x in g), default=0):,} members"


def step_integrated(scale):
    G = ownership_graph(scale)
    rng = np.random.default_rng(4)
    comps = [v for v in G if G.nodes[v]["kind"] == "company"]
    targets = [comps[i] for i in rng.choice(len(comps), 1000, replace=False)]
    yield f"{G.number_of_edges():,} holdings, 1,000 targets"
    total = sum(len(alg.integrated_ownership(G, t)) for t in targets)
    yield f"{total:,} (holder, target) shares"


def step_ubo(scale):
    G = ownership_graph(scale)
    rng = np.random.default_rng(6)
    comps = [v for v in G if G.nodes[v]["kind"] == "company"]
    targets = [comps[i] for i in rng.choice(len(comps), 1000, replace=False)]
    yield f"{G.number_of_edges():,} holdings, 1,000 targets"
    bases: dict[str, int] = {}
    for t in targets:
        b = alg.beneficial_owners(G, t).basis
        bases[b] = bases.get(b, 0) + 1
    yield ", ".join(f"{k} {v}" for k, v in sorted(bases.items()))


def step_ppr(scale):
    L, seeds = linkage_graph(scale)
    yield f"{L.number_of_nodes():,} nodes / {L.number_of_edges():,} links, 100 seeds, 3 hops"
    r = alg.blacklist_contagion(L, seeds)
    yield f"{len(r.scores):,} entities reached, top-3 paths each"


STEPS = [
    ("guarantee circles from edge arrays (1M edges)", step_circles_from_edges),
    ("guarantee circles from edge arrays, membership only (max_cycles=0)", step_scc_only),
    ("build nx.DiGraph of the guarantee edges (for reference)", step_build_nx),
    ("guarantee circles from an nx.DiGraph", step_circles_nx),
    ("guarantee chains (condensation longest paths)", step_chains),
    ("mutual pairs + fans + leverage", step_motifs),
    ("DebtRank on guarantees", step_debtrank),
    ("actual controllers, all companies", step_controllers),
    ("control groups", step_groups),
    ("integrated ownership, 1,000 targets", step_integrated),
    ("beneficial owners, 1,000 targets", step_ubo),
    ("blacklist contagion (PPR, 3 hops)", step_ppr),
]


def _child(fn, scale, conn):
    gen = fn(scale)
    setup = next(gen)
    rss0 = psutil.Process().memory_info().rss
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    result = next(gen)
    dt = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    cpu = time.process_time() - cpu0
    conn.send(
        {
            "setup": setup,
            "result": result,
            "seconds": dt,
            "cpu": cpu,
            "peak": peak,
            "rss0": rss0,
            "load": os.getloadavg()[0],
        }
    )
    conn.close()


def run_step(fn, scale) -> dict:
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    p = ctx.Process(target=_child, args=(fn, scale, child))
    p.start()
    out = parent.recv()
    p.join()
    return out


def machine_facts() -> str:
    cpu = cpu_model()
    vm = psutil.virtual_memory()
    return (
        f"{cpu}, {os.cpu_count()} cores, {vm.total / 2**30:.0f} GB RAM; Python {platform.python_version()}, "
        f"networkx {nx.__version__}, numpy {np.__version__}, scipy {scipy.__version__}; "
        f"load average at start {os.getloadavg()[0]:.2f}"
    )


def write_section(text: str) -> None:
    replace_section(BEGIN, END, text)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--only", help="substring of step names to run")
    args = ap.parse_args()
    facts = machine_facts()
    print(facts)
    rows = []
    for name, fn in STEPS:
        if args.only and args.only not in name:
            continue
        r = run_step(fn, args.scale)
        print(
            f"{name}: {r['seconds']:.2f} s (cpu {r['cpu']:.2f} s, load {r['load']:.1f}), peak {r['peak'] / 2**20:.0f} MiB — {r['setup']} → {r['result']}",
            flush=True,
        )
        rows.append((name, r))
    lines = [
        "## Rule algorithms (`bench/rules/algorithms_bench.py`)",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, scale {args.scale}. Machine: {facts}.",
        "",
        "Synthetic, seeded inputs (see the script's docstring). Time is the algorithm call only (inputs",
        "built beforehand in the same child process); peak RSS includes the inputs, Δ RSS is the",
        "growth during the call. CPU is the process's CPU time for the call: on a shared, oversubscribed",
        "machine (load average well above the 2 cores) wall time is inflated and CPU time is the better",
        "guide. Target: guarantee circles over 1M edges ≤ 30 s on 2 cores.",
        "",
        "| step | input | wall (s) | CPU (s) | load avg | peak RSS (MiB) | Δ RSS (MiB) | output |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for name, r in rows:
        lines.append(
            f"| {name} | {r['setup']} | {r['seconds']:.2f} | {r['cpu']:.2f} | {r['load']:.1f} | {r['peak'] / 2**20:.0f} | "
            f"{max(0, r['peak'] - r['rss0']) / 2**20:.0f} | {r['result']} |"
        )
    text = "\n".join(lines)
    if not args.no_write:
        write_section(text)
        print(f"wrote section to {BENCH_MD}")


if __name__ == "__main__":
    main()
