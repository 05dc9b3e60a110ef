"""Read the project generator's output (``riskgraph generate OUT/``) as resolution input + truth,
built the way ``riskgraph ingest`` builds it (without Neo4j).

Each source folder is read and validated as ingest reads it (``ingest.pipeline.read_and_validate``,
source = folder name), only the files entity resolution uses: companies, persons and the relationship
rows their context comes from (``ingest.er_context.CONTEXT_KINDS``). Records with issues are left out,
as ingest leaves them out. Then, as ``EntityResolutionResolver`` does on one ingest of everything:

- companies of all sources are resolved together, on ``_row`` rows plus ``company_context`` (legal
  representative, phone, address), sorted by record key (``ingest.er_resolver.party_rows``);
- persons get ``person_context`` (the company entities of that company resolution their source links
  them to, phone, address) from a ``CompanyIndex`` of that resolution.

Record ids are record keys (``source|kind|record_id``); the truth comes from
``ground_truth/record_map.csv`` and branch truth from ``ground_truth/companies.csv``.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from ingest import contract as c
from ingest.er_context import CONTEXT_KINDS, CompanyIndex
from ingest.pipeline import IngestResult, NoProgress, read_and_validate
from ingest.readers import kind_of
from ingest.validate import Record

ER_KINDS = {c.COMPANIES, c.PERSONS, *CONTEXT_KINDS}


def read_sources(out_dir: Path) -> dict[str, list[Record]]:
    """Valid records of the kinds ER uses, every source folder (folder name = source) together."""
    by_kind: dict[str, list[Record]] = {}
    for folder in sorted(p for p in out_dir.iterdir() if p.is_dir() and p.name != "ground_truth"):
        files = [f for f in sorted(folder.iterdir()) if f.is_file() and kind_of(f) in ER_KINDS]
        result = IngestResult(source=folder.name)
        got = read_and_validate(files, folder.name, result, NoProgress())
        if result.refused:
            raise SystemExit(f"{folder}: refused {result.refused}")
        for kind, recs in got.items():
            by_kind.setdefault(kind, []).extend(r for r in recs if not r.issues)
    return by_kind


def load(
    out_dir: str | Path, kind: str, resolve_companies: Callable[[pd.DataFrame], pd.DataFrame]
) -> tuple[pd.DataFrame, pd.Series, dict[str, str]]:
    """Records of ``kind`` ("company" / "person") as ingest hands them to ``resolve``, truth by record
    key, and branch → parent truth. ``resolve_companies(frame) -> entities`` runs the company
    resolution persons need (not timed by the caller)."""
    from ingest.er_resolver import _row, company_index, entity_ids, party_rows

    out_dir = Path(out_dir)
    by_kind = read_sources(out_dir)
    context = [r for k in CONTEXT_KINDS for r in by_kind.get(k, [])]
    company_rows = party_rows(
        c.COMPANIES,
        [_row(r.record_key, r.values) for r in by_kind.get(c.COMPANIES, [])],
        context,
        person_names={r.record_key: r.values.get("name") for r in by_kind.get(c.PERSONS, [])},
    )
    if kind == "company":
        rows = company_rows
    else:
        entities = resolve_companies(pd.DataFrame(company_rows))
        index: CompanyIndex = company_index(
            entity_ids(c.COMPANIES, entities, set(), company_rows), company_rows
        )
        del entities
        gc.collect()
        rows = party_rows(
            c.PERSONS,
            [_row(r.record_key, r.values) for r in by_kind.get(c.PERSONS, [])],
            context,
            companies=index,
        )
        del index
    del by_kind, context, company_rows
    gc.collect()
    records = pd.DataFrame(rows)
    del rows
    rmap = pd.read_csv(out_dir / "ground_truth" / "record_map.csv", dtype=str)
    rmap = rmap[rmap["kind"] == (c.COMPANIES if kind == "company" else c.PERSONS)]
    keys = rmap["source"] + "|" + rmap["kind"] + "|" + rmap["record_id"]
    truth = pd.Series(rmap["true_id"].to_numpy(), index=keys.to_numpy())
    truth = truth[~truth.index.duplicated()].reindex(records["record_id"])
    keep = truth.notna().to_numpy()
    records = records[keep].reset_index(drop=True)
    truth = truth[keep]
    branch_of: dict[str, str] = {}
    if kind == "company":
        comp = pd.read_csv(out_dir / "ground_truth" / "companies.csv", dtype=str)
        br = comp[comp["is_branch"].str.lower() == "true"]
        branch_of = dict(zip(br["true_id"], br["parent_true_id"], strict=True))
    return records, truth, branch_of
