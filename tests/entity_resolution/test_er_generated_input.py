"""The ER benchmark's input, built file by file to fit scale l, equals the input built from every
record of every source at once, the way ``EntityResolutionResolver`` builds it on one ingest."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from bench.er import generated
from entity_resolution import ResolutionSpec, resolve
from ingest import contract as c
from ingest.er_context import CONTEXT_KINDS
from ingest.er_resolver import _row, company_index, entity_ids, party_rows
from ingest.generator.generate import generate


@pytest.fixture(scope="module")
def xs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gen-xs-er")
    generate(out, scale="xs", seed=5)
    return out


def _all_at_once(out: Path, kind: str) -> pd.DataFrame:
    by_kind: dict[str, list] = {}
    for folder in generated.source_folders(out):
        for rec in generated.valid_records(sorted(folder.iterdir()), folder.name):
            by_kind.setdefault(rec.kind, []).append(rec)
    context = [r for k in CONTEXT_KINDS for r in by_kind.get(k, [])]
    companies = party_rows(
        c.COMPANIES,
        [_row(r.record_key, r.values) for r in by_kind[c.COMPANIES]],
        context,
        person_names={r.record_key: r.values.get("name") for r in by_kind[c.PERSONS]},
    )
    if kind == "company":
        return pd.DataFrame(companies)
    entities = resolve(pd.DataFrame(companies), ResolutionSpec.from_yaml("company_cn")).entities
    index = company_index(entity_ids(c.COMPANIES, entities, set(), companies), companies)
    rows = party_rows(
        c.PERSONS, [_row(r.record_key, r.values) for r in by_kind[c.PERSONS]], context, companies=index
    )
    return pd.DataFrame(rows)


def _canonical(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.reindex(columns=sorted(frame.columns)).astype(object)
    return frame.where(frame.notna(), None).reset_index(drop=True)


@pytest.mark.parametrize("kind", ["company", "person"])
def test_file_by_file_input_equals_all_at_once(xs: Path, kind: str) -> None:
    spec = ResolutionSpec.from_yaml("company_cn")
    lean, truth, _ = generated.load(xs, kind, lambda frame: resolve(frame, spec).entities)
    reference = _all_at_once(xs, kind)
    assert len(lean) == len(reference) == len(truth) > 500
    if kind == "person":
        assert lean["companies"].notna().sum() > 0.5 * len(lean)  # the context really is there
    pd.testing.assert_frame_equal(_canonical(lean), _canonical(reference))
