"""Run Neo4j Community from its Maven Central jars, without Docker.

The server's own entry point (``org.neo4j.server.CommunityEntryPoint``) runs in console mode on a
classpath of the jars Maven resolved, with the JVM flags Neo4j needs on Java 17. One folder holds
everything of one server (conf, data, logs, pid, generated password), so tests can run an isolated
server beside the demo one just by choosing another folder and port.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import string
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from neo4j import GraphDatabase
from neo4j.exceptions import AuthError, ServiceUnavailable

from riskgraph.settings import PROJECT_ROOT, Settings

if TYPE_CHECKING:
    from ingest.bulk import AdminTool

ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
ADMIN_ENTRY_POINT = "org.neo4j.server.startup.Neo4jAdminCommand"
POM = PROJECT_ROOT / "db" / "pom.xml"
JVM_FLAGS = [
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-XX:+UseG1GC",
    "-XX:+ExitOnOutOfMemoryError",
    "-Dfile.encoding=UTF-8",
]


class ServerError(RuntimeError):
    """A problem with the local server that the user must act on; the message says what to do."""


@dataclass(frozen=True)
class ServerStatus:
    running: bool
    pid: int | None
    uri: str
    version: str | None
    edition: str | None
    message: str


def check_prerequisites(settings: Settings) -> None:
    """Fail early, in plain words, when Java 17+ or Maven is missing."""
    java = shutil.which(settings.java_bin)
    if not java:
        raise ServerError(
            "未找到 Java（需要 17 及以上）。/ Java 17+ not found: install a JDK 17 (e.g. apt-get install openjdk-17-jdk-headless)."
        )
    out = subprocess.run([java, "-version"], capture_output=True, text=True).stderr
    major = _java_major(out)
    if major is not None and major < 17:
        raise ServerError(f"Java 版本过低：{major}。/ Java {major} found; Neo4j 5.26 needs Java 17 or newer.")
    if not shutil.which(settings.maven_bin):
        raise ServerError(
            "未找到 Maven。/ Maven not found: install it (apt-get install maven) to fetch the Neo4j jars."
        )


def _java_major(version_text: str) -> int | None:
    for token in version_text.replace('"', " ").split():
        head = token.split(".")[0]
        if head.isdigit() and "." in token:
            major = int(head)
            return int(token.split(".")[1]) if major == 1 else major
    return None


def fetch_jars(settings: Settings) -> Path:
    """Resolve Neo4j and its dependencies from Maven Central into the git-ignored jars folder."""
    lib = settings.jars_dir
    marker = lib / ".complete"
    if marker.exists():
        return lib
    check_prerequisites(settings)
    lib.mkdir(parents=True, exist_ok=True)
    cmd = [
        settings.maven_bin,
        "-q",
        "-B",
        "-f",
        str(POM),
        f"-Dneo4j.version={settings.neo4j_version}",
        "dependency:copy-dependencies",
        f"-DoutputDirectory={lib}",
        "-DincludeScope=runtime",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0 or not (lib / f"neo4j-{settings.neo4j_version}.jar").exists():
        tail = (proc.stdout + proc.stderr)[-3000:]
        raise ServerError(
            f"无法从 Maven Central 获取 Neo4j {settings.neo4j_version}。/ "
            f"Could not resolve Neo4j {settings.neo4j_version} from Maven Central:\n{tail}"
        )
    marker.write_text(settings.neo4j_version)
    return lib


def _classpath(settings: Settings) -> str:
    return str(fetch_jars(settings) / "*")


def _paths(settings: Settings) -> dict[str, Path]:
    home = settings.server_home
    return {
        "home": home,
        "conf": home / "conf",
        "data": home / "data",
        "logs": home / "logs",
        "run": home / "run",
        "pid": home / "run" / "neo4j.pid",
        "console": home / "logs" / "console.log",
    }


def write_config(settings: Settings) -> Path:
    """(Re)write neo4j.conf from the settings, so host, port and memory always match them."""
    p = _paths(settings)
    for key in ("conf", "data", "logs", "run"):
        p[key].mkdir(parents=True, exist_ok=True)
    conf = p["conf"] / "neo4j.conf"
    conf.write_text(
        "\n".join(
            [
                "# Written by riskgraph from its settings; edits here are overwritten on start.",
                f"server.default_listen_address={settings.neo4j_host}",
                f"server.bolt.listen_address={settings.neo4j_host}:{settings.neo4j_bolt_port}",
                f"server.bolt.advertised_address={settings.neo4j_host}:{settings.neo4j_bolt_port}",
                "server.http.enabled=false",
                "server.https.enabled=false",
                "dbms.security.auth_enabled=true",
                "dbms.usage_report.enabled=false",
                f"server.memory.pagecache.size={settings.neo4j_pagecache}",
                f"server.directories.data={p['data']}",
                f"server.directories.logs={p['logs']}",
                f"server.directories.run={p['run']}",
                f"server.directories.import={p['home'] / 'import'}",
                f"server.directories.plugins={p['home'] / 'plugins'}",
                "db.tx_log.rotation.retention_policy=2 days 1G",
                "server.threads.worker_count=16",
                "",
            ]
        ),
        encoding="utf-8",
    )
    return conf


def _env(settings: Settings) -> dict[str, str]:
    p = _paths(settings)
    return {**os.environ, "NEO4J_HOME": str(p["home"]), "NEO4J_CONF": str(p["conf"])}


def admin_tool(settings: Settings, heap: str = "2g") -> AdminTool:
    """How to run ``neo4j-admin`` against this server's folder: the one place that knows it.

    Everything that calls neo4j-admin (the initial password here, ``ingest --bulk``, the bulk
    benchmarks and tests) takes its java, classpath, entry point, environment and working folder
    from this, so they cannot drift apart.
    """
    from ingest.bulk import AdminTool

    return AdminTool(
        java=settings.java_bin,
        classpath=_classpath(settings),
        entry_point=ADMIN_ENTRY_POINT,
        env=_env(settings),
        cwd=settings.server_home,
        heap=heap,
    )


_PASSWORD_ALPHABET = string.ascii_letters + string.digits


def new_password(length: int = 32) -> str:
    """A random password of letters and digits only.

    It goes to neo4j-admin as a command-line argument: a URL-safe token starting with ``-``
    (one in 64) is read as an option and the set-up fails, which once broke CI.
    """
    return "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(length))


def ensure_password(settings: Settings) -> str:
    """Generate the initial password once, store it readable only by its owner, and register it."""
    pw_file = settings.password_file
    if pw_file.exists():
        return pw_file.read_text(encoding="utf-8").strip()
    if (_paths(settings)["data"] / "dbms").exists():
        raise ServerError(
            f"数据目录已初始化但缺少密码文件。/ The data folder {settings.server_home} was initialised "
            f"but its password file {pw_file} is missing; restore it or remove the folder."
        )
    password = new_password()
    admin = admin_tool(settings)
    proc = subprocess.run(
        [admin.java, "-cp", admin.classpath, admin.entry_point, "dbms", "set-initial-password", password],
        capture_output=True,
        text=True,
        env=admin.env,
        cwd=admin.cwd,
    )
    if proc.returncode != 0:
        raise ServerError(
            f"设置初始密码失败。/ Setting the initial password failed:\n{proc.stdout}{proc.stderr}"
        )
    pw_file.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(pw_file.parent, 0o700)
    fd = os.open(pw_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(password + "\n")
    return password


def read_pid(settings: Settings) -> int | None:
    pid_file = _paths(settings)["pid"]
    if not pid_file.exists():
        return None
    try:
        pid = int(pid_file.read_text().strip())
    except ValueError:
        return None
    return pid if _is_our_java(pid, settings) else None


def _is_our_java(pid: int, settings: Settings) -> bool:
    """True when pid is alive and is the Neo4j of this home (guards against a recycled pid)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return True
    return ENTRY_POINT in cmdline and f"--home-dir={settings.server_home}" in cmdline


