"""`riskgraph users …` and `riskgraph audit …`, built by factories the composition root calls.

Like :func:`risk_rules.cli.make_rules_app`, the factories take a callable for the settings so this
package never imports ``riskgraph``; the commands only parse options and call
:mod:`api.services.operator`, which runs the same account service the API uses and audits the action.
Heavy imports happen inside the commands so `riskgraph --help` stays fast.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import typer
from rich.console import Console

from api.settings import ApiSettings


def make_users_app(*, settings: Callable[[], ApiSettings], console: Console) -> typer.Typer:
    app = typer.Typer(help="API users and keys.", no_args_is_help=True)

    @app.command("demo")
    def users_demo() -> None:
        """Create a demo API key for every role and print them (also saved to var/api/demo-keys.json)."""
        from api.services import operator

        raise typer.Exit(operator.demo_users(settings(), console))

    @app.command("create")
    def users_create(
        user_id: str = typer.Argument(..., help="login name"),
        name: str = typer.Option("", "--name", help="display name"),
        branch: str | None = typer.Option(None, "--branch", help="bank branch (default: the head office)"),
        role: list[str] = typer.Option(
            ..., "--role", help="approver/examiner/supervisor/auditor/admin/service (repeat)"
        ),
        pii: bool = typer.Option(False, "--pii", help="may see unmasked resident IDs and phone numbers"),
        service: bool = typer.Option(False, "--service", help="service account: an API key, no password"),
        key: bool = typer.Option(False, "--key", help="also issue an API key"),
    ) -> None:
        """Create a user; prints a temporary password (to change at first sign-in) and/or a key, once."""
        from api.services import operator

        raise typer.Exit(
            operator.create(
                settings(),
                console,
                user_id=user_id,
                name=name,
                branch=branch,
                roles=role,
                pii=pii,
                service=service,
                with_key=key,
            )
        )

    @app.command("list")
    def users_list(branch: str | None = typer.Option(None, "--branch", help="only this branch")) -> None:
        """List users with their lock, password and key state."""
        from api.services import operator

        raise typer.Exit(operator.list_users(settings(), console, branch=branch))

    @app.command("lock")
    def users_lock(user_id: str, reason: str = typer.Option("administrator", "--reason")) -> None:
        """Lock an account: no sign-in, its keys and sessions stop."""
        from api.services import operator

        raise typer.Exit(operator.lock(settings(), console, user_id, reason))

    @app.command("unlock")
    def users_unlock(user_id: str) -> None:
        """Unlock an account and reset its failed sign-in count."""
        from api.services import operator

        raise typer.Exit(operator.unlock(settings(), console, user_id))

    @app.command("reset-password")
    def users_reset_password(user_id: str) -> None:
        """Set a new temporary password (printed once) that must be changed at the next sign-in."""
        from api.services import operator

        raise typer.Exit(operator.reset_password(settings(), console, user_id))

    @app.command("issue-key")
    def users_issue_key(
        user_id: str,
        scope: list[str] = typer.Option([], "--scope", help="subset of the user's roles (+pii); default all"),
        label: str = typer.Option("api", "--label"),
        ttl_days: int | None = typer.Option(
            None, "--ttl-days", help="default api_key_ttl_days (also the maximum)"
        ),
    ) -> None:
        """Issue an API key to a user (printed once)."""
        from api.services import operator

        raise typer.Exit(operator.issue_key(settings(), console, user_id, scope, label, ttl_days))

    @app.command("rotate-key")
    def users_rotate_key(
        key_id: str,
        grace_hours: float | None = typer.Option(
            None, "--grace-hours", help="default gov_key_rotation_grace_h"
        ),
    ) -> None:
        """Replace a key by a new one (printed once); the old key expires after the grace period."""
        from api.services import operator

        raise typer.Exit(operator.rotate_key(settings(), console, key_id, grace_hours))

    @app.command("revoke-key")
    def users_revoke_key(key_id: str) -> None:
        """Revoke a key at once."""
        from api.services import operator

        raise typer.Exit(operator.revoke_key(settings(), console, key_id))

    return app


def make_audit_app(*, settings: Callable[[], ApiSettings], console: Console) -> typer.Typer:
    app = typer.Typer(help="The audit log: abnormal-use monitoring.", no_args_is_help=True)

    @app.command("check")
    def audit_check(
        hours: float | None = typer.Option(
            None, "--hours", help="window to judge (default gov_monitor_window_h)"
        ),
        until: datetime | None = typer.Option(None, "--until", help="end of the window (default now, UTC)"),
        dry_run: bool = typer.Option(False, "--dry-run", help="report only; write no flags, freeze nobody"),
        freeze: bool | None = typer.Option(None, "--freeze/--no-freeze", help="override gov_auto_freeze"),
    ) -> None:
        """Verify the hash chain and flag abnormal use (spikes, off-hours, no application, dormant, denials)."""
        from api.services import operator

        if until is not None and until.tzinfo is None:
            until = until.replace(tzinfo=UTC)
        raise typer.Exit(
            operator.audit_check(
                settings(), console, hours=hours, until=until, dry_run=dry_run, freeze=freeze
            )
        )

    return app


def make_simulate_app(*, settings: Callable[[], ApiSettings], console: Console) -> typer.Typer:
    app = typer.Typer(
        help="What-if simulations (the same computation as POST /v1/simulations).", no_args_is_help=True
    )

    @app.command("default")
    def simulate_default(
        entity_ids: list[str] = typer.Argument(..., help="entities assumed to default"),
        max_rounds: int | None = typer.Option(
            None, "--max-rounds", help="rounds at most (capped by the setting)"
        ),
        as_json: bool = typer.Option(False, "--json", help="the API's JSON answer"),
    ) -> None:
        """Default cascade (DebtRank): distressed entities, loans at risk, the bank's exposure at risk."""
        from api.services import operator

        raise typer.Exit(
            operator.simulate_default(settings(), console, entity_ids, max_rounds=max_rounds, as_json=as_json)
        )

    return app
