"""The emitted files: contract columns, valid identifiers, resolvable references, determinism, noise."""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from pathlib import Path

from stdnum.cn import ric, uscc

from ingest import contract as K
from ingest.generator.generate import generate
from ingest.generator.identifiers import org_code_check, org_code_valid
from ingest.generator.sources import SOURCES

MASKED = re.compile(r"^\d{4}\*{10}[0-9X]{4}$")


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    generate(tmp_path / "a", scale="xs", seed=3, workers=1)
    generate(tmp_path / "b", scale="xs", seed=3, workers=2)  # forked workers write the same bytes
    generate(tmp_path / "c", scale="xs", seed=4)
    a, b, c = _digest(tmp_path / "a"), _digest(tmp_path / "b"), _digest(tmp_path / "c")
    assert len(a) > 20
    assert a == b
    assert a["registry/companies.csv"] != c["registry/companies.csv"]


def test_files_have_exactly_the_contract_columns(xs) -> None:
    for s in SOURCES:
        for kind in xs.rows[s]:
            header = (xs.out / s / f"{kind}.csv").read_text(encoding="utf-8").split("\n", 1)[0].split(",")
            assert tuple(header) == K.file_kind(kind).column_names
            for row in xs.rows[s][kind]:
                for col in K.file_kind(kind).required_columns:
                    assert row[col] != "", (s, kind, col, row)


def test_required_kinds_are_all_emitted(xs) -> None:
    emitted = {k for s in SOURCES for k in xs.rows[s]}
    assert emitted == set(K.KIND_NAMES)


def test_every_uscc_is_valid_including_the_organisation_code(xs) -> None:
    seen = 0
    for _, row in xs.all_rows(K.COMPANIES):
        for col in ("uscc", "parent_uscc"):
            if row[col]:
                assert uscc.is_valid(row[col]), row[col]
                assert org_code_valid(row[col][8:17]), row[col]
                seen += 1
    assert seen > 1000
    # the GB 11714 check agrees with a published example (USCC 91110000600037341L)
    assert org_code_check("60003734") == "1"
    assert not org_code_valid("600037342")


def test_every_resident_id_is_valid_or_deliberately_masked(xs) -> None:
    full = masked = 0
    true_ids = {r["true_id"]: r["id_number"] for r in xs.truth_csv("persons.csv")}
    for s, row in xs.all_rows(K.PERSONS):
        v = row["id_number"]
        if not v:
            continue
        true = true_ids[xs.true_of(s, K.PERSONS, row["record_id"])]
        if "*" in v:
            assert MASKED.match(v), v
            assert v[:4] == true[:4] and v[-4:] == true[-4:]
            masked += 1
        else:
            assert ric.is_valid(v), v
            assert v == true
            full += 1
    assert full > 500 and masked > 500
    assert all(ric.is_valid(v) for v in true_ids.values())


def test_every_reference_resolves_in_its_own_source(xs) -> None:
    checked = 0
    for s in SOURCES:
        ids = {k: {r["record_id"]: r for r in xs.rows[s].get(k, [])} for k in (K.COMPANIES, K.PERSONS)}
        loans = {r["loan_id"] for r in xs.rows[s].get(K.LOANS, [])}
        for kind, rows in xs.rows[s].items():
            fk = K.file_kind(kind)
            for row in rows:
                for col in fk.references:
                    v = row[col.name]
                    if not v:
                        assert not col.required
                        continue
                    if col.ref == "loans.loan_id":
                        assert v in loans, (s, kind, v)
                    elif col.ref == "party":
                        target = (
                            K.COMPANIES
                            if K.code_lookup("party_kind")[row[col.kind_column]] == "company"
                            else K.PERSONS
                        )
                        assert v in ids[target], (s, kind, col.name, v)
                        strong = row[col.strong_id]
                        if strong:
                            assert strong == ids[target][v]["uscc" if target == K.COMPANIES else "id_number"]
                    else:
                        assert v in ids[col.ref], (s, kind, col.name, v)
                        strong = row.get(col.strong_id or "", "")
                        if strong:
                            key = "uscc" if col.ref == K.COMPANIES else "id_number"
                            assert strong == ids[col.ref][v][key], (s, kind, col.name)
                    checked += 1
    assert checked > 10_000


def test_record_ids_are_unique_per_source_and_kind(xs) -> None:
    for s in SOURCES:
        for _kind, rows in xs.rows[s].items():
            ids = [r["record_id"] for r in rows]
            assert len(ids) == len(set(ids))