def _port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def bolt_answers(uri: str, user: str, password: str) -> str | None:
    """The server version if Bolt answers `RETURN 1` with these credentials, else None."""
    try:
        with GraphDatabase.driver(uri, auth=(user, password), connection_timeout=2.0) as driver:
            with driver.session() as session:
                session.run("RETURN 1").consume()
                rec = session.run(
                    "CALL dbms.components() YIELD versions, edition RETURN versions[0] AS v, edition"
                ).single()
                return f"{rec['v']} {rec['edition']}" if rec else None
    except (ServiceUnavailable, OSError):
        return None


def log_tail(settings: Settings, lines: int = 40) -> str:
    p = _paths(settings)
    chunks = []
    for f in (p["console"], p["logs"] / "debug.log"):
        if f.exists():
            text = f.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
            chunks.append(f"--- {f} ---\n" + "\n".join(text))
    return "\n".join(chunks) or "(no server log yet)"


def start(settings: Settings, progress: Callable[[str], None] = lambda _m: None) -> ServerStatus:
    """Start the local server and return once Bolt answers; a running server is reported, not restarted."""
    if settings.uses_external_server:
        raise ServerError(
            f"已设置 NEO4J_URI（{settings.neo4j_uri}），riskgraph 不管理该服务器。/ NEO4J_URI is set "
            f"({settings.neo4j_uri}); riskgraph does not start or stop that server."
        )
    existing = read_pid(settings)
    if existing:
        st = status(settings)
        return ServerStatus(
            True, existing, st.uri, st.version, st.edition, f"already running (pid {existing})"
        )
    if _port_in_use(settings.neo4j_host, settings.neo4j_bolt_port):
        raise ServerError(
            f"端口 {settings.neo4j_bolt_port} 已被占用。/ Port {settings.neo4j_bolt_port} on {settings.neo4j_host} "
            "is in use by another process; set RISKGRAPH_NEO4J_BOLT_PORT to a free port."
        )
    progress("fetching Neo4j jars from Maven Central")
    classpath = _classpath(settings)
    write_config(settings)
    progress("preparing credentials")
    password = ensure_password(settings)
    p = _paths(settings)
    cmd = [
        settings.java_bin,
        f"-Xms{settings.neo4j_heap}",
        f"-Xmx{settings.neo4j_heap}",
        *JVM_FLAGS,
        "-cp",
        classpath,
        ENTRY_POINT,
        f"--home-dir={p['home']}",
        f"--config-dir={p['conf']}",
        "--console-mode",
    ]
    progress("starting the server")
    with open(p["console"], "ab") as console:
        proc = subprocess.Popen(
            cmd,
            stdout=console,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=_env(settings),
            cwd=p["home"],
            start_new_session=True,
        )
    p["pid"].write_text(str(proc.pid))
    deadline = time.monotonic() + settings.neo4j_start_timeout_s
    progress("waiting for Bolt")
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            p["pid"].unlink(missing_ok=True)
            raise ServerError(
                f"Neo4j 启动失败（退出码 {proc.returncode}）。/ Neo4j exited during start-up "
                f"(code {proc.returncode}).\n{log_tail(settings)}"
            )
        version = bolt_answers(settings.bolt_uri, settings.neo4j_user, password)
        if version:
            number, _, edition = version.partition(" ")
            return ServerStatus(True, proc.pid, settings.bolt_uri, number, edition, "started")
        time.sleep(0.5)
    _terminate(proc.pid, settings)
    p["pid"].unlink(missing_ok=True)
    raise ServerError(
        f"Neo4j 未在 {settings.neo4j_start_timeout_s:.0f} 秒内就绪。/ Neo4j did not answer on Bolt within "
        f"{settings.neo4j_start_timeout_s:.0f} s.\n{log_tail(settings)}"
    )


