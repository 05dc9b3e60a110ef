"""Abnormal-use detection over audit records — pure functions, no database, no clock.

Input: audit-log records as :func:`api.audit.log.read_records` yields them (``kind == "request"``
records carry ``ts``, ``user_id``, ``roles``, ``path``, ``status``, ``outcome``, ``purpose_ref``,
``entity_ids``, ``note``, ``seq``). Output: :class:`Flag` objects, one per (check, user, local day),
with a deterministic id so that checking the same window twice finds the same flag.

Checks (thresholds are settings, see docs/governance.md):
- ``audit.volume_spike``: a user's data queries on a day exceed their own usual day
  (max of an absolute floor, factor × mean, mean + sigma × std over their active days before it);
- ``audit.off_hours``: data queries outside working hours / on non-working days (local time zone);
- ``audit.no_application``: queries by application-bound roles (approvers) without a purpose
  reference, or with one that no pre-loan check in the log ever used;
- ``audit.dormant_reactivated``: an account that made no data query for ``dormant_days`` (or never
  queried since it was created that long ago) suddenly queries — sign-ins alone do not count as use;
- ``audit.repeated_denials``: many 401/403 answers for one user (or one claimed user name at sign-in,
  or one client address) on a day.
"""

from __future__ import annotations

import hashlib
import re
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

PRE_LOAN_PATH = "/v1/checks/pre-loan"
DATA_PREFIXES = ("/v1/entities", "/v1/checks", "/v1/ownership", "/v1/groups", "/v1/circles", "/v1/blacklist")
_CLAIMED = re.compile(r"(?:login|password-change) denied user=(\S+)")
MAX_EVIDENCE = 20


@dataclass(frozen=True)
class MonitorParams:
    timezone: str = "Asia/Shanghai"
    work_start: time = time(8, 0)
    work_end: time = time(19, 0)
    work_days: tuple[int, ...] = (0, 1, 2, 3, 4)
    off_hours_min_queries: int = 1
    spike_factor: float = 3.0
    spike_sigma: float = 3.0
    spike_min_queries: int = 50
    spike_history_days: int = 30
    spike_min_history_days: int = 5
    dormant_days: int = 30
    denied_threshold: int = 5
    application_roles: tuple[str, ...] = ("approver",)

    @classmethod
    def from_settings(cls, s) -> MonitorParams:
        return cls(
            timezone=s.gov_monitor_timezone,
            work_start=time.fromisoformat(s.gov_work_start),
            work_end=time.fromisoformat(s.gov_work_end),
            work_days=tuple(s.gov_work_days),
            off_hours_min_queries=s.gov_off_hours_min_queries,
            spike_factor=s.gov_spike_factor,
            spike_sigma=s.gov_spike_sigma,
            spike_min_queries=s.gov_spike_min_queries,
            spike_history_days=s.gov_spike_history_days,
            spike_min_history_days=s.gov_spike_min_history_days,
            dormant_days=s.gov_dormant_days,
            denied_threshold=s.gov_denied_threshold,
            application_roles=tuple(s.gov_application_roles),
        )


@dataclass(frozen=True)
class Flag:
    check: str
    user_id: str
    window: str
    severity: str
    explanation_zh: str
    explanation_en: str
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def flag_id(self) -> str:
        digest = hashlib.sha1(f"{self.check}|{self.user_id}|{self.window}".encode()).hexdigest()[:16]
        return f"{self.check}:{digest}"


@dataclass(frozen=True)
class Req:
    """One request record, reduced to what the checks read."""

    seq: int
    ts: datetime
    local: datetime
    user_id: str | None
    roles: frozenset[str]
    path: str
    status: int
    outcome: str
    purpose_ref: str | None
    entity_ids: tuple[str, ...]
    client: str | None
    note: str | None

    @property
    def is_data_query(self) -> bool:
        return (
            self.status < 400
            and self.user_id is not None
            and (bool(self.entity_ids) or self.path.startswith(DATA_PREFIXES))
        )


def parse_records(records: Iterable[dict[str, Any]], tz: str) -> list[Req]:
    zone = ZoneInfo(tz)
    out: list[Req] = []
    for r in records:
        if r.get("kind") != "request" or not r.get("ts"):
            continue
        try:
            ts = datetime.fromisoformat(str(r["ts"]))
        except ValueError:
            continue
        if ts.tzinfo is None:
            ts = ts.replace(tzinfo=ZoneInfo("UTC"))
        out.append(
            Req(
                seq=int(r.get("seq") or 0),
                ts=ts,
                local=ts.astimezone(zone),
                user_id=r.get("user_id"),
                roles=frozenset(r.get("roles") or ()),
                path=str(r.get("path") or ""),
                status=int(r.get("status") or 0),
                outcome=str(r.get("outcome") or ""),
                purpose_ref=r.get("purpose_ref") or None,
                entity_ids=tuple(r.get("entity_ids") or ()),
                client=r.get("client"),
                note=r.get("note"),
            )
        )
    out.sort(key=lambda q: (q.ts, q.seq))
    return out