def test_same_company_in_several_sources_under_own_record_ids(xs) -> None:
    sources_of: dict[str, set[str]] = defaultdict(set)
    for (s, kind, _), true in xs.record_true.items():
        if kind == K.COMPANIES:
            sources_of[true].add(s)
    multi = sum(1 for v in sources_of.values() if len(v) >= 2)
    three = sum(1 for v in sources_of.values() if len(v) >= 3)
    assert multi > 0.4 * len(sources_of)
    assert three > 0.1 * len(sources_of)


def test_noise_is_really_present(xs) -> None:
    noise = xs.counts["noise_applied"]
    for kind in (
        "traditional",
        "suffix",
        "typo",
        "halfwidth",
        "masked_id",
        "missing_uscc",
        "duplicate_record",
        "space",
    ):
        assert noise.get(kind, 0) > 0, kind
    # every person record carries an identity number, full or masked: no source of natural-person
    # data (KYC, registry filings, court lists) knows a person by name alone
    assert "missing_id" not in noise
    assert all(r.get("id_number") for _, r in xs.all_rows(K.PERSONS))
    names = [r["name"] for _, r in xs.all_rows(K.COMPANIES)]
    canonical = {r["true_id"]: r["name"] for r in xs.truth_csv("companies.csv")}
    # traditional characters really differ from the simplified form
    trad = [
        (s, r)
        for s, r in xs.all_rows(K.COMPANIES)
        if "traditional" in xs.record_noise[(s, K.COMPANIES, r["record_id"])]
    ]
    assert len(trad) >= 5
    import opencc

    t2s = opencc.OpenCC("t2s")
    only_trad = 0
    for s, r in trad:
        true_name = canonical[xs.true_of(s, K.COMPANIES, r["record_id"])]
        assert r["name"] != true_name
        if xs.record_noise[(s, K.COMPANIES, r["record_id"])] == "traditional":
            assert t2s.convert(r["name"]) == true_name  # t2s undoes it: the noise is the script only
            only_trad += 1
    assert only_trad
    assert any(any(ch in n for ch in "華發開業鋼實貿東興豐") for n in names)
    # suffix variants of one entity across sources
    variants: dict[str, set[str]] = defaultdict(set)
    for s, r in xs.all_rows(K.COMPANIES):
        variants[xs.true_of(s, K.COMPANIES, r["record_id"])].add(r["name"].strip())
    assert any(
        len(v) >= 2
        and any("有限责任公司" in x for x in v)
        and any(x.endswith("有限公司") and "有限责任公司" not in x for x in v)
        for v in variants.values()
    )
    # full-width and half-width brackets both occur
    assert any("（" in n for n in names) and any("(" in n for n in names)
    # branches with their own USCC, linked to a parent with a different USCC
    branches = [r for r in xs.rows["registry"][K.COMPANIES] if r["is_branch"] in ("true", "是")]
    assert branches and all(
        r["parent_uscc"] and r["parent_uscc"] != r["uscc"] and r["parent_ref"] for r in branches
    )
    assert any("分公司" in r["name"] for r in branches)


def test_common_names_are_shared_by_different_people(xs) -> None:
    by_name: dict[str, set[str]] = defaultdict(set)
    for r in xs.truth_csv("persons.csv"):
        by_name[r["name"]].add(r["true_id"])
    shared = {n: len(v) for n, v in by_name.items() if len(v) >= 3}
    assert shared
    assert any(n in shared for n in ("王伟", "李伟", "张伟", "王芳", "李娜", "张敏", "王强", "李芳", "张芳"))


def test_missing_optional_fields(xs) -> None:
    core = xs.rows["core"][K.COMPANIES]
    assert any(r["established"] == "" for r in core) and any(r["established"] != "" for r in core)
    assert any(r["uscc"] == "" for r in core)


def test_loans_blacklists_positions_cover_every_code(xs) -> None:
    statuses = {K.code_lookup("loan_status")[r["status"]] for _, r in xs.all_rows(K.LOANS)}
    assert statuses == set(K.LOAN_STATUS_NAMES)
    kinds = {K.code_lookup("blacklist_kind")[r["kind"]] for _, r in xs.all_rows(K.BLACKLIST)}
    assert kinds == set(K.BLACKLIST_KIND_NAMES)
    bl = xs.rows["lists"][K.BLACKLIST]
    assert any(r["removal_date"] for r in bl) and any(not r["removal_date"] for r in bl)
    years = {r["list_date"][:4] for r in bl}
    assert len(years) >= 5
    roles = {K.code_lookup("position_role")[r["role"]] for _, r in xs.all_rows(K.POSITIONS)}
    assert roles == set(K.POSITION_ROLE_NAMES)
    rels = {K.code_lookup("family_relation")[r["relation"]] for _, r in xs.all_rows(K.FAMILY)}
    assert rels == set(K.FAMILY_RELATION_NAMES)


