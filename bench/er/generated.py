"""Read the project generator's output (``riskgraph generate OUT/``) as resolution input + truth.

Companies and persons are taken from every source folder (record ids are unique across sources:
each system has its own prefix); each record gets the first phone and first address its source's
``contacts.csv`` lists for it; the truth comes from ``ground_truth/record_map.csv`` and branch
truth from ``ground_truth/companies.csv``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def _contacts(folder: Path) -> pd.DataFrame:
    f = folder / "contacts.csv"
    if not f.exists():
        return pd.DataFrame(columns=["record_id", "phone", "address"])
    c = pd.read_csv(f, dtype=str)
    phone = c[c["contact_type"] == "phone"].drop_duplicates("party_ref").set_index("party_ref")["value"]
    addr = c[c["contact_type"] == "address"].drop_duplicates("party_ref").set_index("party_ref")["value"]
    return pd.DataFrame({"phone": phone, "address": addr}).rename_axis("record_id").reset_index()


def load(out_dir: str | Path, kind: str) -> tuple[pd.DataFrame, pd.Series, dict[str, str]]:
    """Records of ``kind`` ("company" / "person"), truth by record id, and branch → parent truth."""
    out_dir = Path(out_dir)
    fname = "companies.csv" if kind == "company" else "persons.csv"
    frames = []
    for folder in sorted(p for p in out_dir.iterdir() if p.is_dir() and p.name != "ground_truth"):
        f = folder / fname
        if not f.exists():
            continue
        df = pd.read_csv(f, dtype=str)
        df = df.merge(_contacts(folder), on="record_id", how="left")
        df["source"] = folder.name
        frames.append(df)
    records = pd.concat(frames, ignore_index=True)
    records = records.astype(object).where(records.notna(), None)
    rmap = pd.read_csv(out_dir / "ground_truth" / "record_map.csv", dtype=str)
    rmap = rmap[rmap["kind"] == ("companies" if kind == "company" else "persons")]
    truth = rmap.drop_duplicates("record_id").set_index("record_id")["true_id"]
    truth = truth.reindex(records["record_id"])
    keep = truth.notna().to_numpy()
    records = records[keep].reset_index(drop=True)
    truth = truth[keep]
    branch_of: dict[str, str] = {}
    if kind == "company":
        comp = pd.read_csv(out_dir / "ground_truth" / "companies.csv", dtype=str)
        br = comp[comp["is_branch"].str.lower() == "true"]
        branch_of = dict(zip(br["true_id"], br["parent_true_id"], strict=True))
    return records, truth, branch_of
