"""Run rules: one ``RuleRun`` per rule, findings reconciled into alerts, timings recorded.

The runner owns everything rules share: the configuration, the as-of date, the per-run cache of
projections, the ``RuleRun`` node (parameters, as-of, counts, duration, status) and the alert
bookkeeping. A failing rule is recorded as ``failed`` and does not resolve its earlier alerts
(absence of findings from a crashed run is not evidence that the risk went away). A run as of a
past date is a snapshot (:mod:`risk_rules.snapshots`): its alerts, scores and profiles are that
date's, kept beside the live ones, which it never resolves or changes.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from neo4j import Driver

from graph_model import schema as S
from risk_rules.alerts import AlertCounts, reconcile
from risk_rules.config import RulesConfig, rule_params
from risk_rules.execution import Executor, InProcessExecutor
from risk_rules.framework import Rule, RuleContext
from risk_rules.reads import cache_keys, reads_with_bases
from risk_rules.registry import all_rules, get_rule
from risk_rules.snapshots import close_snapshot, is_snapshot, link_run, open_snapshot, write_alerts


@dataclass
class RuleRunSummary:
    rule_id: str
    rule_version: str
    run_id: str
    status: str
    duration_s: float
    counts: AlertCounts | None = None
    derived: dict[str, int] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    #: the run was as of a past date: ``snapshot_counts`` instead of live alert counts
    snapshot: bool = False
    snapshot_counts: dict[str, int] = field(default_factory=dict)


def new_run_id(rule_id: str) -> str:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    return f"{rule_id}@{stamp}-{uuid.uuid4().hex[:8]}"


def recorded_parameters(params: dict) -> str:
    """The parameters as a ``RuleRun`` records them (also what a backfill compares)."""
    return json.dumps(params, ensure_ascii=False, sort_keys=True, default=str)


def _rule_record(config: RulesConfig, rule: Rule[Any]) -> dict[str, Any]:
    return {
        "rule": rule_params(config, rule.id, rule.Params).model_dump(mode="json"),
        "bank": config.bank.model_dump(mode="json"),
        "control": config.control.model_dump(mode="json"),
    }


def _profile_record(config: RulesConfig) -> dict[str, Any]:
    from risk_rules.findings.params import FindingParams, rule_versions

    return {"digest": FindingParams.from_config(config).digest(), "rules": rule_versions()}


def selected_rules(config: RulesConfig, rule_ids: list[str] | None) -> list[Rule[Any]]:
    """The given rules, or every enabled rule, in run order."""
    if rule_ids:
        return [get_rule(r) for r in rule_ids]
    return [r for r in all_rules() if rule_params(config, r.id, r.Params).enabled]


def planned_runs(
    config: RulesConfig, rule_ids: list[str] | None = None, *, profiles: bool = False
) -> dict[str, tuple[str, str]]:
    """{rule id: (version, recorded parameters)} of the runs :func:`run_rules` would record."""
    out = {
        r.id: (r.version, recorded_parameters(_rule_record(config, r)))
        for r in selected_rules(config, rule_ids)
    }
    if profiles:
        from risk_rules.findings import FINDINGS_VERSION
        from risk_rules.findings.store import PROFILE_RULE_ID

        out[PROFILE_RULE_ID] = (FINDINGS_VERSION, recorded_parameters(_profile_record(config)))
    return out


def _start_run(
    driver: Driver, database: str, rule_id: str, version: str, run_id: str, params: dict, as_of: dt.date
) -> None:
    """The ``RuleRun`` node of a rule's run (or of the profile run that follows the rules)."""
    with driver.session(database=database, notifications_min_severity="OFF") as session:
        session.run(
            f"""
            CREATE (r:{S.RULE_RUN} {{run_id: $run_id}})
            SET r.rule_id = $rule_id, r.rule_version = $version, r.parameters = $params,
                r.as_of = $as_of, r.started_at = datetime(), r.status = 'running'
            """,
            run_id=run_id,
            rule_id=rule_id,
            version=version,
            params=recorded_parameters(params),
            as_of=as_of,
        ).consume()


def _finish_run(
    driver: Driver, database: str, run_id: str, status: str, duration_ms: int, counts: dict[str, Any]
) -> None:
    with driver.session(database=database, notifications_min_severity="OFF") as session:
        session.run(
            f"""
            MATCH (r:{S.RULE_RUN} {{run_id: $run_id}})
            SET r.finished_at = datetime(), r.duration_ms = $ms, r.status = $status, r.counts = $counts
            """,
            run_id=run_id,
            ms=duration_ms,
            status=status,
            counts=json.dumps(counts, ensure_ascii=False, sort_keys=True, default=str),
        ).consume()


def _release_cache(ctx: RuleContext, remaining: list[Rule[Any]], also: frozenset[str] = frozenset()) -> None:
    """Drop cached projections that none of the remaining rules reads (see ``Rule.shared_reads``)
    nor the step after them (``also``: the profile step's reads, when profiles follow — it shows
    the rules' own controllers, groups and circles rather than computing them again)."""
    reads = [cache_keys(r) for r in remaining]
    if any(x is None for x in reads):
        return
    keep: set[str] = set(also).union(*(x for x in reads if x is not None))
    # a parameterised projection is cached as "name:argument" (groups:2): kept by its name;
    # results rules leave for the profile step (risk_rules.findings) stay until the run ends
    dropped = [k for k in ctx.cache if k.split(":", 1)[0] not in keep and not k.startswith("findings.")]
    for k in dropped:
        del ctx.cache[k]
    if dropped:
        gc.collect()  # networkx graphs hold reference cycles: free them before the next rule allocates


