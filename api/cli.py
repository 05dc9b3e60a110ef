"""What `riskgraph serve` and `riskgraph users …` do (registered in riskgraph/cli.py)."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from api.audit.log import AuditLog, AuditLogError
from api.repositories.keys import create_key_sync
from api.security.keys import load_or_create_pepper
from api.security.roles import PII_SCOPE, ROLES
from riskgraph.settings import Settings


def serve(
    settings: Settings,
    console: Console,
    *,
    host: str | None,
    port: int | None,
    with_explorer: bool,
    explorer_port: int = 8501,
) -> int:
    """Run the API under uvicorn (one process: the audit log is single-writer) until SIGINT/SIGTERM."""
    import uvicorn

    from api.app import create_app

    explorer = None
    api_url = f"http://{host or settings.api_host}:{port or settings.api_port}"
    if with_explorer:
        try:
            # only this CLI helper starts the explorer; the API itself never imports it
            from explorer import launcher
        except ImportError:
            console.print(
                "[yellow]探索界面尚未构建，仅启动 API。/ The explorer is not built yet; serving the API only.[/]"
            )
        else:
            explorer = launcher.start(explorer_port, api_url)
            console.print(f"explorer: http://127.0.0.1:{explorer_port} (pid {explorer.pid}) → API {api_url}")
    try:
        uvicorn.run(
            create_app(settings),
            host=host or settings.api_host,
            port=port or settings.api_port,
            workers=1,
            timeout_graceful_shutdown=10,
            log_level="info",
            access_log=False,
        )
    finally:
        if explorer is not None:
            explorer.terminate()
            explorer.wait(timeout=10)
    return 0


def demo_users(settings: Settings, driver, console: Console) -> int:
    """Issue one demo key per role (plus an examiner with pii), print them, save them for the explorer."""
    pepper = load_or_create_pepper(settings.api_key_pepper, settings.api_dir)
    issued: dict[str, dict[str, object]] = {}
    for role in (*ROLES, "examiner+pii"):
        scopes = ["examiner", PII_SCOPE] if role == "examiner+pii" else [role]
        key_id, key = create_key_sync(
            driver,
            settings.neo4j_database,
            pepper,
            user_id=f"demo-{role.replace('+', '-')}",
            name=f"demo {role}",
            scopes=scopes,
            label="demo",
            ttl_days=settings.api_key_ttl_days,
        )
        issued[role] = {"key_id": key_id, "key": key, "scopes": scopes}
    out = settings.api_dir / "demo-keys.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(issued, fh, ensure_ascii=False, indent=2)
    _audit_cli(
        settings.audit_log_path,
        console,
        {"action": "users demo", "key_ids": sorted(str(v["key_id"]) for v in issued.values())},
    )
    console.print(f"demo API keys — shown once, also saved to {out} (mode 600):")
    for role, v in issued.items():
        # plain print: a rich table would truncate the keys on narrow terminals
        print(f"  {role:<14} {','.join(v['scopes']):<14} {v['key']}")  # type: ignore[arg-type]
    return 0


def _audit_cli(path: Path, console: Console, extra: dict[str, object]) -> None:
    log = AuditLog(path)
    try:
        log.open()
    except AuditLogError as exc:
        console.print(f"[yellow]{exc}[/]")
        return
    try:
        log.append_sync(
            {"kind": "cli", "ts": datetime.now(UTC).isoformat(), "user_id": os.environ.get("USER"), **extra}
        )
    finally:
        log.close()