def _terminate(pid: int, settings: Settings) -> bool:
    """SIGTERM and wait for a clean shutdown; SIGKILL only as a last resort. True when it stopped cleanly."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return True
    deadline = time.monotonic() + settings.neo4j_stop_timeout_s
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.2)
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    return False


def _alive(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
        return state != "Z"
    except OSError:
        return False


def stop(settings: Settings) -> str:
    if settings.uses_external_server:
        raise ServerError(
            "已设置 NEO4J_URI，riskgraph 不管理该服务器。/ NEO4J_URI is set; riskgraph does not stop that server."
        )
    pid = read_pid(settings)
    pid_file = _paths(settings)["pid"]
    if not pid:
        pid_file.unlink(missing_ok=True)
        return "not running"
    clean = _terminate(pid, settings)
    pid_file.unlink(missing_ok=True)
    return (
        f"stopped (pid {pid})"
        if clean
        else f"killed after {settings.neo4j_stop_timeout_s:.0f} s without a clean shutdown (pid {pid})"
    )


def status(settings: Settings) -> ServerStatus:
    uri = settings.bolt_uri
    pid = None if settings.uses_external_server else read_pid(settings)
    try:
        password = settings.resolved_password()
    except RuntimeError as exc:
        return ServerStatus(False, pid, uri, None, None, str(exc))
    try:
        version = bolt_answers(uri, settings.neo4j_user, password)
    except AuthError as exc:
        return ServerStatus(False, pid, uri, None, None, f"authentication refused: {exc.message}")
    if version:
        v, edition = version.split(" ", 1)
        return ServerStatus(True, pid, uri, v, edition, "running")
    if pid:
        return ServerStatus(
            False, pid, uri, None, None, "process alive but Bolt does not answer (starting or stuck)"
        )
    return ServerStatus(False, None, uri, None, None, "not running")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
