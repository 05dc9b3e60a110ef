"""Against the database: a bad row is rejected alone, a dry run writes nothing, a bank's own file
format loads into the same graph, and holdings over 100 % across sources are flagged by a rule."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
import yaml
from neo4j import Driver

from graph_model import schema as s
from ingest import contract as c
from ingest import values
from ingest.fingerprint import graph_fingerprint
from ingest.mapping import load_mapping
from ingest.pipeline import run_ingest
from ingest.rejects import read_rejects
from risk_rules.config import load_config
from risk_rules.runner import run_rules

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"
CLEAN = FIXTURES / "clean"
DEFECTS = FIXTURES / "defects"
pytestmark = pytest.mark.neo4j


def _count(driver: Driver) -> tuple[int, int]:
    n = driver.execute_query("MATCH (n) RETURN count(n) AS n").records[0]["n"]
    r = driver.execute_query("MATCH ()-[r]->() RETURN count(r) AS n").records[0]["n"]
    return n, r


def _source_records(driver: Driver) -> set[str]:
    recs = driver.execute_query(f"MATCH (sr:{s.SOURCE_RECORD}) RETURN sr.record_key AS k").records
    return {r["k"] for r in recs}


def _companies_with(tmp: Path, bad_row: dict[str, str]) -> Path:
    folder = tmp / "in"
    folder.mkdir()
    rows = [{"record_id": f"C{i}", "name": f"公司{i}有限公司", "uscc": ""} for i in range(1, 8)]
    rows[3] = {"uscc": "", **bad_row}
    with open(folder / "companies.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["record_id", "uscc", "name"])
        w.writeheader()
        w.writerows(rows)
    with open(folder / "shareholdings.csv", "w", encoding="utf-8", newline="") as fh:
        fh.write(
            "record_id,holder_kind,holder_ref,company_ref,pct\nS1,company,C1,C2,30\nS2,company,C3,C2,20\n"
        )
    return folder


def _rows_of(rejects: Path) -> set[tuple[str, str, str, str]]:
    return {
        (r["file"], r["row"], r["field"], r["rule"])
        for r in read_rejects(rejects)
        if r["severity"] == "error"
    }


def test_an_over_long_value_rejects_one_row_and_the_rest_of_the_source_loads(
    clean_graph: Driver, tmp_path: Path
) -> None:
    folder = _companies_with(tmp_path, {"record_id": "C4", "name": "长" * 1_000_000})
    rejects = tmp_path / "rejects.csv"
    result = run_ingest(clean_graph, [folder], "src", rejects_path=rejects, chunk_size=3)
    kc = result.counts[c.COMPANIES]
    assert (kc.read, kc.accepted, kc.rejected, kc.created) == (7, 6, 1, 6)
    assert result.counts[c.SHAREHOLDINGS].created == 2  # a later kind of the same source loads too
    assert _rows_of(rejects) == {("companies.csv", "4", "name", "too_long")}
    assert not result.ok and result.error is None
    assert _source_records(clean_graph) == {f"src|companies|C{i}" for i in (1, 2, 3, 5, 6, 7)} | {
        "src|shareholdings|S1",
        "src|shareholdings|S2",
    }
    before = graph_fingerprint(clean_graph, exclude_labels=(s.BATCH,))
    again = run_ingest(clean_graph, [folder], "src", rejects_path=tmp_path / "again.csv", chunk_size=3)
    assert again.counts[c.COMPANIES].unchanged == 6 and again.counts[c.COMPANIES].rejected == 1
    assert graph_fingerprint(clean_graph, exclude_labels=(s.BATCH,)) == before
    assert _rows_of(tmp_path / "again.csv") == _rows_of(rejects)


def test_a_row_the_database_refuses_is_found_by_bisecting_and_rejected_alone(
    clean_graph: Driver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # switch the length check off so that a 9,000-character record id reaches the database index
    monkeypatch.setitem(values.MAX_LENGTH, c.ID, 10**7)
    folder = _companies_with(tmp_path, {"record_id": "R" * 9000, "name": "超长编号公司"})
    rejects = tmp_path / "rejects.csv"
    result = run_ingest(clean_graph, [folder], "src", rejects_path=rejects, chunk_size=10)
    kc = result.counts[c.COMPANIES]
    assert (kc.read, kc.accepted, kc.rejected, kc.created) == (7, 6, 1, 6)
    assert _rows_of(rejects) == {("companies.csv", "4", "", "write_failed")}
    assert len(_source_records(clean_graph)) == 8  # six companies, two shareholdings
    assert result.rejected == 1 and result.error is None


def test_dry_run_writes_nothing_and_reports_the_rejects_of_a_real_run(
    clean_graph: Driver, tmp_path: Path
) -> None:
    run_ingest(clean_graph, [CLEAN], "core")
    before = _count(clean_graph)
    fp = graph_fingerprint(clean_graph)
    dry = run_ingest(clean_graph, [DEFECTS], "defects", rejects_path=tmp_path / "dry.csv", dry_run=True)
    assert _count(clean_graph) == before and graph_fingerprint(clean_graph) == fp
    assert dry.dry_run and dry.batch_id is None
    real = run_ingest(clean_graph, [DEFECTS], "defects", rejects_path=tmp_path / "real.csv")
    assert _count(clean_graph) != before
    dry_rows = read_rejects(tmp_path / "dry.csv")
    assert dry_rows == read_rejects(tmp_path / "real.csv") and dry_rows
    assert {k: (v.read, v.accepted, v.rejected, v.created, v.warnings) for k, v in dry.counts.items()} == {
        k: (v.read, v.accepted, v.rejected, v.created, v.warnings) for k, v in real.counts.items()
    }


def _rewrite(
    src: Path, dst: Path, header, value=lambda kind, col, v: v, drop=lambda kind, col, v: False
) -> None:
    dst.mkdir(parents=True)
    for path in sorted(src.glob("*.csv")):
        kind = path.stem
        with open(path, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
        cols = list(rows[0])
        with open(dst / path.name, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow([header(kind, col) for col in cols])
            for r in rows:
                w.writerow(["" if drop(kind, col, r[col]) else value(kind, col, r[col]) for col in cols])


def test_chinese_headers_give_the_same_graph_as_the_canonical_file(
    clean_graph: Driver, tmp_path: Path
) -> None:
    run_ingest(clean_graph, [CLEAN], "core")
    canonical = graph_fingerprint(clean_graph, exclude_labels=(s.BATCH,))
    zh = tmp_path / "zh"
    _rewrite(CLEAN, zh, lambda kind, col: c.file_kind(kind).column(col).zh)
    assert "企业名称" in (zh / "companies.csv").read_text(encoding="utf-8").splitlines()[0]
    clean_graph.execute_query("MATCH (n) DETACH DELETE n")
    result = run_ingest(clean_graph, [zh], "core")
    assert result.ok, [i.message_en for i in result.issues]
    assert graph_fingerprint(clean_graph, exclude_labels=(s.BATCH,)) == canonical


PARTY_CODES = {"company": "1", "person": "2"}


def _bank_value(kind: str, col: str, v: str) -> str:
    """The clean fixture as a bank's system exports it: own codes, day-first dates, decimal comma."""
    if not v:
        return v
    column = c.file_kind(kind).column(col)
    if column.codes == "party_kind":
        return PARTY_CODES[values.parse_enum(v, "party_kind")]
    if column.type == c.DATE:
        return values.parse_date(v).strftime("%d.%m.%Y")
    if column.type == c.DECIMAL:
        return f"{values.parse_decimal(v):,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
    return v


