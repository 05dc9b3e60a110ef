"""The ``riskgraph ingest`` command's body: rich progress per file and stage, closing summary, exit code.

riskgraph/cli.py registers the command and supplies the driver; this module renders and decides the
exit code: 0 = everything loaded, 1 = rows rejected or files refused (the rest is loaded), 2 = the
load failed (nothing after the failing chunk is loaded; rerun to resume) or the mapping file is
invalid (nothing read). A dry run exits the same way a real run would, having written nothing.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from neo4j import Driver
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from ingest.bulk import AdminTool, BulkRefused, bulk_load
from ingest.contract import LOAD_ORDER
from ingest.er_resolver import EntityResolutionResolver
from ingest.mapping import MappingError, SourceFormat, source_format
from ingest.pipeline import IngestResult, run_ingest
from ingest.rejects import write_rejects
from ingest.resolver import Resolver, StrongKeyResolver

EXIT_OK, EXIT_REJECTED, EXIT_FAILED = 0, 1, 2


class RichProgress:
    """A ProgressSink drawing one bar per file and stage."""

    def __init__(self, progress: Progress):
        self.progress = progress
        self.tasks: dict[str, TaskID] = {}

    def start(self, key: str, description: str, total: int) -> None:
        self.tasks[key] = self.progress.add_task(description, total=max(total, 1) if total else 1)
        if not total:
            self.progress.update(self.tasks[key], completed=1)

    def advance(self, key: str, n: int) -> None:
        self.progress.advance(self.tasks[key], n)


def summary_table(result: IngestResult) -> Table:
    if result.dry_run:
        title = f"试运行汇总（未写入）/ Dry-run summary (nothing written) — source {result.source}"
    else:
        title = f"导入汇总 / Ingest summary — source {result.source}, batch {result.batch_id}" + (
            " (resumed)" if result.resumed else ""
        )
    table = Table(title=title)
    cols = ("read", "accepted", "rejected", "created", "updated", "unchanged", "warnings")
    table.add_column("kind")
    for col in cols:
        table.add_column(col, justify="right")
    total = dict.fromkeys(cols, 0)
    for kind in LOAD_ORDER:
        kc = result.counts.get(kind)
        if kc is None:
            continue
        values = [getattr(kc, col) for col in cols]
        for col, v in zip(cols, values, strict=True):
            total[col] += v
        style = "red" if kc.rejected else None
        table.add_row(kind, *(f"{v:,}" for v in values), style=style)
    table.add_row("total", *(f"{total[c]:,}" for c in cols), style="bold")
    return table


def issues_table(result: IngestResult) -> Table | None:
    """Rejected rows and warnings per file and rule, so the data officer sees what to fix first."""
    counts: dict[tuple[str, str, str], int] = {}
    for i in result.issues:
        key = (i.file, i.rule, i.severity)
        counts[key] = counts.get(key, 0) + 1
    if not counts:
        return None
    table = Table(title="问题汇总 / Issues by file and rule")
    for col in ("file", "rule", "severity", "rows"):
        table.add_column(col, justify="right" if col == "rows" else "left")
    for (file, rule, severity), n in sorted(counts.items()):
        table.add_row(file, rule, severity, f"{n:,}", style="red" if severity == "error" else None)
    return table


def make_resolver(
    name: str, driver: Driver, database: str, full: bool = False, state_dir: Path | None = None
) -> Resolver:
    """`er` (default): entity resolution against what the graph holds (incremental unless `full`;
    weights kept in `state_dir`); `strong-key`: identifiers only."""
    if name == "strong-key":
        return StrongKeyResolver()
    if name == "er":
        return EntityResolutionResolver(driver, database, full=full, state_dir=state_dir)
    raise ValueError(f"未知的解析器 / unknown resolver {name!r}: use 'er' or 'strong-key'")


def read_format(
    console: Console, mapping: Path | None, encoding: str | None, decimal_comma: bool
) -> SourceFormat | None:
    """The source's format from --mapping / --encoding / --decimal-comma, or None (error shown)."""
    try:
        return source_format(mapping, encoding=encoding, decimal_comma=decimal_comma)
    except MappingError as exc:
        console.print(f"[bold red]错误 / Error:[/] {exc}")
        return None


