"""`riskgraph rules list` and `riskgraph rules run`, built by a factory the composition root calls.

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
    ) -> None:
        """Run the rules, write alerts / derived facts to Neo4j, print a summary table."""
        from risk_rules.registry import get_rule
        from risk_rules.runner import run_rules

        cfg = _config(config)
        try:
            as_of_date = dt.date.fromisoformat(as_of) if as_of else dt.date.today()
        except ValueError:
            fail(f"日期格式应为 YYYY-MM-DD：{as_of} / --as-of must be YYYY-MM-DD: {as_of}")
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
        table = Table(title=f"rules run — as of {as_of_date}")
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
            )
            progress.update(task, total=len(summaries), completed=len(summaries), description="done")
        console.print(table)
        if failed:
            raise typer.Exit(1)

    return app