def test_a_mapping_file_gives_the_same_graph_as_the_canonical_file(
    clean_graph: Driver, tmp_path: Path
) -> None:
    run_ingest(clean_graph, [CLEAN], "core")
    canonical = graph_fingerprint(clean_graph, exclude_labels=(s.BATCH, s.SOURCE_RECORD))
    keys = _source_records(clean_graph)
    bank = tmp_path / "bank"
    _rewrite(
        CLEAN,
        bank,
        lambda kind, col: f"BANK_{col.upper()}",
        _bank_value,
        drop=lambda kind, col, v: kind == c.LOANS and col == "borrower_kind" and v == "company",
    )
    assert ",2" in (bank / "loans.csv").read_text(encoding="utf-8")
    mapping = {
        "decimal": "comma",
        "date_formats": ["%d.%m.%Y"],
        "kinds": {
            fk.kind: {
                "columns": {f"BANK_{col.name.upper()}": col.name for col in fk.columns},
                "values": {
                    col.name: {"1": "company", "2": "person"}
                    for col in fk.columns
                    if col.codes == "party_kind"
                },
                **({"defaults": {"borrower_kind": "company"}} if fk.kind == c.LOANS else {}),
            }
            for fk in c.KINDS
        },
    }
    path = tmp_path / "bank.yaml"
    path.write_text(yaml.safe_dump(mapping, allow_unicode=True), encoding="utf-8")
    clean_graph.execute_query("MATCH (n) DETACH DELETE n")
    result = run_ingest(clean_graph, [bank], "core", fmt=load_mapping(path))
    assert result.ok, [i.message_en for i in result.issues]
    assert graph_fingerprint(clean_graph, exclude_labels=(s.BATCH, s.SOURCE_RECORD)) == canonical
    assert _source_records(clean_graph) == keys


