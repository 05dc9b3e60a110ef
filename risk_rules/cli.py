"""`riskgraph rules list`, `rules run` and `rules backfill`, built by a factory the composition root calls.

The factory takes callables for the driver, the database name and the override path so this
package never imports ``riskgraph`` (import direction: risk_rules knows only graph_model).
Heavy imports happen inside the commands so `riskgraph --help` stays fast.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table


def make_rules_app(
    *,
    open_driver: Callable[[], Any],
    database: Callable[[], str],
    config_path: Callable[[], Path | None],
    console: Console,
    today: Callable[[], dt.date] = dt.date.today,
    fail: Callable[[str], None],
) -> typer.Typer:
    app = typer.Typer(
        help="Rule jobs: guarantee networks, ownership, groups, concentration, contagion.",
        no_args_is_help=True,
    )

    def _config(override: Path | None):
        from risk_rules.config import ConfigError, load_config

        try:
            return load_config(override or config_path())
        except ConfigError as exc:
            fail(str(exc))
            raise  # unreachable: fail exits

    @app.command("list")
    def rules_list(
        config: Path | None = typer.Option(
            None, help="YAML overriding the defaults (else RISKGRAPH_RULES_CONFIG)"
        ),
        as_json: bool = typer.Option(False, "--json", help="machine-readable output"),
    ) -> None:
        """Every rule: id, version, description and the parameters in effect."""
        from risk_rules.config import rule_params
        from risk_rules.registry import all_rules

        cfg = _config(config)
        rows: list[dict[str, Any]] = []
        for rule in all_rules():
            params = rule_params(cfg, rule.id, rule.Params).model_dump(mode="json")
            rows.append(
                {
                    "id": rule.id,
                    "version": rule.version,
                    "title_zh": rule.title_zh,
                    "title_en": rule.title_en,
                    "description_zh": rule.description_zh,
                    "description_en": rule.description_en,
                    "sources": list(rule.sources),
                    "parameters": params,
                }
            )
        if as_json:
            console.print_json(
                json.dumps({"bank": cfg.bank.model_dump(mode="json"), "rules": rows}, ensure_ascii=False)
            )
            return
        table = Table(
            title=f"riskgraph rules ({len(rows)}) — config: {', '.join(cfg.source_files)}", show_lines=True
        )
        table.add_column("id", no_wrap=True)
        table.add_column("ver")
        table.add_column("description 说明")
        table.add_column("parameters 参数")
        for r in rows:
            table.add_row(
                r["id"],
                r["version"],
                f"[bold]{r['title_zh']} / {r['title_en']}[/]\n{r['description_zh']}\n{r['description_en']}",
                "\n".join(f"{k} = {v}" for k, v in r["parameters"].items()),
            )
        console.print(table)
        console.print(
            f"bank: {cfg.bank.name}, net capital {cfg.bank.net_capital:,.0f}, tier-1 {cfg.bank.tier1_capital:,.0f}"
        )

    @app.command("run")
    def rules_run(
        rule: list[str] = typer.Option(
            None, "--rule", help="rule id (repeatable); default: every enabled rule"
        ),
        as_of: str | None = typer.Option(None, "--as-of", help="as-of date YYYY-MM-DD (default: today)"),
        config: Path | None = typer.Option(
            None, help="YAML overriding the defaults (else RISKGRAPH_RULES_CONFIG)"
        ),
        executor: str = typer.Option(
            "in-process",
            "--executor",
            help="where the rules' components run: in-process, process (worker processes) or spark "
            "(needs riskgraph[spark]); the alerts are the same",
        ),
        workers: int | None = typer.Option(
            None, "--workers", min=1, help="worker processes of --executor process (default: CPU cores)"
        ),
        spark_master: str = typer.Option(
            "local[2]", "--spark-master", help="Spark master of --executor spark (local[N] or a cluster URL)"
        ),
    ) -> None:
        """Run the rules, write alerts / derived facts to Neo4j, print a summary table.

        As of a past date the run is a snapshot of that date: the live alerts and their triage
        are left as they are (see `rules backfill`). The rules that split into components
        (guarantee circles, beneficial owners) run them on the chosen executor."""
        from risk_rules.execution import EXECUTOR_NAMES, make_executor
        from risk_rules.registry import get_rule
        from risk_rules.runner import run_rules

        if executor not in EXECUTOR_NAMES:
            fail(f"未知执行器 / unknown --executor {executor!r}: choose one of {', '.join(EXECUTOR_NAMES)}")

        cfg = _config(config)
        day = today()
        as_of_date = _date(as_of, "--as-of") if as_of else day
        if as_of_date > day:
            fail(
                f"截止日期 {as_of_date} 晚于今天：未来的事实尚不可知 / --as-of {as_of_date} is after today: "
                "the facts of a future day are not known yet"
            )
        snapshot = as_of_date < day
        for rid in rule or []:
            try:
                get_rule(rid)
            except KeyError as exc:
                fail(str(exc.args[0]))
        try:
            runner_executor = make_executor(executor, workers=workers, spark_master=spark_master)
        except RuntimeError as exc:  # pyspark missing
            fail(str(exc))
            return
        try:
            driver = open_driver()
        except Exception as exc:  # noqa: BLE001 — reported the same way whatever the cause
            runner_executor.close()
            fail(f"无法连接 Neo4j / cannot connect to Neo4j: {exc}")
            return
        table = Table(
            title=f"rules run — as of {as_of_date}"
            + (" — 历史快照 snapshot: live alerts and their triage unchanged" if snapshot else "")
        )
        for col in (
            "rule",
            "ver",
            "status",
            "new",
            "changed",
            "unchanged",
            "reactivated",
            "resolved",
            "active",
            "derived",
            "seconds",
        ):
            table.add_column(col, justify="right" if col not in ("rule", "status", "derived") else "left")
        failed = False
        with (
            driver,
            Progress(
                SpinnerColumn(),
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                TextColumn("{task.completed}/{task.total}"),
                TimeElapsedColumn(),
                console=console,
                transient=False,
            ) as progress,
        ):
            from risk_rules.config import rule_params
            from risk_rules.registry import all_rules

            enabled = [r for r in all_rules() if rule_params(cfg, r.id, r.Params).enabled]
            task = progress.add_task("rules", total=len(rule) if rule else len(enabled))

            def on_start(r) -> None:
                progress.update(task, description=f"{r.id} …")

            def on_done(s) -> None:
                nonlocal failed
                progress.advance(task)
                c = s.counts.as_dict() if s.counts else {}
                if s.snapshot and s.status == "completed":  # snapshot alerts of the date, no live counts
                    c = {"active": s.snapshot_counts.get("snapshot_alerts", "")}
                failed |= s.status != "completed"
                table.add_row(
                    s.rule_id,
                    s.rule_version,
                    "[green]completed[/]" if s.status == "completed" else f"[red]failed[/] {s.error}",
                    *(
                        str(c.get(k, ""))
                        for k in ("new", "changed", "unchanged", "reactivated", "resolved", "active")
                    ),
                    ", ".join(f"{k}={v}" for k, v in s.derived.items()),
                    f"{s.duration_s:.2f}",
                )

            try:
                summaries = run_rules(
                    driver,
                    cfg,
                    rule_ids=list(rule) if rule else None,
                    as_of=as_of_date,
                    database=database(),
                    on_start=on_start,
                    on_done=on_done,
                    on_progress=lambda m: progress.update(task, description=m),
                    profiles=not rule,  # a full run also reconciles the risk profiles
                    today=day,
                    executor=runner_executor,
                )
            finally:
                runner_executor.close()
            progress.update(task, total=len(summaries), completed=len(summaries), description="done")
        console.print(table)
        if failed:
            raise typer.Exit(1)

    def _date(text: str, option: str) -> dt.date:
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            fail(f"日期格式应为 YYYY-MM-DD：{text} / {option} must be YYYY-MM-DD: {text}")
            raise  # unreachable: fail exits

    @app.command("backfill")
    def rules_backfill(
        start: str = typer.Option(..., "--from", help="first as-of date YYYY-MM-DD"),
        end: str | None = typer.Option(None, "--to", help="last as-of date YYYY-MM-DD (default: yesterday)"),
        every: str = typer.Option("month", "--every", help="week / month / quarter"),
        rule: list[str] = typer.Option(
            None, "--rule", help="rule id (repeatable); default: every enabled rule and the risk profiles"
        ),
        replace: bool = typer.Option(
            False, "--replace", help="recompute dates whose snapshot already holds these rules and parameters"
        ),
        config: Path | None = typer.Option(
            None, help="YAML overriding the defaults (else RISKGRAPH_RULES_CONFIG)"
        ),
    ) -> None:
        """Run the rules as of each date of a period (facts valid on that date): one snapshot per
        date, for trends. Live alerts are untouched; dates already held are skipped."""
        from risk_rules.backfill import backfill, period_dates
        from risk_rules.registry import get_rule

        cfg = _config(config)
        day = today()
        first = _date(start, "--from")
        last = _date(end, "--to") if end else day - dt.timedelta(days=1)
        if last >= day:
            fail(
                f"--to {last} 须早于今天 {day}（今天的结果是实时运行 riskgraph rules run） / "
                f"--to {last} must be before today ({day}): today's picture is the live run (riskgraph rules run)"
            )
        try:
            dates = period_dates(first, last, every)
        except ValueError as exc:
            fail(str(exc))
            return
        for rid in rule or []:
            try:
                get_rule(rid)
            except KeyError as exc:
                fail(str(exc.args[0]))
        try:
            driver = open_driver()
        except Exception as exc:  # noqa: BLE001 — reported the same way whatever the cause
            fail(f"无法连接 Neo4j / cannot connect to Neo4j: {exc}")
            return
        table = Table(title=f"rules backfill — {first} … {last}, every {every} ({len(dates)} dates)")
        for col in ("as of", "snapshot", "rules", "snapshot alerts", "seconds"):
            table.add_column(
                col, justify="right" if col in ("rules", "snapshot alerts", "seconds") else "left"
            )
        label = {
            "written": "[green]written 已写入[/]",
            "held": "[dim]already held 已存在[/]",
            "failed": "[red]failed 失败[/]",
        }
        with (
            driver,
            Progress(
                SpinnerColumn(),
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                TextColumn("{task.completed}/{task.total} dates"),
                TimeElapsedColumn(),
                console=console,
                transient=False,
            ) as progress,
        ):
            task = progress.add_task("backfill", total=len(dates))
            current = {"date": ""}

            def on_date(d: dt.date) -> None:
                current["date"] = d.isoformat()
                progress.update(task, description=f"as of {d} …")

            def on_done(r) -> None:
                progress.advance(task)
                errors = [f"{s.rule_id}: {s.error}" for s in r.summaries if s.status != "completed"]
                table.add_row(
                    r.as_of.isoformat(),
                    label[r.status] + ("\n" + "\n".join(errors) if errors else ""),
                    str(len(r.summaries)) if r.summaries else "",
                    str(r.snapshot_alerts) if r.summaries else "",
                    f"{r.seconds:.1f}",
                )

            try:
                results = backfill(
                    driver,
                    cfg,
                    dates,
                    rule_ids=list(rule) if rule else None,
                    profiles=not rule,
                    replace=replace,
                    database=database(),
                    today=day,
                    on_date=on_date,
                    on_rule=lambda r: progress.update(task, description=f"as of {current['date']}: {r.id} …"),
                    on_progress=lambda m: progress.update(task, description=f"as of {current['date']}: {m}"),
                    on_date_done=on_done,
                )
            except ValueError as exc:
                fail(str(exc))
                return
            progress.update(task, description="done")
        console.print(table)
        held = sum(r.status == "held" for r in results)
        console.print(
            f"{len(results) - held} 个快照已写入，{held} 个已存在 / {len(results) - held} snapshot(s) written, "
            f"{held} already held"
        )
        if any(r.status == "failed" for r in results):
            raise typer.Exit(1)

    return app
