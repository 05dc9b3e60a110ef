"""One abnormal-use pass over the audit log: verify the chain, detect, store flags, maybe freeze.

Run by the API every ``gov_monitor_interval_min`` minutes, by ``POST /v1/audit/flags/check`` and by
`riskgraph audit check`; the detection itself is pure (:mod:`api.services.monitoring`).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from api.audit.chains import read_trail, verify_trail
from api.repositories.flags import FlagStore, flag_row
from api.services.monitoring import MonitorParams, detect


@dataclass
class CheckSummary:
    since: str
    until: str
    records: int
    chain_ok: bool
    chain_problem: str | None
    flags: list[dict[str, Any]] = field(default_factory=list)
    new_flags: int = 0
    frozen: list[str] = field(default_factory=list)
    #: each writer's chain: name, ok, records, reason
    chains: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def load_records(path: Path) -> list[dict[str, Any]]:
    """The request records of every chain of the log, reduced to the fields the checks read (memory: one small dict each)."""
    keep = (
        "kind",
        "seq",
        "ts",
        "user_id",
        "roles",
        "path",
        "status",
        "outcome",
        "purpose_ref",
        "entity_ids",
        "client",
        "note",
    )
    return [{k: r.get(k) for k in keep} for r in read_trail(path) if r.get("kind") == "request"]


async def run_check(
    store: FlagStore,
    audit_path: Path,
    params: MonitorParams,
    *,
    until: datetime | None = None,
    window: timedelta = timedelta(hours=24),
    auto_freeze: bool = False,
    freeze_checks: tuple[str, ...] = (),
    write: bool = True,
) -> CheckSummary:
    """One monitoring pass: verify the chain, detect over ``[until - window, until)``, store flags and,
    when configured, freeze the accounts behind new flags of the freezing checks."""
    until = until or datetime.now(UTC)
    since = until - window
    chain = await asyncio.to_thread(verify_trail, audit_path)
    records = await asyncio.to_thread(load_records, audit_path)
    created = await store.created_at()
    flags = detect(records, since=since, until=until, params=params, created_at=created)
    summary = CheckSummary(
        since.isoformat(),
        until.isoformat(),
        len(records),
        chain.ok,
        chain.reason,
        [{"flag_id": f.flag_id, **flag_row(f), "evidence": f.evidence} for f in flags],
    )
    summary.chains = [c.as_dict() for c in chain.chains]
    if not write:
        return summary
    stored = {r["flag_id"]: r for r in await store.upsert(flags)}
    summary.new_flags = sum(1 for r in stored.values() if r["is_new"])
    if auto_freeze:
        users_with_account = set(created)
        for f in flags:
            row = stored.get(f.flag_id, {})
            if (
                f.check in freeze_checks
                and f.user_id in users_with_account
                and not row.get("froze")
                and await store.freeze(f.user_id, f)
            ):
                summary.frozen.append(f.user_id)
    return summary
