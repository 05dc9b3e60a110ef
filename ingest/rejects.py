"""The rejects file: every refused file, rejected row and warning, one line each, for the data officer.

CSV in UTF-8 with BOM so that Excel opens the Chinese messages correctly; rows sorted by file and row.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from ingest.issues import ERROR, REJECT_COLUMNS, FileRefused, Issue


def refused_issue(file: str, reason_zh: str, reason_en: str) -> Issue:
    return Issue(ERROR, file, 0, "", "", "", "file_refused", reason_zh, reason_en)


def _printable(value: object) -> object:
    """NUL bytes shown as ``\\0``: spreadsheet programs cut a cell (or the file) at a real one."""
    return value.replace("\x00", "\\0") if isinstance(value, str) else value


def write_rejects(path: Path, refused: Iterable[FileRefused], issues: Iterable[Issue]) -> Path:
    """Write the rejects file of one ingest: refused files first, then issues by file and row."""
    rows = [refused_issue(r.file, r.reason_zh, r.reason_en) for r in refused]
    rows += sorted(issues, key=lambda i: (i.file, i.row, i.severity, i.field))
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=REJECT_COLUMNS)
        writer.writeheader()
        for issue in rows:
            writer.writerow({k: _printable(v) for k, v in issue.as_row().items()})
    return path


def read_rejects(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))