def _seqs(rows: list[Req]) -> list[int]:
    return [r.seq for r in rows[:MAX_EVIDENCE]]


def _in_window(rows: list[Req], since: datetime, until: datetime) -> list[Req]:
    return [r for r in rows if since <= r.ts < until]


def is_off_hours(local: datetime, p: MonitorParams) -> bool:
    return local.weekday() not in p.work_days or not (p.work_start <= local.time() < p.work_end)


# --- the checks -------------------------------------------------------------------------------------
def volume_spikes(rows: list[Req], since: datetime, until: datetime, p: MonitorParams) -> list[Flag]:
    daily: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for r in rows:
        if r.is_data_query and r.ts < until:
            daily[str(r.user_id)][r.local.date()] += 1
    window_days = {r.local.date() for r in _in_window(rows, since, until)}
    flags = []
    for user, counts in sorted(daily.items()):
        for day in sorted(d for d in counts if d in window_days):
            history = [c for d, c in counts.items() if day - timedelta(days=p.spike_history_days) <= d < day]
            if len(history) < p.spike_min_history_days:
                continue
            mean = statistics.fmean(history)
            std = statistics.pstdev(history)
            threshold = max(float(p.spike_min_queries), p.spike_factor * mean, mean + p.spike_sigma * std)
            n = counts[day]
            if n > threshold:
                flags.append(
                    Flag(
                        "audit.volume_spike",
                        user,
                        day.isoformat(),
                        "high" if n > 2 * threshold else "medium",
                        f"{user} 在 {day} 查询 {n} 次，远高于其通常水平（近 {len(history)} 个活跃日均值 {mean:.1f}，阈值 {threshold:.0f}）。",
                        f"{user} made {n} queries on {day}, far above their usual day (mean {mean:.1f} over "
                        f"{len(history)} active days, threshold {threshold:.0f}).",
                        {
                            "queries": n,
                            "history_mean": round(mean, 2),
                            "history_std": round(std, 2),
                            "history_days": len(history),
                            "threshold": round(threshold, 2),
                        },
                    )
                )
    return flags


def off_hours(rows: list[Req], since: datetime, until: datetime, p: MonitorParams) -> list[Flag]:
    by: dict[tuple[str, date], list[Req]] = defaultdict(list)
    for r in _in_window(rows, since, until):
        if r.is_data_query and is_off_hours(r.local, p):
            by[(str(r.user_id), r.local.date())].append(r)
    hours = f"{p.work_start:%H:%M}–{p.work_end:%H:%M}"
    return [
        Flag(
            "audit.off_hours",
            user,
            day.isoformat(),
            "medium" if len(qs) >= 10 else "low",
            f"{user} 在 {day} 工作时间（{hours}，{p.timezone}）以外查询 {len(qs)} 次。",
            f"{user} made {len(qs)} queries outside working hours ({hours}, {p.timezone}) on {day}.",
            {
                "queries": len(qs),
                "local_times": [q.local.strftime("%a %H:%M") for q in qs[:MAX_EVIDENCE]],
                "seq": _seqs(qs),
                "working_hours": hours,
                "working_days": list(p.work_days),
            },
        )
        for (user, day), qs in sorted(by.items())
        if len(qs) >= p.off_hours_min_queries
    ]


def no_application(rows: list[Req], since: datetime, until: datetime, p: MonitorParams) -> list[Flag]:
    applications = {
        r.purpose_ref for r in rows if r.path == PRE_LOAN_PATH and r.status < 400 and r.purpose_ref
    }
    by: dict[tuple[str, date], list[Req]] = defaultdict(list)
    for r in _in_window(rows, since, until):
        if (
            r.is_data_query
            and r.path != PRE_LOAN_PATH
            and r.roles & set(p.application_roles)
            and (r.purpose_ref is None or r.purpose_ref not in applications)
        ):
            by[(str(r.user_id), r.local.date())].append(r)
    flags = []
    for (user, day), qs in sorted(by.items()):
        missing = sum(1 for q in qs if q.purpose_ref is None)
        unknown = sorted({q.purpose_ref for q in qs if q.purpose_ref})
        entities = sorted({e for q in qs for e in q.entity_ids})
        flags.append(
            Flag(
                "audit.no_application",
                user,
                day.isoformat(),
                "medium",
                f"{user} 在 {day} 有 {len(qs)} 次查询未关联贷款申请（无事由 {missing} 次；事由编号未见于任何贷前检查："
                f"{', '.join(unknown[:5]) or '无'}）。",
                f"{user} made {len(qs)} queries on {day} tied to no application ({missing} without a purpose "
                f"reference; references never seen in a pre-loan check: {', '.join(unknown[:5]) or 'none'}).",
                {
                    "queries": len(qs),
                    "without_reference": missing,
                    "unknown_references": unknown[:MAX_EVIDENCE],
                    "entity_ids": entities[:MAX_EVIDENCE],
                    "seq": _seqs(qs),
                },
            )
        )
    return flags


