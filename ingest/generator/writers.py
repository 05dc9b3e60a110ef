"""Row writers for the three file formats of the contract: CSV, JSON Lines, XLSX — streamed.

Rows are dicts keyed by contract column names; a writer writes exactly the columns of its file kind
(from ``ingest.contract``) in the contract's order, so the generator can never drift from it.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

FORMATS = ("csv", "jsonl", "xlsx")
XLSX_MAX_ROWS = 1_048_575  # one header row


class RowWriter:
    """Write rows of one file kind to ``<folder>/<stem>.<fmt>``."""

    def __init__(self, folder: Path, stem: str, columns: tuple[str, ...], fmt: str) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"未知格式 / unknown format: {fmt} (csv, jsonl, xlsx)")
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{stem}.{fmt}"
        self.columns = columns
        self.fmt = fmt
        self.rows = 0
        self._known = set(columns)
        if fmt == "csv":
            self._fh = self.path.open("w", encoding="utf-8", newline="")
            self._csv = csv.writer(self._fh, lineterminator="\n")
            self._csv.writerow(columns)
        elif fmt == "jsonl":
            self._fh = self.path.open("w", encoding="utf-8", newline="\n")
        else:
            from openpyxl import Workbook

            self._wb = Workbook(write_only=True)
            self._ws = self._wb.create_sheet(stem)
            self._ws.append(list(columns))

    def write(self, row: dict[str, str]) -> None:
        if self.rows < 1000:  # every code path shows up in the first rows; checking all costs ~10%
            unknown = row.keys() - self._known
            if unknown:
                raise KeyError(f"columns not in the contract for {self.path.name}: {sorted(unknown)}")
        self.rows += 1
        if self.fmt == "csv":
            self._csv.writerow([row.get(c, "") for c in self.columns])
        elif self.fmt == "jsonl":
            self._fh.write(
                json.dumps({c: row[c] for c in self.columns if row.get(c, "") != ""}, ensure_ascii=False)
            )
            self._fh.write("\n")
        else:
            if self.rows > XLSX_MAX_ROWS:
                raise ValueError(
                    f"XLSX 最多 {XLSX_MAX_ROWS} 行，{self.path.name} 超出；请改用 csv 或 jsonl。 / "
                    f"XLSX holds at most {XLSX_MAX_ROWS} rows; {self.path.name} has more: use csv or jsonl."
                )
            self._ws.append([row.get(c, "") for c in self.columns])

    def close(self) -> None:
        if self.fmt == "xlsx":
            self._wb.save(self.path)
            # openpyxl stamps the creation time into the archive; rewrite it for byte-identical output
            _normalize_xlsx(self.path)
        else:
            self._fh.close()


def _normalize_xlsx(path: Path) -> None:
    """Rewrite an .xlsx with fixed zip timestamps and a fixed docProps date (determinism)."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as zin:
        items = [(i.filename, zin.read(i.filename)) for i in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in items:
            if name == "docProps/core.xml":
                data = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2025-12-31T00:00:00Z", data)
            info = zipfile.ZipInfo(name, date_time=(2025, 12, 31, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(info, data)