def _alerts(driver: Driver, rule_id: str) -> list[dict]:
    recs = driver.execute_query(
        "MATCH (a:Alert {rule_id: $rule}) WHERE a.active RETURN a {.*} AS a ORDER BY a.alert_id", rule=rule_id
    ).records
    return [{**r["a"], "evidence": json.loads(r["a"]["evidence"])} for r in recs]


RULE = "data_quality.ownership_over_100"


def _source(tmp: Path, name: str, holder: str, holder_id: str, pct: str) -> Path:
    folder = tmp / name
    folder.mkdir()
    (folder / "companies.csv").write_text(
        "record_id,uscc,name\nX,91110105MA01ABCD00,北京华盛科技有限公司\n", encoding="utf-8"
    )
    (folder / "persons.csv").write_text(
        f"record_id,name,id_number\n{holder},{holder}股东,{holder_id}\n", encoding="utf-8"
    )
    (folder / "shareholdings.csv").write_text(
        f"record_id,holder_kind,holder_ref,company_ref,pct\nH{holder},person,{holder},X,{pct}\n",
        encoding="utf-8",
    )
    return folder


def test_holdings_summing_over_100_across_two_sources_are_flagged_with_their_rows(
    clean_graph: Driver, tmp_path: Path
) -> None:
    registry = run_ingest(
        clean_graph, [_source(tmp_path, "registry", "A", "110105198001010016", "60")], "registry"
    )
    crm = run_ingest(clean_graph, [_source(tmp_path, "crm", "B", "310104197505050026", "50")], "crm")
    # each source alone is consistent: ingest has nothing to warn about
    assert registry.ok and crm.ok and not registry.issues and not crm.issues
    config = load_config()
    [summary] = run_rules(clean_graph, config, rule_ids=[RULE], as_of=dt.date.today())
    assert summary.status == "completed"
    [alert] = _alerts(clean_graph, RULE)
    ev = alert["evidence"]
    assert ev["total_pct"] == 110.0 and ev["sources"] == ["crm", "registry"]
    rows = sorted((r["source"], r["file"], r["row"]) for h in ev["holdings"] for r in h["rows"])
    assert rows == [("crm", "shareholdings.csv", 1), ("registry", "shareholdings.csv", 1)]
    assert "110.00%" in alert["explanation_zh"] and "110.00%" in alert["explanation_en"]
    # corrected at the source (the CRM's holding is 40 %): the finding resolves
    shutil.rmtree(tmp_path / "crm")
    run_ingest(clean_graph, [_source(tmp_path, "crm", "B", "310104197505050026", "40")], "crm")
    run_rules(clean_graph, config, rule_ids=[RULE], as_of=dt.date.today())
    assert _alerts(clean_graph, RULE) == []
