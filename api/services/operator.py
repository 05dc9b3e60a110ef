"""What the account and audit commands do (`riskgraph users …`, `riskgraph audit check`).

The command line is the server operator: it is not bound by the two-level administration rules (it
creates the first head-office administrator) but every action is audited as ``kind: cli`` through
:func:`api.services.cli_audit.record_cli_action` — also while the API runs. Secrets (temporary
passwords, keys) are printed once and never logged.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from rich.console import Console
from rich.table import Table

from api.audit.log import AuditLogError
from api.repositories.flags import FlagStore
from api.repositories.users import UserRepository
from api.security.keys import load_or_create_pepper
from api.security.roles import PII_SCOPE, ROLES
from api.services import accounts
from api.services.accounts import Config, GovernanceError
from api.services.audit_check import run_check
from api.services.cli_audit import record_cli_action
from api.services.monitoring import MonitorParams
from api.settings import ApiSettings
from graph_model.connection import open_async_driver

T = TypeVar("T")


def audit_cli(settings: ApiSettings, console: Console, extra: dict[str, Any]) -> None:
    """Audit one CLI action; say so when it could not be (the action itself has happened)."""
    try:
        where = record_cli_action(settings.audit_log_path, extra)
    except AuditLogError as exc:
        console.print(f"[yellow]{exc} 本次操作未写入审计日志。/ This action was not audited.[/]")
        return
    if where == "spool":
        console.print("审计记录已交给运行中的 API 写入。/ The running API chains this audit record.")


def run_store(settings: ApiSettings, fn: Callable[[UserRepository, Config], Awaitable[T]]) -> T:
    """Run one async store operation from the (synchronous) command line."""

    async def main() -> T:
        driver = open_async_driver(
            settings.bolt_uri,
            settings.neo4j_user,
            settings.resolved_password(),
            notifications_min_severity="OFF",
        )
        try:
            store = UserRepository(driver, settings.neo4j_database, settings.api_query_timeout_s)
            pepper = load_or_create_pepper(settings.api_key_pepper, settings.api_dir)
            return await fn(store, Config.from_settings(settings, pepper))
        finally:
            await driver.close()

    return asyncio.run(main())


def provision_service_key(
    settings: ApiSettings,
    *,
    user_id: str,
    name: str,
    scopes: list[str],
    label: str,
    ttl_days: int | None = None,
) -> tuple[str, str]:
    """A service account with ``scopes`` (created when absent) and a key issued through the checked
    path; returns (key_id, key). For demo keys and test or benchmark set-ups."""
    record, key = run_store(
        settings,
        lambda st, cfg: accounts.provision_service_account(
            st, cfg, user_id=user_id, name=name, scopes=scopes, label=label, ttl_days=ttl_days
        ),
    )
    return str(record["key_id"]), key


def demo_users(settings: ApiSettings, console: Console) -> int:
    """Issue one demo key per role (plus an examiner with pii), print them, save them for the explorer."""
    issued: dict[str, dict[str, Any]] = {}
    for role in (*ROLES, "examiner+pii"):
        scopes = ["examiner", PII_SCOPE] if role == "examiner+pii" else [role]
        try:
            key_id, key = provision_service_key(
                settings,
                user_id=f"demo-{role.replace('+', '-')}",
                name=f"demo {role}",
                scopes=scopes,
                label="demo",
            )
        except GovernanceError as exc:
            return _fail(console, exc)
        issued[role] = {"key_id": key_id, "key": key, "scopes": scopes}
    out = settings.api_dir / "demo-keys.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(issued, fh, ensure_ascii=False, indent=2)
    audit_cli(
        settings, console, {"action": "users demo", "key_ids": sorted(v["key_id"] for v in issued.values())}
    )
    console.print(f"demo API keys — shown once, also saved to {out} (mode 600):")
    for role, v in issued.items():
        # plain print: a rich table would truncate the keys on narrow terminals
        print(f"  {role:<14} {','.join(v['scopes']):<14} {v['key']}")
    return 0


def _fail(console: Console, exc: GovernanceError) -> int:
    console.print(f"[bold red]错误 / Error:[/] {exc.message}")
    return 1


def create(
    settings: ApiSettings,
    console: Console,
    *,
    user_id: str,
    name: str,
    branch: str | None,
    roles: list[str],
    pii: bool,
    service: bool,
    with_key: bool,
) -> int:
    async def op(store: UserRepository, cfg: Config):
        out = await accounts.create_user(
            store,
            cfg,
            None,
            user_id=user_id,
            name=name or user_id,
            branch=branch,
            roles=roles,
            pii=pii,
            interactive=not service,
        )
        key = None
        if with_key or service:
            key = await accounts.issue_key(store, cfg, None, user_id, label="cli")
        return out, key

    try:
        out, key = run_store(settings, op)
    except GovernanceError as exc:
        return _fail(console, exc)
    audit_cli(
        settings,
        console,
        {
            "action": "users create",
            "target": user_id,
            "roles": out["roles"],
            "branch": out["branch"],
            "key_id": key[0]["key_id"] if key else None,
        },
    )
    console.print(
        f"created {user_id} (branch {out['branch']}, roles {', '.join(out['roles'])}{', pii' if pii else ''})"
    )
    if out["temporary_password"]:
        console.print(
            f"temporary password (shown once; must be changed at first sign-in): "
            f"[bold]{out['temporary_password']}[/]"
        )
    if key:
        console.print(
            f"API key {key[0]['key_id']} (shown once, expires {key[0]['expires_at']}): [bold]{key[1]}[/]"
        )
    return 0


def list_users(settings: ApiSettings, console: Console, *, branch: str | None) -> int:
    async def op(store: UserRepository, cfg: Config):
        users = await store.list_users(branch)
        return [(accounts.admin_view(u, cfg), await store.keys_of(u["user_id"])) for u in users]

    rows = run_store(settings, op)
    table = Table(title=f"users{' of ' + branch if branch else ''}")
    for col in (
        "user",
        "name",
        "branch",
        "roles",
        "admin",
        "locked",
        "failed",
        "must change",
        "pw expired",
        "active keys",
    ):
        table.add_column(col)
    now = datetime.now(UTC).isoformat()
    for u, keys in rows:
        active = [k["key_id"] for k in keys if k["revoked_at"] is None and (k["expires_at"] or "9") > now]
        table.add_row(
            u["user_id"],
            u["name"] or "",
            u["branch"] or "",
            ",".join(u["roles"]) + (",pii" if u["pii"] else ""),
            u["admin_level"] or "",
            "yes" if u["locked"] else "",
            str(u["failed_logins"] or ""),
            "yes" if u["must_change_password"] else "",
            "yes" if u["password_expired"] else "",
            ", ".join(active),
        )
    console.print(table)
    return 0


def lock(settings: ApiSettings, console: Console, user_id: str, reason: str) -> int:
    try:
        run_store(settings, lambda st, cfg: accounts.lock_user(st, cfg, None, user_id, reason))
    except GovernanceError as exc:
        return _fail(console, exc)
    audit_cli(settings, console, {"action": "users lock", "target": user_id, "reason": reason})
    console.print(f"{user_id} locked; a running API stops accepting its keys within api_auth_cache_s.")
    return 0


def unlock(settings: ApiSettings, console: Console, user_id: str) -> int:
    try:
        run_store(settings, lambda st, cfg: accounts.unlock_user(st, cfg, None, user_id))
    except GovernanceError as exc:
        return _fail(console, exc)
    audit_cli(settings, console, {"action": "users unlock", "target": user_id})
    console.print(f"{user_id} unlocked")
    return 0


def reset_password(settings: ApiSettings, console: Console, user_id: str) -> int:
    try:
        out = run_store(settings, lambda st, cfg: accounts.reset_password(st, cfg, None, user_id))
    except GovernanceError as exc:
        return _fail(console, exc)
    audit_cli(settings, console, {"action": "users reset-password", "target": user_id})
    console.print(
        f"temporary password for {user_id} (shown once; must be changed at next sign-in): "
        f"[bold]{out['temporary_password']}[/]"
    )
    return 0


def issue_key(
    settings: ApiSettings,
    console: Console,
    user_id: str,
    scopes: list[str] | None,
    label: str,
    ttl_days: int | None,
) -> int:
    try:
        record, key = run_store(
            settings,
            lambda st, cfg: accounts.issue_key(
                st, cfg, None, user_id, scopes=scopes or None, label=label, ttl_days=ttl_days
            ),
        )
    except GovernanceError as exc:
        return _fail(console, exc)
    audit_cli(settings, console, {"action": "users issue-key", "target": user_id, "key_id": record["key_id"]})
    console.print(
        f"API key {record['key_id']} ({', '.join(record['scopes'])}; expires {record['expires_at']}), "
        f"shown once: [bold]{key}[/]"
    )
    return 0


def rotate_key(settings: ApiSettings, console: Console, key_id: str, grace_hours: float | None) -> int:
    grace = timedelta(hours=grace_hours) if grace_hours is not None else None
    try:
        record, key, _ = run_store(
            settings, lambda st, cfg: accounts.rotate_key(st, cfg, None, key_id, grace=grace)
        )
    except GovernanceError as exc:
        return _fail(console, exc)
    audit_cli(
        settings, console, {"action": "users rotate-key", "key_id": key_id, "new_key_id": record["key_id"]}
    )
    g = grace_hours if grace_hours is not None else settings.gov_key_rotation_grace_h
    console.print(
        f"new key {record['key_id']} replaces {key_id} (old key works {g:g} h more), shown once: "
        f"[bold]{key}[/]"
    )
    return 0


def revoke_key(settings: ApiSettings, console: Console, key_id: str) -> int:
    try:
        run_store(settings, lambda st, cfg: accounts.revoke_key(st, cfg, None, key_id))
    except GovernanceError as exc:
        return _fail(console, exc)
    audit_cli(settings, console, {"action": "users revoke-key", "key_id": key_id})
    console.print(f"key {key_id} revoked")
    return 0


def audit_check(
    settings: ApiSettings,
    console: Console,
    *,
    hours: float | None,
    until: datetime | None,
    dry_run: bool,
    freeze: bool | None,
) -> int:
    """Verify the audit chain and flag abnormal use; exit 4 when the chain is broken."""

    async def main():
        driver = open_async_driver(
            settings.bolt_uri,
            settings.neo4j_user,
            settings.resolved_password(),
            notifications_min_severity="OFF",
        )
        try:
            return await run_check(
                FlagStore(driver, settings.neo4j_database),
                settings.audit_log_path,
                MonitorParams.from_settings(settings),
                until=until,
                window=timedelta(hours=hours if hours is not None else settings.gov_monitor_window_h),
                auto_freeze=settings.gov_auto_freeze if freeze is None else freeze,
                freeze_checks=tuple(settings.gov_freeze_checks),
                write=not dry_run,
            )
        finally:
            await driver.close()

    summary = asyncio.run(main())
    chain = "ok" if summary.chain_ok else f"[bold red]BROKEN: {summary.chain_problem}[/]"
    console.print(
        f"audit log {settings.audit_log_path}: {summary.records} request records in "
        f"{len(summary.chains)} chain(s), hash chain {chain}"
    )
    for c in summary.chains:
        state = "ok" if c["ok"] else f"[bold red]BROKEN: {c['reason']}[/]"
        console.print(f"  chain {c['chain']}: {c['records']} records, {state}")
    console.print(
        f"window {summary.since} … {summary.until}: {len(summary.flags)} flags"
        f"{'' if dry_run else f' ({summary.new_flags} new)'}"
        f"{', frozen: ' + ', '.join(summary.frozen) if summary.frozen else ''}"
    )
    if summary.flags:
        table = Table()
        for col in ("check", "user", "window", "severity", "explanation"):
            table.add_column(col)
        for f in summary.flags:
            table.add_row(f["check"], f["user_id"], f["window"], f["severity"], f["explanation_en"])
        console.print(table)
    if not dry_run:
        audit_cli(
            settings,
            console,
            {
                "action": "audit check",
                "flags": len(summary.flags),
                "new_flags": summary.new_flags,
                "frozen": summary.frozen,
                "chain_ok": summary.chain_ok,
            },
        )
    return 0 if summary.chain_ok else 4


def simulate_default(
    settings: ApiSettings, console: Console, entity_ids: list[str], *, max_rounds: int | None, as_json: bool
) -> int:
    """`riskgraph simulate default`: the API's simulation from the command line (audited as a CLI
    action); exit 2 on invalid input, 3 when the database is busy."""
    from api.errors import ApiError
    from api.models.simulations import DefaultSimulationRequest
    from api.repositories.simulations import SimulationRepository
    from api.services.simulation import SimulationBounds
    from api.services.simulation import simulate_default as run

    async def main():
        driver = open_async_driver(
            settings.bolt_uri,
            settings.neo4j_user,
            settings.resolved_password(),
            notifications_min_severity="OFF",
        )
        try:
            repo = SimulationRepository(driver, settings.neo4j_database, settings.api_query_timeout_s)
            req = DefaultSimulationRequest(entity_ids=entity_ids, max_rounds=max_rounds)
            return await run(repo, req, SimulationBounds.from_settings(settings))
        finally:
            await driver.close()

    try:
        res = asyncio.run(main())
    except ApiError as exc:
        console.print(f"[red]{exc.detail}[/]")
        return 3 if exc.status == 503 else 2
    audit_cli(settings, console, {"action": "simulate.default", "entity_ids": sorted(set(entity_ids))})
    if as_json:
        console.print_json(res.model_dump_json())
        return 0
    console.print(res.summary_zh)
    console.print(res.summary_en)
    table = Table("entity", "name", "h", "round", "open balance (元)", "path")
    for d in res.entities:
        path = (
            " → ".join(f"{n or i}" for i, n in zip(d.paths[0].nodes, d.paths[0].names, strict=True))
            if d.paths
            else ""
        )
        table.add_row(d.entity_id, d.name or "", f"{d.h:.3f}", str(d.round), f"{d.open_balance:,.2f}", path)
    console.print(table)
    return 0