def dormant_reactivated(
    rows: list[Req],
    since: datetime,
    until: datetime,
    p: MonitorParams,
    created_at: dict[str, datetime] | None = None,
) -> list[Flag]:
    created_at = created_at or {}
    first_in_window: dict[str, Req] = {}
    for r in _in_window(rows, since, until):
        if r.is_data_query and r.user_id is not None and r.user_id not in first_in_window:
            first_in_window[r.user_id] = r
    latest_before: dict[str, datetime] = {}
    for r in rows:  # rows are in time order: the last data query before the first in-window one wins
        first = first_in_window.get(r.user_id) if r.user_id else None
        # only data queries count as use: a sign-in just before the query must not hide the dormancy
        if first is not None and r.user_id is not None and r.ts < first.ts and r.is_data_query:
            latest_before[r.user_id] = r.ts
    flags = []
    gap = timedelta(days=p.dormant_days)
    for user, first in sorted(first_in_window.items()):
        last = latest_before.get(user)
        if last is not None:
            silent = first.ts - last
            basis_zh, basis_en = f"上次使用 {last.date()}", f"last used {last.date()}"
        elif user in created_at:
            silent = first.ts - created_at[user]
            basis_zh, basis_en = (
                f"创建于 {created_at[user].date()} 后从未使用",
                f"never used since created {created_at[user].date()}",
            )
        else:
            continue  # no history in the log and no account record: cannot judge
        if silent >= gap:
            flags.append(
                Flag(
                    "audit.dormant_reactivated",
                    user,
                    first.local.date().isoformat(),
                    "medium",
                    f"休眠账户 {user} 沉寂 {silent.days} 天后（{basis_zh}）于 {first.local:%Y-%m-%d %H:%M} 重新查询。",
                    f"Dormant account {user} queried at {first.local:%Y-%m-%d %H:%M} after {silent.days} silent days "
                    f"({basis_en}).",
                    {
                        "silent_days": silent.days,
                        "dormant_days": p.dormant_days,
                        "first_seq": first.seq,
                        "last_activity": last.isoformat() if last else None,
                    },
                )
            )
    return flags


def denial_subject(r: Req) -> str:
    if r.user_id:
        return r.user_id
    m = _CLAIMED.search(r.note or "")
    if m:
        return m.group(1)
    return f"client:{r.client or '?'}"


def repeated_denials(rows: list[Req], since: datetime, until: datetime, p: MonitorParams) -> list[Flag]:
    by: dict[tuple[str, date], list[Req]] = defaultdict(list)
    for r in _in_window(rows, since, until):
        if r.outcome == "denied" or r.status in (401, 403):
            by[(denial_subject(r), r.local.date())].append(r)
    flags = []
    for (subject, day), qs in sorted(by.items()):
        if len(qs) < p.denied_threshold:
            continue
        paths: dict[str, int] = defaultdict(int)
        for q in qs:
            paths[q.path] += 1
        flags.append(
            Flag(
                "audit.repeated_denials",
                subject,
                day.isoformat(),
                "high" if len(qs) >= 3 * p.denied_threshold else "medium",
                f"{subject} 在 {day} 被拒绝 {len(qs)} 次（阈值 {p.denied_threshold}）。",
                f"{subject} was refused {len(qs)} times on {day} (threshold {p.denied_threshold}).",
                {
                    "denied": len(qs),
                    "threshold": p.denied_threshold,
                    "statuses": sorted({q.status for q in qs}),
                    "paths": dict(sorted(paths.items())),
                    "seq": _seqs(qs),
                },
            )
        )
    return flags


CHECKS = (
    "audit.volume_spike",
    "audit.off_hours",
    "audit.no_application",
    "audit.dormant_reactivated",
    "audit.repeated_denials",
)


def detect(
    records: Iterable[dict[str, Any]],
    *,
    since: datetime,
    until: datetime,
    params: MonitorParams,
    created_at: dict[str, datetime] | None = None,
) -> list[Flag]:
    """Every flag for requests in ``[since, until)`` (history before ``since`` is the baseline)."""
    rows = [r for r in parse_records(records, params.timezone) if r.ts < until]
    return [
        *volume_spikes(rows, since, until, params),
        *off_hours(rows, since, until, params),
        *no_application(rows, since, until, params),
        *dormant_reactivated(rows, since, until, params, created_at),
        *repeated_denials(rows, since, until, params),
    ]