def run_rules(
    driver: Driver,
    config: RulesConfig,
    *,
    rule_ids: list[str] | None = None,
    as_of: dt.date | None = None,
    database: str = "neo4j",
    on_start: Callable[[Rule[Any]], None] = lambda _r: None,
    on_done: Callable[[RuleRunSummary], None] = lambda _s: None,
    on_progress: Callable[[str], None] = lambda _m: None,
    profiles: bool = False,
    today: dt.date | None = None,
    executor: Executor | None = None,
) -> list[RuleRunSummary]:
    """Run the given rules (default: every enabled rule) as of ``as_of`` (default: today).

    With ``profiles`` the run ends by reconciling every touched entity's ``RiskProfile``
    (:func:`risk_rules.findings.store.write_profiles`), recorded as one more run. An ``as_of``
    before ``today`` (default: the system date; a replay of a day's run sets it) makes the run a
    snapshot of that date (:mod:`risk_rules.snapshots`); after ``today`` it is refused.

    ``executor`` (default: in this process) runs the rules' independent units of work
    (:mod:`risk_rules.execution`); the caller owns it and closes it. The alerts do not depend on it."""
    today = today or dt.date.today()
    as_of = as_of or today
    snapshot = is_snapshot(as_of, today)
    rules = selected_rules(config, rule_ids)
    if snapshot:
        open_snapshot(driver, database, as_of)
    ctx = RuleContext(
        driver=driver,
        database=database,
        as_of=as_of,
        bank=config.bank,
        control=config.control,
        progress=on_progress,
        rules_config=config,
        snapshot=snapshot,
        executor=executor or InProcessExecutor(),
    )
    if snapshot:
        from risk_rules.rules._control import control_pairs

        ctx.as_of_controls = lambda: control_pairs(ctx)
    summaries: list[RuleRunSummary] = []
    kept: frozenset[str] = frozenset()
    if profiles:
        from risk_rules.findings.store import PROFILE_READS

        kept = reads_with_bases(PROFILE_READS)
    for i, rule in enumerate(rules):
        _release_cache(ctx, rules[i:], kept)
        params = rule_params(config, rule.id, rule.Params)
        run_id = new_run_id(rule.id)
        ctx.run_id = run_id
        _start_run(driver, database, rule.id, rule.version, run_id, _rule_record(config, rule), as_of)
        if snapshot:
            link_run(driver, database, run_id, as_of)
        on_start(rule)
        t0 = time.perf_counter()
        counts: AlertCounts | None = None
        snap: dict[str, int] = {}
        try:
            output = rule.evaluate(ctx, params)
            if snapshot:
                snap = write_alerts(
                    driver,
                    database,
                    as_of=as_of,
                    rule_id=rule.id,
                    rule_version=rule.version,
                    run_id=run_id,
                    findings=output.findings,
                )
            else:
                counts = reconcile(
                    driver,
                    database,
                    rule_id=rule.id,
                    rule_version=rule.version,
                    run_id=run_id,
                    findings=output.findings,
                )
        except Exception as exc:
            duration = time.perf_counter() - t0
            _finish_run(driver, database, run_id, "failed", int(duration * 1000), {"error": repr(exc)})
            summary = RuleRunSummary(
                rule.id, rule.version, run_id, "failed", duration, error=repr(exc), snapshot=snapshot
            )
            summaries.append(summary)
            on_done(summary)
            continue
        duration = time.perf_counter() - t0
        alert_counts: dict[str, Any] = counts.as_dict() if counts is not None else {"snapshot": snap}
        _finish_run(
            driver,
            database,
            run_id,
            "completed",
            int(duration * 1000),
            {**alert_counts, "derived": output.derived, "stats": output.stats},
        )
        summary = RuleRunSummary(
            rule.id,
            rule.version,
            run_id,
            "completed",
            duration,
            counts,
            output.derived,
            output.stats,
            snapshot=snapshot,
            snapshot_counts=snap,
        )
        summaries.append(summary)
        on_done(summary)
    if profiles:
        summaries.append(_profile_run(driver, database, config, ctx, as_of, on_done))
    if snapshot:
        close_snapshot(driver, database, as_of)
    return summaries


def _profile_run(
    driver: Driver,
    database: str,
    config: RulesConfig,
    ctx: RuleContext,
    as_of: dt.date,
    on_done: Callable[[RuleRunSummary], None],
) -> RuleRunSummary:
    """The profile step as a run of its own: a ``RuleRun`` the check reads freshness from."""
    from risk_rules.findings import FINDINGS_VERSION
    from risk_rules.findings.store import PROFILE_RULE_ID, write_profiles

    run_id = new_run_id(PROFILE_RULE_ID)
    _start_run(driver, database, PROFILE_RULE_ID, FINDINGS_VERSION, run_id, _profile_record(config), as_of)
    if ctx.snapshot:
        link_run(driver, database, run_id, as_of)
    t0 = time.perf_counter()
    try:
        counts = write_profiles(ctx, config, run_id, ctx.progress)
    except Exception as exc:
        duration = time.perf_counter() - t0
        _finish_run(driver, database, run_id, "failed", int(duration * 1000), {"error": repr(exc)})
        summary = RuleRunSummary(
            PROFILE_RULE_ID,
            FINDINGS_VERSION,
            run_id,
            "failed",
            duration,
            error=repr(exc),
            snapshot=ctx.snapshot,
        )
        on_done(summary)
        return summary
    duration = time.perf_counter() - t0
    _finish_run(driver, database, run_id, "completed", int(duration * 1000), {"profiles": counts.as_dict()})
    summary = RuleRunSummary(
        PROFILE_RULE_ID,
        FINDINGS_VERSION,
        run_id,
        "completed",
        duration,
        derived=counts.as_dict(),
        snapshot=ctx.snapshot,
    )
    on_done(summary)
    return summary
