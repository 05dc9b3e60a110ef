"""File-level entry point behind ``riskgraph resolve FILE... --spec SPEC --out DIR``.

Reads CSV / JSONL / XLSX through the reader it is given — ``riskgraph resolve`` passes ingest's
(``ingest.er_resolver.read_record_table``: the same decoding and row checks as a source file); the
plain pandas reader below serves library callers without ingest.  Every column is read as text, so
ids keep their leading zeros.  Then it resolves, and
writes ``entities.csv`` (record_id, entity_id), ``pairs.csv`` (record_id_a, record_id_b, score,
decision, rule), ``review_queue.csv``, ``branch_links.csv`` and the state folder ``state/`` that a
later run can pass as ``prior_dir`` for stable ids and incremental attach.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from entity_resolution.pipeline import resolve
from entity_resolution.resolution import Resolution
from entity_resolution.review import PriorState
from entity_resolution.spec import ResolutionSpec


class UnsupportedFileError(ValueError):
    """A file type resolve cannot read."""


def read_records(path: Path) -> pd.DataFrame:
    """One file as a text-typed DataFrame (the library's own reader, for callers without ingest)."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig")
    elif suffix in (".jsonl", ".ndjson"):
        df = pd.read_json(path, lines=True, dtype=False)
    elif suffix in (".xlsx", ".xlsm"):
        df = pd.read_excel(path, dtype=str)
    else:
        raise UnsupportedFileError(
            f"不支持的文件类型 / unsupported file type: {path.name} (CSV, JSONL, XLSX)"
        )
    df = df.astype(object).where(df.notna(), None)
    return df


@dataclass
class ResolveSummary:
    records: int
    entities: int
    pairs: int
    review: int
    out_dir: Path
    resolution: Resolution


def resolve_files(
    files: list[Path],
    spec_path: Path | str,
    out_dir: Path,
    prior_dir: Path | None = None,
    read: Callable[[Path], pd.DataFrame] | None = None,
) -> ResolveSummary:
    """Resolve the records of ``files`` with the spec at ``spec_path`` and write the outputs;
    ``read`` turns one file into a text-typed table (default :func:`read_records`)."""
    spec = ResolutionSpec.from_yaml(spec_path)
    reader = read or read_records
    frames = []
    for f in files:
        df = reader(Path(f))
        if spec.source_column and spec.source_column not in df.columns:
            df[spec.source_column] = Path(f).stem
        frames.append(df)
    records = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if spec.record_id in records.columns:
        dup = records[spec.record_id].astype(str).duplicated()
        if dup.any():
            raise ValueError(
                f"多个文件中记录ID重复 / record ids repeat across files: {records.loc[dup, spec.record_id].head(5).tolist()}"
            )
    prior = PriorState.load(prior_dir) if prior_dir else None
    res = resolve(records, spec, prior=prior)

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    res.entities[["record_id", "entity_id"]].to_csv(out_dir / "entities.csv", index=False)
    res.pairs[["record_id_a", "record_id_b", "score", "decision", "rule"]].to_csv(
        out_dir / "pairs.csv", index=False
    )
    res.review_queue.to_csv(out_dir / "review_queue.csv", index=False)
    res.branch_links.to_csv(out_dir / "branch_links.csv", index=False)
    res.state.save(out_dir / "state")
    return ResolveSummary(
        records=len(records),
        entities=int(res.entities["entity_id"].nunique()),
        pairs=len(res.pairs),
        review=len(res.review_queue),
        out_dir=out_dir,
        resolution=res,
    )
