"""Answers as of a past date: the snapshot of that date, else computed from the facts valid then.

An investigation endpoint or the pre-loan check asked ``as_of=DATE`` answers what the rules said on
that date. Where a rule run (``riskgraph rules run --as-of`` / ``rules backfill``) left a snapshot
of exactly that date, it is read; otherwise the entity's profile is computed now by the findings
engine's live path with the same as-of filter the rule runs use
(:func:`risk_rules.findings.live.live_profile`). Listings (alerts, circles) exist only in runs: they
read the latest snapshot on or before the date. Every answer says which it did — the ``as_of``
block: ``{date, source: "snapshot" | "computed", run_id, snapshot_as_of}``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from neo4j import Driver

from api.errors import ApiError
from api.repositories.snapshots import SnapshotRepository
from risk_rules.config import RulesConfig
from risk_rules.findings.live import live_profile
from risk_rules.findings.neighbourhood import LiveBounds
from risk_rules.findings.params import FindingParams


def past_date(as_of: dt.date | None, today: dt.date | None = None) -> dt.date | None:
    """``as_of`` when it asks for the past; None for today or no date (the live answer).

    >>> past_date(dt.date(2025, 1, 31), dt.date(2026, 12, 2))
    datetime.date(2025, 1, 31)
    >>> past_date(dt.date(2026, 12, 2), dt.date(2026, 12, 2)) is None
    True
    """
    today = today or dt.date.today()
    if as_of is None or as_of == today:
        return None
    if as_of > today:
        raise ApiError(
            400,
            f"as_of {as_of} 晚于今天 {today}：未来的事实尚不可知 / as_of {as_of} is after today ({today}): "
            "the facts of a future day are not known yet",
            code="as-of-in-future",
        )
    return as_of


def block(
    date: dt.date, source: str, run_id: str | None = None, snapshot_as_of: str | None = None
) -> dict[str, Any]:
    """The ``as_of`` part of a response: which date was asked, and how it was answered."""
    zh = {
        "snapshot": f"读取 {snapshot_as_of or date} 的历史快照（运行 {run_id}）",
        "computed": f"无 {date} 的快照：按当日有效的事实即时计算",
    }[source]
    en = {
        "snapshot": f"read from the snapshot of {snapshot_as_of or date} (run {run_id})",
        "computed": f"no snapshot of {date}: computed now from the facts valid on that date",
    }[source]
    return {
        "date": date.isoformat(),
        "source": source,
        "run_id": run_id,
        "snapshot_as_of": snapshot_as_of,
        "message_zh": zh,
        "message_en": en,
    }


async def profile_as_of(
    snapshots: SnapshotRepository,
    driver: Driver | None,
    database: str,
    entity_id: str,
    cfg: RulesConfig,
    date: dt.date,
    bounds: LiveBounds = LiveBounds(),
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the profile body of ``entity_id`` as of ``date``, the ``as_of`` block saying how).

    The snapshot's profile is used when it was computed with the parameters in effect; otherwise
    (no snapshot of that date, the entity not in it, other parameters) it is computed."""
    stored = await snapshots.profile(entity_id, date)
    if stored is not None and stored.get("params_digest") == FindingParams.from_config(cfg).digest():
        return stored["body"] or {}, block(date, "snapshot", stored.get("run_id"), date.isoformat())
    if driver is None:
        raise RuntimeError("computing a profile as of a date needs a synchronous driver")
    body, _ = await asyncio.to_thread(live_profile, driver, database, entity_id, cfg, [], bounds, date)
    return body, block(date, "computed")


async def listing_snapshot(
    snapshots: SnapshotRepository, date: dt.date, rule_id: str | None = None
) -> dict[str, Any]:
    """The snapshot a listing as of ``date`` reads: the latest on or before it (holding
    ``rule_id``); a 404 naming the way to build one when there is none."""
    snap = await snapshots.on_or_before(date, rule_id)
    if snap is None:
        what = f"规则 {rule_id} 的" if rule_id else ""
        raise ApiError(
            404,
            f"{date} 及以前没有{what}历史快照；请运行 riskgraph rules backfill / no snapshot"
            f"{' of rule ' + rule_id if rule_id else ''} on or before {date}: run riskgraph rules backfill",
            code="no-snapshot",
        )
    return snap


async def entity_as_of(
    snapshots: SnapshotRepository,
    driver: Driver | None,
    database: str,
    entity_id: str,
    cfg: RulesConfig,
    date: dt.date,
    bounds: LiveBounds = LiveBounds(),
) -> dict[str, Any]:
    """The as-of part of an entity card: ``{as_of, risk_profile, alerts_as_of, risk_score}``.

    From a snapshot: its profile, its alerts about the entity and its contagion score; computed:
    the profile and the contagion score in it (no alerts: they exist only in runs)."""
    from risk_rules.reach import CONTAGION_RULE

    body, how = await profile_as_of(snapshots, driver, database, entity_id, cfg, date, bounds)
    c = body.get("contagion") or {}
    if how["source"] == "snapshot":
        alerts: list[dict[str, Any]] = await snapshots.alerts(date, entity_id=entity_id, limit=200)
        score = await snapshots.score(entity_id, date, CONTAGION_RULE)
    else:
        alerts = []
        score = None
    if score is None and c:
        score = {"entity_id": entity_id, "score": c.get("score"), "hops": c.get("hops"), "as_of": how["date"]}
    return {"as_of": how, "risk_profile": body, "alerts_as_of": alerts, "risk_score": score}
