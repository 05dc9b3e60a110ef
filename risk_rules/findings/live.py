"""A profile recomputed at check time: the entity's neighbourhood read now, the run's functions.

With ``as_of`` a past date, the neighbourhood is the facts valid on that date (the same as-of
filter the rule runs use): the "computed" answer of an as-of request with no snapshot of that date.

Used when no rule run profiled the entity, when the parameters changed since, or when an ingest
batch loaded after the last profile run touched the entity's neighbourhood. Runs in a worker
thread of the API (synchronous driver), never on its event loop.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from neo4j import Driver

from risk_rules.config import RulesConfig
from risk_rules.findings.neighbourhood import LiveBounds, read_hood
from risk_rules.findings.params import FindingParams
from risk_rules.findings.profile import entity_profile, precompute
from risk_rules.framework import RuleContext
from risk_rules.rules._control import control_pairs


def live_profile(
    driver: Driver,
    database: str,
    entity_id: str,
    cfg: RulesConfig,
    fresh_batches: list[str],
    bounds: LiveBounds = LiveBounds(),
    as_of: dt.date | None = None,
    today: dt.date | None = None,
) -> tuple[dict[str, Any], bool]:
    """(the profile body of ``entity_id`` computed now, whether its neighbourhood holds a fact
    from one of ``fresh_batches`` — i.e. whether a stored profile would be stale). ``today``
    (default: the system date) tells a past ``as_of`` from the live day, as in the rule runner."""
    fp = FindingParams.from_config(cfg)
    today = today or dt.date.today()
    day = as_of or today
    ctx = RuleContext(
        driver=driver,
        database=database,
        as_of=day,
        bank=cfg.bank,
        control=cfg.control,
        snapshot=day < today,  # a past date reads the facts valid then, not today's derived CONTROLS
    )
    if ctx.snapshot:
        ctx.as_of_controls = lambda: control_pairs(ctx)
    hood, touched = read_hood(ctx, entity_id, fp, bounds, fresh_batches)
    pre = precompute(hood, fp)
    return entity_profile(entity_id, hood, pre, fp), touched
