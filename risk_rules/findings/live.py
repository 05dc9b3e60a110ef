"""A profile recomputed at check time: the entity's neighbourhood read now, the run's functions.

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


def live_profile(
    driver: Driver,
    database: str,
    entity_id: str,
    cfg: RulesConfig,
    fresh_batches: list[str],
    bounds: LiveBounds = LiveBounds(),
    as_of: dt.date | None = None,
) -> tuple[dict[str, Any], bool]:
    """(the profile body of ``entity_id`` computed now, whether its neighbourhood holds a fact
    from one of ``fresh_batches`` — i.e. whether a stored profile would be stale)."""
    fp = FindingParams.from_config(cfg)
    ctx = RuleContext(
        driver=driver, database=database, as_of=as_of or dt.date.today(), bank=cfg.bank, control=cfg.control
    )
    hood, touched = read_hood(ctx, entity_id, fp, bounds, fresh_batches)
    pre = precompute(hood, fp)
    return entity_profile(entity_id, hood, pre, fp), touched
