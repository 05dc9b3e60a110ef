"""The session's generated xs data set (``xs_dataset``), read into rows for the generator tests."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from ingest import contract as K
from ingest.generator.sources import SOURCES


@dataclass
class Generated:
    out: Path
    rows: dict[str, dict[str, list[dict[str, str]]]]  # source → kind → rows
    record_true: dict[tuple[str, str, str], str]  # (source, kind, record id) → true id
    record_noise: dict[tuple[str, str, str], str]
    counts: dict
    truth: Path

    def json(self, name: str) -> dict:
        return json.loads((self.truth / name).read_text(encoding="utf-8"))

    def truth_csv(self, name: str) -> list[dict[str, str]]:
        with (self.truth / name).open(encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))

    def all_rows(self, kind: str):
        for s in SOURCES:
            for row in self.rows[s].get(kind, []):
                yield s, row

    def true_of(self, source: str, kind: str, record_id: str) -> str:
        return self.record_true[(source, kind, record_id)]


def load(out: Path) -> Generated:
    rows: dict[str, dict[str, list[dict[str, str]]]] = {}
    for s in SOURCES:
        rows[s] = {}
        for k in K.KIND_NAMES:
            p = out / s / f"{k}.csv"
            if p.exists():
                with p.open(encoding="utf-8", newline="") as fh:
                    rows[s][k] = list(csv.DictReader(fh))
    record_true: dict[tuple[str, str, str], str] = {}
    record_noise: dict[tuple[str, str, str], str] = {}
    with (out / "ground_truth" / "record_map.csv").open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            record_true[(r["source"], r["kind"], r["record_id"])] = r["true_id"]
            record_noise[(r["source"], r["kind"], r["record_id"])] = r["noise"]
    counts = json.loads((out / "ground_truth" / "counts.json").read_text(encoding="utf-8"))
    return Generated(out, rows, record_true, record_noise, counts, out / "ground_truth")


@pytest.fixture(scope="session")
def xs(xs_dataset: Path) -> Generated:
    return load(xs_dataset)