def test_jsonl_and_xlsx_carry_the_same_rows(tmp_path: Path) -> None:
    import json

    from openpyxl import load_workbook

    generate(tmp_path / "csv", scale="xs", seed=5)
    generate(tmp_path / "jsonl", scale="xs", seed=5, fmt="jsonl")
    generate(tmp_path / "xlsx", scale="xs", seed=5, fmt="xlsx")
    for s in SOURCES:
        for p in (tmp_path / "csv" / s).glob("*.csv"):
            n_csv = p.read_text(encoding="utf-8").count("\n") - 1
            lines = (tmp_path / "jsonl" / s / f"{p.stem}.jsonl").read_text(encoding="utf-8").splitlines()
            assert len(lines) == n_csv
            assert all(json.loads(x)["record_id"] for x in lines)
            if p.stem in ("companies", "blacklist"):
                ws = load_workbook(tmp_path / "xlsx" / s / f"{p.stem}.xlsx", read_only=True).active
                assert sum(1 for _ in ws.iter_rows()) - 1 == n_csv
    # xlsx output is deterministic too
    generate(tmp_path / "xlsx2", scale="xs", seed=5, fmt="xlsx")
    assert _digest(tmp_path / "xlsx") == _digest(tmp_path / "xlsx2")


def test_single_source_layout_keeps_references_resolvable(tmp_path: Path) -> None:
    import csv

    generate(tmp_path / "one", scale="xs", seed=2, single_source="demo")
    ids = {}
    for k in (K.COMPANIES, K.PERSONS):
        with (tmp_path / "one" / f"{k}.csv").open(encoding="utf-8", newline="") as fh:
            ids[k] = {r["record_id"] for r in csv.DictReader(fh)}
    with (tmp_path / "one" / "guarantees.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows
    for r in rows:
        assert r["borrower_ref"] in ids[K.COMPANIES]
        assert r["guarantor_ref"] in ids[K.COMPANIES] | ids[K.PERSONS]


def test_output_does_not_depend_on_the_process_hash_seed(tmp_path: Path) -> None:
    """Byte-identical across processes too (string hashing differs per process unless sets are sorted)."""
    import os
    import subprocess
    import sys

    code = "import sys; from ingest.generator.generate import generate; generate(sys.argv[1], scale='xs', seed=9)"
    for name, hs in (("p1", "1"), ("p2", "12345")):
        env = {**os.environ, "PYTHONHASHSEED": hs}
        subprocess.run(
            [sys.executable, "-c", code, str(tmp_path / name)],
            check=True,
            env=env,
            cwd=Path(__file__).resolve().parents[2],
        )
    assert _digest(tmp_path / "p1") == _digest(tmp_path / "p2")


def test_cli_command_generates(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from riskgraph.cli import app

    result = CliRunner().invoke(app, ["generate", str(tmp_path / "cli"), "--scale", "xs", "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "cli" / "manifest.json").exists()
    assert (tmp_path / "cli" / "registry" / "companies.csv").exists()
    bad = CliRunner().invoke(app, ["generate", str(tmp_path / "bad"), "--scale", "xxl"])
    assert bad.exit_code != 0


def test_every_row_passes_the_ingest_validation(xs) -> None:
    """The ingest's own reader and validator (ingest.pipeline) accept every emitted row."""
    from ingest.pipeline import IngestResult, NoProgress, read_and_validate

    total = 0
    for s in SOURCES:
        result = IngestResult(source=s)
        by_kind = read_and_validate([xs.out / s], s, result, NoProgress())
        assert not result.refused and not result.ignored
        problems = [(r.kind, r.row, i) for recs in by_kind.values() for r in recs for i in r.issues]
        assert problems == [], problems[:5]
        total += sum(len(v) for v in by_kind.values())
    assert total == sum(len(v) for s in SOURCES for v in xs.rows[s].values())


def test_xlsx_refused_up_front_when_a_sheet_would_overflow(tmp_path: Path) -> None:
    import pytest

    with pytest.raises(ValueError, match="XLSX"):
        generate(tmp_path / "big", scale="l", fmt="xlsx")
    assert not (tmp_path / "big").exists()
