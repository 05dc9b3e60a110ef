"""resolve_files: CSV + JSONL + XLSX in, entities.csv / pairs.csv out; reruns keep ids."""

from __future__ import annotations

import pandas as pd
from er_helpers import make_uscc

from entity_resolution.cli_support import resolve_files


def test_resolve_files_reads_three_formats_and_writes_outputs(tmp_path, company_background):
    bg = company_background.head(150)
    u = make_uscc(4242, "310100")
    bg.head(50).to_csv(tmp_path / "a.csv", index=False)
    bg.iloc[50:100].to_json(tmp_path / "b.jsonl", orient="records", lines=True, force_ascii=False)
    extra = pd.concat(
        [
            bg.iloc[100:],
            pd.DataFrame(
                [
                    {"record_id": "x1", "name": "上海浦江物流有限公司", "uscc": u},
                    {"record_id": "x2", "name": "上海浦江物流股份有限公司", "uscc": u},
                ]
            ),
        ]
    )
    extra.to_excel(tmp_path / "c.xlsx", index=False)
    files = [tmp_path / "a.csv", tmp_path / "b.jsonl", tmp_path / "c.xlsx"]
    out = tmp_path / "out"
    summary = resolve_files(files, "company_cn", out)
    ents = pd.read_csv(out / "entities.csv", dtype=str)
    pairs = pd.read_csv(out / "pairs.csv", dtype=str)
    assert list(ents.columns) == ["record_id", "entity_id"]
    assert list(pairs.columns)[:4] == ["record_id_a", "record_id_b", "score", "decision"]
    assert len(ents) == summary.records == 152
    e = ents.set_index("record_id")["entity_id"]
    assert e["x1"] == e["x2"]
    # a rerun through the saved state gives the same ids
    again = resolve_files(files, "company_cn", tmp_path / "out2", prior_dir=out / "state")
    e2 = pd.read_csv(tmp_path / "out2" / "entities.csv", dtype=str).set_index("record_id")["entity_id"]
    assert (e2.reindex(e.index) == e).all() and again.entities == summary.entities


def test_riskgraph_resolve_command(tmp_path, company_background):
    from typer.testing import CliRunner

    from riskgraph.cli import app

    company_background.head(80).to_csv(tmp_path / "in.csv", index=False)
    result = CliRunner().invoke(
        app, ["resolve", str(tmp_path / "in.csv"), "--spec", "company_cn", "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 0, result.output
    assert "80 records" in result.output
    assert len(pd.read_csv(tmp_path / "o" / "entities.csv")) == 80
    bad = CliRunner().invoke(
        app,
        [
            "resolve",
            str(tmp_path / "in.csv"),
            "--spec",
            "company_cn",
            "--out",
            str(tmp_path / "o2"),
            "--prior",
            str(tmp_path / "nowhere"),
        ],
    )
    assert bad.exit_code == 1 and "entity resolution failed" in bad.output