def run_ingest_command(
    console: Console,
    driver_factory: Callable[[], Driver],
    paths: list[Path],
    source: str,
    rejects: Path | None,
    database: str,
    chunk_size: int,
    resolver_name: str = "er",
    *,
    mapping: Path | None = None,
    encoding: str | None = None,
    decimal_comma: bool = False,
    dry_run: bool = False,
    full: bool = False,
    er_state_dir: Path | None = None,
) -> int:
    missing = [p for p in paths if not p.exists()]
    if missing:
        console.print(f"[bold red]错误 / Error:[/] 路径不存在 / no such path: {', '.join(map(str, missing))}")
        return EXIT_FAILED
    fmt = read_format(console, mapping, encoding, decimal_comma)
    if fmt is None:
        return EXIT_FAILED
    try:
        driver = driver_factory()
    except Exception as exc:  # noqa: BLE001 — any connection failure is reported the same way
        console.print(f"[bold red]错误 / Error:[/] 无法连接 Neo4j。/ Cannot connect to Neo4j: {exc}")
        return EXIT_FAILED
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with driver, Progress(*columns, console=console, transient=False) as progress:
            result = run_ingest(
                driver,
                paths,
                source,
                database=database,
                rejects_path=rejects,
                chunk_size=chunk_size,
                progress=RichProgress(progress),
                resolver=make_resolver(resolver_name, driver, database, full, er_state_dir),
                fmt=fmt,
                dry_run=dry_run,
            )
    except Exception as exc:  # noqa: BLE001 — shown to the user, with what to do
        console.print(
            f"[bold red]导入失败 / Ingest failed:[/] {type(exc).__name__}: {exc}\n"
            "已提交的批次保留；再次运行同一命令将从中断处继续。/ Committed chunks are kept; "
            "run the same command again to resume."
        )
        return EXIT_FAILED
    console.print(summary_table(result))
    issues = issues_table(result)
    if issues is not None:
        console.print(issues)
    w = result.write
    load_s = result.seconds.get("load", 0.0)
    if result.dry_run:
        console.print("试运行：未写入图数据库。/ Dry run: nothing was written to the graph.")
    else:
        console.print(
            f"graph: {w.nodes_created:,} nodes and {w.relationships_created:,} relationships created, "
            f"{w.versions:,} earlier values kept as FactVersion; load {load_s:.1f} s"
        )
    if result.er_moves:
        console.print(
            f"entity resolution moved {result.er_moves:,} loaded records to another entity (history kept)"
        )
    if result.ignored:
        console.print(f"ignored (name is no kind): {', '.join(result.ignored)}")
    for refused in result.refused:
        console.print(
            f"[bold red]文件被拒绝 / File refused:[/] {refused.file}: {refused.reason_zh} / {refused.reason_en}"
        )
    if result.rejects_path:
        console.print(f"rejects and warnings: {result.rejects_path}")
    if not result.ok:
        console.print(
            f"[bold red]{result.rejected:,} 行被拒绝，{len(result.refused)} 个文件被拒绝。/ "
            f"{result.rejected:,} rows rejected, {len(result.refused)} files refused.[/] "
            "See the rejects file."
        )
        return EXIT_REJECTED
    return EXIT_OK


def run_bulk_command(
    console: Console,
    admin: AdminTool,
    stop: Callable[[], object],
    start: Callable[[], object],
    driver_factory: Callable[[], Driver],
    paths: list[Path],
    sources: list[str],
    rejects: Path | None,
    database: str,
    *,
    mapping: Path | None = None,
    encoding: str | None = None,
    decimal_comma: bool = False,
) -> int:
    """``riskgraph ingest --bulk``: one source for all paths, or one source per path (in order)."""
    fmt = read_format(console, mapping, encoding, decimal_comma)
    if fmt is None:
        return EXIT_FAILED
    if len(sources) == 1:
        pairs = [(sources[0], list(paths))]
    elif len(sources) == len(paths):
        pairs = [(src, [p]) for src, p in zip(sources, paths, strict=True)]
    else:
        console.print(
            "[bold red]错误 / Error:[/] --source 的个数应为 1 或与路径个数相同。/ "
            "Give one --source, or one per PATH."
        )
        return EXIT_FAILED
    work = Path(tempfile.mkdtemp(prefix="riskgraph-bulk-"))
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, console=console) as progress:
            res = bulk_load(
                pairs,
                work,
                admin,
                stop,
                start,
                driver_factory,
                database=database,
                progress=RichProgress(progress),
                fmt=fmt,
            )
    except BulkRefused as exc:
        console.print(f"[bold red]错误 / Error:[/] {exc}")
        return EXIT_FAILED
    except Exception as exc:  # noqa: BLE001 — shown to the user
        console.print(f"[bold red]批量导入失败 / Bulk load failed:[/] {type(exc).__name__}: {exc}")
        return EXIT_FAILED
    finally:
        shutil.rmtree(work, ignore_errors=True)
    code = EXIT_OK
    for result in res.results:
        console.print(summary_table(result))
        if result.issues or result.refused:
            path = (
                rejects.with_name(f"{rejects.stem}-{result.source}{rejects.suffix}")
                if rejects
                else Path(f"rejects-{result.batch_id}.csv")
            )
            result.rejects_path = write_rejects(path, result.refused, result.issues)
            console.print(f"rejects and warnings: {result.rejects_path}")
        if not result.ok:
            code = EXIT_REJECTED
    secs = ", ".join(f"{k} {v:.1f} s" for k, v in res.seconds.items())
    console.print(
        f"bulk: {res.nodes:,} nodes and {res.relationships:,} relationships in the database; {secs}"
    )
    return code
