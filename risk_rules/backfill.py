"""Backfill: the rules run as of each date of a period, building one snapshot per date.

History for trends (how many entities came within reach of listed ones each month) needs the
rules' answer at each past date, from the facts valid on that date. A backfill runs the rules as
of each date (``month``: the same day each month, ``week``, ``quarter``); each run is a snapshot
(:mod:`risk_rules.snapshots`), so the live alerts are untouched. A date whose snapshot already
holds a completed run of every rule with the same version and parameters is skipped, so running
the same backfill twice changes nothing; ``replace`` recomputes such dates anyway.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from neo4j import Driver

from risk_rules.config import RulesConfig
from risk_rules.framework import Rule
from risk_rules.runner import RuleRunSummary, planned_runs, run_rules
from risk_rules.snapshots import holds

Every = Literal["week", "month", "quarter"]
EVERY: tuple[str, ...] = ("week", "month", "quarter")


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by ``months`` calendar months, the day clamped to the month's last day.

    >>> add_months(dt.date(2025, 1, 31), 1)
    datetime.date(2025, 2, 28)
    >>> add_months(dt.date(2025, 11, 30), 3)
    datetime.date(2026, 2, 28)
    """
    m = day.month - 1 + months
    year, month = day.year + m // 12, m % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def period_dates(start: dt.date, end: dt.date, every: str) -> list[dt.date]:
    """The as-of dates from ``start`` to ``end`` (both inclusive), one per period.

    Each date is counted from ``start`` (not from the previous date), so a month-end start stays
    at month ends: 01-31, 02-28, 03-31.

    >>> period_dates(dt.date(2025, 1, 31), dt.date(2025, 4, 30), "month")
    [datetime.date(2025, 1, 31), datetime.date(2025, 2, 28), datetime.date(2025, 3, 31), datetime.date(2025, 4, 30)]
    >>> period_dates(dt.date(2025, 1, 1), dt.date(2025, 1, 20), "week")
    [datetime.date(2025, 1, 1), datetime.date(2025, 1, 8), datetime.date(2025, 1, 15)]
    >>> period_dates(dt.date(2025, 1, 1), dt.date(2025, 12, 31), "quarter")[-1]
    datetime.date(2025, 10, 1)
    """
    if every not in EVERY:
        raise ValueError(
            f"周期应为 {'/'.join(EVERY)}：{every} / --every must be one of {', '.join(EVERY)}: {every}"
        )
    if start > end:
        raise ValueError(f"起始日期 {start} 晚于结束日期 {end} / --from {start} is after --to {end}")
    out: list[dt.date] = []
    k = 0
    while True:
        if every == "week":
            d = start + dt.timedelta(days=7 * k)
        else:
            d = add_months(start, k * (1 if every == "month" else 3))
        if d > end:
            return out
        out.append(d)
        k += 1


@dataclass
class DateResult:
    """One date of a backfill: ``written`` (a snapshot run), ``held`` (skipped: the snapshot already
    holds these rules with these parameters) or ``failed`` (a rule failed; the others were kept)."""

    as_of: dt.date
    status: str
    summaries: list[RuleRunSummary] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def snapshot_alerts(self) -> int:
        return sum(s.snapshot_counts.get("snapshot_alerts", 0) for s in self.summaries)


def backfill(
    driver: Driver,
    config: RulesConfig,
    dates: list[dt.date],
    *,
    rule_ids: list[str] | None = None,
    profiles: bool = True,
    replace: bool = False,
    database: str = "neo4j",
    today: dt.date | None = None,
    on_date: Callable[[dt.date], None] = lambda _d: None,
    on_rule: Callable[[Rule[Any]], None] = lambda _r: None,
    on_progress: Callable[[str], None] = lambda _m: None,
    on_date_done: Callable[[DateResult], None] = lambda _r: None,
) -> list[DateResult]:
    """Run the rules as of each of ``dates`` (all before ``today``) and return what each date did."""
    import time

    today = today or dt.date.today()
    late = [d for d in dates if d >= today]
    if late:
        raise ValueError(
            f"回填日期须早于今天 {today}（今天的结果是实时运行）：{late[0]} / backfill dates must be before "
            f"today ({today}); today's picture is the live run (riskgraph rules run): {late[0]}"
        )
    planned = planned_runs(config, rule_ids, profiles=profiles)
    results: list[DateResult] = []
    for d in dates:
        on_date(d)
        t0 = time.perf_counter()
        if not replace and holds(driver, database, d, planned):
            result = DateResult(d, "held")
        else:
            summaries = run_rules(
                driver,
                config,
                rule_ids=rule_ids,
                as_of=d,
                database=database,
                on_start=on_rule,
                on_progress=on_progress,
                profiles=profiles,
                today=today,
            )
            ok = all(s.status == "completed" for s in summaries)
            result = DateResult(d, "written" if ok else "failed", summaries)
        result.seconds = time.perf_counter() - t0
        results.append(result)
        on_date_done(result)
    return results
