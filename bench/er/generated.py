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

To fit scale l (≈ 5M party records, ≈ 15M relationship rows) the input is built file by file: a
source's relationship rows are reduced to their ``Links`` as each file is read, and party rows become
a DataFrame per source; context only ever comes from a record's own source, so nothing is lost
(``tests/entity_resolution/test_er_generated_input.py`` checks the frames equal those built from all
records at once).

Record ids are record keys (``source|kind|record_id``); the truth comes from
``ground_truth/record_map.csv`` and branch truth from ``ground_truth/companies.csv``.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from ingest import contract as c
from ingest.er_context import CONTEXT_KINDS, CompanyIndex, Links, collect_links
from ingest.pipeline import IngestResult, NoProgress, read_and_validate
from ingest.readers import kind_of
from ingest.validate import Record

ER_KINDS = {c.COMPANIES, c.PERSONS, *CONTEXT_KINDS}


def source_folders(out_dir: Path) -> list[Path]:
    return sorted(p for p in out_dir.iterdir() if p.is_dir() and p.name != "ground_truth")


def _files_by_kind(folder: Path) -> dict[str, list[Path]]:
    out: dict[str, list[Path]] = {}
    for f in sorted(folder.iterdir()):
        if f.is_file() and (kind := kind_of(f)) in ER_KINDS:
            out.setdefault(kind, []).append(f)
    return out


def valid_records(paths: list[Path], source: str) -> list[Record]:
    """The rows of ``paths`` that pass validation, as ingest reads them."""
    result = IngestResult(source=source)
    got = read_and_validate(paths, source, result, NoProgress())
    if result.refused:
        raise SystemExit(f"{paths}: refused {result.refused}")
    return [r for recs in got.values() for r in recs if not r.issues]


def _by_key(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values("record_id", kind="stable").reset_index(drop=True)


def company_records(out_dir: Path) -> pd.DataFrame:
    """Every source's company records with their context (legal rep, phone, address), by record key."""
    from ingest.er_resolver import _row, party_rows

    parts: list[pd.DataFrame] = []
    for folder in source_folders(out_dir):
        source, files = folder.name, _files_by_kind(folder)
        names = {r.record_key: r.values.get("name") for r in valid_records(files.get(c.PERSONS, []), source)}
        links = _source_links(files, source)
        companies = [_row(r.record_key, r.values) for r in valid_records(files.get(c.COMPANIES, []), source)]
        parts.append(pd.DataFrame(party_rows(c.COMPANIES, companies, links, person_names=names)))
        del companies, names, links
        gc.collect()
    return _by_key(pd.concat(parts, ignore_index=True))


def company_index_of(companies: pd.DataFrame, entities: pd.DataFrame) -> CompanyIndex:
    """How relationship rows' company references map to the entities of a company resolution."""
    from ingest.er_resolver import company_index, entity_ids

    strong_rows = companies[["record_id", "uscc"]].to_dict("records")
    return company_index(entity_ids(c.COMPANIES, entities, set(), strong_rows), strong_rows)


def person_records(out_dir: Path, index: CompanyIndex) -> pd.DataFrame:
    """Every source's person records with their context (company entities, phone, address)."""
    from ingest.er_resolver import _row, party_rows

    parts: list[pd.DataFrame] = []
    for folder in source_folders(out_dir):
        source, files = folder.name, _files_by_kind(folder)
        persons = [_row(r.record_key, r.values) for r in valid_records(files.get(c.PERSONS, []), source)]
        links = _source_links(files, source)
        parts.append(pd.DataFrame(party_rows(c.PERSONS, persons, links, companies=index)))
        del persons, links
        gc.collect()
    return _by_key(pd.concat(parts, ignore_index=True))


def _source_links(files: dict[str, list[Path]], source: str) -> Links:
    """What one source's relationship rows say of its parties, file by file."""
    links = Links()
    for context_kind in CONTEXT_KINDS:
        for path in files.get(context_kind, []):
            collect_links(valid_records([path], source), links)
    return links


def with_truth(
    out_dir: str | Path, kind: str, records: pd.DataFrame
) -> tuple[pd.DataFrame, pd.Series, dict[str, str]]:
    """The records that have a true entity, that truth by record key, and branch → parent truth."""
    out_dir = Path(out_dir)
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


def load(
    out_dir: str | Path, kind: str, resolve_companies: Callable[[pd.DataFrame], pd.DataFrame]
) -> tuple[pd.DataFrame, pd.Series, dict[str, str]]:
    """Records of ``kind`` ("company" / "person") as ingest hands them to ``resolve``, truth by record
    key, and branch → parent truth. ``resolve_companies(frame) -> entities`` runs the company
    resolution persons need (not timed by the caller)."""
    out_dir = Path(out_dir)
    companies = company_records(out_dir)
    if kind == "company":
        return with_truth(out_dir, kind, companies)
    index = company_index_of(companies, resolve_companies(companies))
    del companies
    gc.collect()
    return with_truth(out_dir, kind, person_records(out_dir, index))
