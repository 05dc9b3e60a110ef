"""The `riskgraph` command line: one entry point that wires the packages together."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from rich.table import Table

from riskgraph import neo4j_server
from riskgraph.console import cli_console
from riskgraph.settings import PROJECT_ROOT, get_settings

app = typer.Typer(
    help="riskgraph — 征信关系与风险关联图谱 / relationship and risk-linkage intelligence.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
console = cli_console()
EXPLORER_PORT = 8501
err_console = cli_console(stderr=True)


def _fail(message: str, code: int = 1) -> None:
    err_console.print(f"[bold red]错误 / Error:[/] {message}")
    raise typer.Exit(code)


def _db_app() -> typer.Typer:
    """`riskgraph db …`: the local Neo4j server and the schema (a factory like the other groups)."""
    db_app = typer.Typer(help="Run and prepare the Neo4j database.", no_args_is_help=True)

    @db_app.command("fetch")
    def db_fetch() -> None:
        """Resolve the Neo4j jars from Maven Central into var/ (done by `start` when needed)."""
        s = get_settings()
        try:
            with console.status(f"Resolving Neo4j {s.neo4j_version} from Maven Central…"):
                lib = neo4j_server.fetch_jars(s)
        except neo4j_server.ServerError as exc:
            _fail(str(exc))
        console.print(f"Neo4j {s.neo4j_version} jars in {lib}")

    @db_app.command("start")
    def db_start() -> None:
        """Start the local Neo4j and return once it answers on Bolt."""
        s = get_settings()
        try:
            with console.status("Starting Neo4j…") as st:
                result = neo4j_server.start(s, progress=lambda m: st.update(f"Starting Neo4j: {m}…"))
        except neo4j_server.ServerError as exc:
            _fail(str(exc))
        console.print(
            f"Neo4j {result.version} {result.edition or ''} {result.message} — {result.uri} (pid {result.pid}); "
            f"password in {s.password_file}"
        )

    @db_app.command("stop")
    def db_stop() -> None:
        """Stop the local Neo4j cleanly (SIGTERM, wait for shutdown)."""
        try:
            console.print(f"Neo4j: {neo4j_server.stop(get_settings())}")
        except neo4j_server.ServerError as exc:
            _fail(str(exc))

    @db_app.command("status")
    def db_status() -> None:
        """Report whether Neo4j answers on Bolt, and its version. Exit code 3 when not running."""
        st = neo4j_server.status(get_settings())
        table = Table(show_header=False)
        for k, v in (
            ("running", st.running),
            ("uri", st.uri),
            ("pid", st.pid),
            ("version", st.version),
            ("edition", st.edition),
            ("message", st.message),
        ):
            table.add_row(k, str(v))
        console.print(table)
        if not st.running:
            raise typer.Exit(3)

    @db_app.command("init")
    def db_init() -> None:
        """Create every constraint and index of the graph model (idempotent)."""
        from graph_model.constraints import apply_schema
        from riskgraph.graph import driver_from_settings

        try:
            driver = driver_from_settings()
        except Exception as exc:  # noqa: BLE001 — any connection failure is reported the same way
            _fail(f"无法连接 Neo4j。/ Cannot connect to Neo4j at {get_settings().bolt_uri}: {exc}")
        with driver:
            stmts = apply_schema(driver, get_settings().neo4j_database)
        console.print(f"Schema applied: {len(stmts)} constraints and indexes present.")

    @db_app.command("schema-doc")
    def db_schema_doc(
        out: Path = typer.Option(PROJECT_ROOT / "docs" / "graph-model.md", help="where to write"),
    ) -> None:
        """Regenerate docs/graph-model.md from graph_model/schema.py."""
        from graph_model.docs import render_markdown

        out.write_text(render_markdown(), encoding="utf-8")
        console.print(f"wrote {out}")

    return db_app


app.add_typer(_db_app(), name="db")


@app.command("ingest")
def ingest(
    paths: list[Path] = typer.Argument(..., help="files (companies.csv …) or folders of files named by kind"),
    source: list[str] = typer.Option(
        ..., "--source", help="source system name; with --bulk, one per PATH allowed"
    ),
    rejects: Path | None = typer.Option(None, "--rejects", help="rejects CSV (default rejects-<batch>.csv)"),
    chunk_size: int = typer.Option(10_000, "--chunk-size", help="rows per transaction"),
    bulk: bool = typer.Option(
        False, "--bulk", help="first load into an EMPTY local database via neo4j-admin import"
    ),
    resolver: str = typer.Option("er", "--resolver", help="er (entity resolution, default) or strong-key"),
    mapping: Path | None = typer.Option(None, "--mapping", help="the source's mapping file (YAML)"),
    encoding: str | None = typer.Option(None, "--encoding", help="force an encoding, e.g. big5 or gb18030"),
    decimal_comma: bool = typer.Option(False, "--decimal-comma", help="amounts written 1.234,50"),
    dry_run: bool = typer.Option(False, "--dry-run", help="read, check and report; write nothing"),
    full: bool = typer.Option(
        False,
        "--full",
        help="re-resolve every loaded record and retrain (default: only what the batch affects)",
    ),
) -> None:
    """Read, validate, resolve and load source files into the graph (see docs/data-interface.md)."""
    from ingest.cli import run_bulk_command, run_ingest_command
    from riskgraph.graph import driver_from_settings

    s = get_settings()
    if not bulk or dry_run:
        if len(source) != 1:
            _fail("请只给一个 --source。/ Give exactly one --source (several only with --bulk).")
        if resolver not in ("er", "strong-key"):
            _fail(f"未知的解析器 / unknown --resolver {resolver!r}: use 'er' or 'strong-key'.")
        raise typer.Exit(
            run_ingest_command(
                console,
                driver_from_settings,
                paths,
                source[0],
                rejects,
                s.neo4j_database,
                chunk_size,
                resolver,
                mapping=mapping,
                encoding=encoding,
                decimal_comma=decimal_comma,
                dry_run=dry_run,
                full=full,
                er_state_dir=s.var_dir / "er-state" / s.neo4j_database,
            )
        )
    if s.uses_external_server:
        _fail(
            "--bulk 需要本地服务器（未设置 NEO4J_URI）。/ --bulk needs the local server (NEO4J_URI is set)."
        )
    from ingest.bulk import AdminTool

    admin = AdminTool(
        s.java_bin,
        str(neo4j_server.fetch_jars(s) / "*"),
        neo4j_server.ADMIN_ENTRY_POINT,
        neo4j_server._env(s),
        s.server_home,
        s.neo4j_heap,
    )
    raise typer.Exit(
        run_bulk_command(
            console,
            admin,
            lambda: neo4j_server.stop(s),
            lambda: neo4j_server.start(s),
            driver_from_settings,
            paths,
            source,
            rejects,
            s.neo4j_database,
            mapping=mapping,
            encoding=encoding,
            decimal_comma=decimal_comma,
        )
    )


def _rules_app() -> typer.Typer:
    from risk_rules.cli import make_rules_app
    from riskgraph.graph import driver_from_settings

    return make_rules_app(
        open_driver=driver_from_settings,
        database=lambda: get_settings().neo4j_database,
        config_path=lambda: get_settings().rules_config,
        today=lambda: get_settings().rules_today or dt.date.today(),
        console=console,
        fail=_fail,
    )


app.add_typer(_rules_app(), name="rules")


@app.command("serve")
def serve(
    with_explorer: bool = typer.Option(False, "--with-explorer", help="also start the Streamlit explorer"),
    host: str | None = typer.Option(None, help="bind address (default: settings api_host)"),
    port: int | None = typer.Option(None, help="port (default: settings api_port)"),
    explorer_port: int = typer.Option(
        EXPLORER_PORT, "--explorer-port", help="port of the explorer (--with-explorer)"
    ),
    workers: int | None = typer.Option(
        None,
        "--workers",
        min=0,
        help="API worker processes (default: settings api_workers; 0 = one per CPU core, at most 4)",
    ),
) -> None:
    """Serve the HTTP API (FastAPI under uvicorn) until Ctrl-C / SIGTERM.

    ``--workers N`` runs N worker processes on one port; each has its own Neo4j driver and writes its
    own chain of the audit trail (`riskgraph audit check` verifies them together). The explorer, when
    asked for, is started here, in the composition root: the API never imports it, and it talks to
    the API over HTTP only."""
    import uvicorn

    from riskgraph.asgi import resolve_workers

    s = get_settings()
    n_workers = resolve_workers(s.api_workers if workers is None else workers)
    bind_host, bind_port = host or s.api_host, port or s.api_port
    api_url = f"http://{bind_host}:{bind_port}"
    explorer = None
    if with_explorer:
        from explorer import launcher

        explorer = launcher.start(explorer_port, api_url)
        console.print(f"explorer: http://127.0.0.1:{explorer_port} (pid {explorer.pid}) → API {api_url}")
    try:
        console.print(f"API: {api_url} ({n_workers} worker process{'es' if n_workers > 1 else ''})")
        uvicorn.run(
            "riskgraph.asgi:create_app",
            factory=True,
            host=bind_host,
            port=bind_port,
            workers=n_workers,
            timeout_graceful_shutdown=10,
            log_level="info",
            access_log=False,
        )
    finally:
        if explorer is not None:
            explorer.terminate()
            explorer.wait(timeout=10)


@app.command("explore")
def explore(
    port: int = typer.Option(EXPLORER_PORT, help="port of the explorer"),
    address: str = typer.Option("127.0.0.1", help="bind address"),
    api_url: str | None = typer.Option(
        None, help="riskgraph API base URL (default: settings api_host/api_port)"
    ),
) -> None:
    """Run the Streamlit explorer (a client of the API; sign in with an API key) until Ctrl-C."""
    from explorer.launcher import run_foreground

    s = get_settings()
    url = api_url or f"http://{s.api_host}:{s.api_port}"
    console.print(f"explorer: http://{address}:{port}  (API {url})")
    raise typer.Exit(run_foreground(port, url, address))


def _users_app() -> typer.Typer:
    from api.cli import make_users_app

    return make_users_app(settings=get_settings, console=console)


def _audit_app() -> typer.Typer:
    from api.cli import make_audit_app

    return make_audit_app(settings=get_settings, console=console)


def _simulate_app() -> typer.Typer:
    from api.cli import make_simulate_app

    return make_simulate_app(settings=get_settings, console=console)


app.add_typer(_users_app(), name="users")
app.add_typer(_audit_app(), name="audit")
app.add_typer(_simulate_app(), name="simulate")


@app.command("demo")
def demo(
    serve: bool = typer.Option(True, help="serve the API and explorer at the end (blocks until Ctrl-C)"),
    scale: str = typer.Option("xs", help="size of the generated sample data"),
    explorer_port: int = typer.Option(EXPLORER_PORT, "--explorer-port", help="port of the explorer"),
) -> None:
    """Set everything up on sample data: Neo4j, schema, data, rule jobs, API and explorer.

    Ctrl-C stops what the demo started, Neo4j included; with --no-serve Neo4j is left running."""
    from riskgraph.demo import run_demo

    raise typer.Exit(run_demo(console, app, serve=serve, scale=scale, explorer_port=explorer_port))


@app.command("resolve")
def resolve_cmd(
    files: list[Path] = typer.Argument(..., help="CSV / JSONL / XLSX files of records"),
    spec: Path = typer.Option(
        ..., "--spec", help="resolution spec YAML (or company_cn / person_cn / person_latin)"
    ),
    out: Path = typer.Option(
        ..., "--out", help="output folder (entities.csv, pairs.csv, review_queue.csv, state/)"
    ),
    prior: Path | None = typer.Option(
        None, "--prior", help="state/ folder of an earlier run (stable ids, incremental)"
    ),
) -> None:
    """Entity resolution on files, without the database (see docs/entity-resolution.md)."""
    from entity_resolution.cli_support import resolve_files
    from ingest.er_resolver import read_record_table

    try:
        summary = resolve_files(files, spec, out, prior_dir=prior, read=read_record_table)
    except (OSError, ValueError, KeyError) as exc:
        _fail(f"实体解析失败 / entity resolution failed: {exc}")
    console.print(
        f"{summary.records} records → {summary.entities} entities; {summary.pairs} scored pairs, "
        f"{summary.review} to review; written to {summary.out_dir}"
    )


@app.command("generate")
def generate_cmd(
    out: Path = typer.Argument(..., help="output folder (one sub-folder per source system + ground_truth/)"),
    scale: str = typer.Option("xs", "--scale", help="xs ≈ 1k, s ≈ 10k, m ≈ 100k, l ≈ 1M companies"),
    seed: int = typer.Option(7, "--seed", help="same seed → byte-identical files"),
    fmt: str = typer.Option("csv", "--format", help="csv, jsonl or xlsx"),
    single_source: str | None = typer.Option(
        None, "--single-source", help="write every system into OUT itself as one source of this name"
    ),
) -> None:
    """Synthetic Chinese credit data with ground truth (see ingest/generator/README.md)."""
    from ingest.generator.generate import generate

    try:
        result = generate(out, scale=scale, seed=seed, fmt=fmt, single_source=single_source)
    except (OSError, ValueError) as exc:
        _fail(f"生成失败 / generation failed: {exc}")
    rows = sum(sum(v.values()) for v in result.source_rows.values())
    console.print(
        f"{result.companies} companies, {result.persons} persons, {rows} source rows → {result.out} "
        f"({sum(result.seconds.values()):.1f} s)"
    )


if __name__ == "__main__":
    app()
