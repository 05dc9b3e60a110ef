"""Fixtures of the explorer tests: Debian's Chromium (installed on first use by the project's own script)."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from explorer.headless import CHROMIUM, Browser

ENSURE = Path(__file__).resolve().parents[2] / "bench" / "explorer" / "ensure_chromium.sh"


@pytest.fixture(scope="session")
def chromium_installed() -> str:
    """/usr/bin/chromium and a CJK font, installed by bench/explorer/ensure_chromium.sh when missing."""
    try:
        subprocess.run(["bash", str(ENSURE)], check=True, capture_output=True, text=True, timeout=900)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        pytest.skip(f"Debian chromium could not be installed by {ENSURE.name}: {str(detail).strip()[-300:]}")
    if not Path(CHROMIUM).exists() or not shutil.which("fc-list"):
        pytest.skip(f"{ENSURE.name} ran but {CHROMIUM} or fontconfig is still missing")
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium_installed: str) -> Iterator[Browser]:
    with Browser(chromium_installed) as b:
        yield b


# --- the real API on a free port, over the session's real Neo4j, with the API's sample graph -----

PEPPER = "explorer-test-pepper"
APP = Path(__file__).resolve().parents[2] / "explorer" / "app.py"


@dataclass(frozen=True)
class LiveApi:
    url: str
    keys: dict[str, str]
    audit_log: Path

    def creds(self, who: str, purpose: str = "EXPLORER-TEST-1"):
        from explorer.api_client import Credentials

        return Credentials(self.url, self.keys[who], purpose)


def write_profiles(driver) -> None:
    """The risk profiles a rule run leaves (what the group page and the drawings' styling read): one
    rule that raises nothing on the fixture graph, then the profile step."""
    import datetime as dt

    from risk_rules.config import load_config
    from risk_rules.runner import run_rules

    done = run_rules(
        driver,
        load_config(),
        rule_ids=["data_quality.ownership_over_100"],
        as_of=dt.date.today(),
        profiles=True,
    )
    assert all(r.status == "completed" for r in done), [r.error for r in done]


@contextlib.contextmanager
def serve_api(neo4j_settings, neo4j_driver, var: Path, **overrides) -> Iterator[LiveApi]:
    """uvicorn serving api.app on a free port in a thread, over tests/explorer/graph_fixture.py's graph."""
    import uvicorn

    from api.app import create_app
    from api.security.roles import ROLES
    from api.services.operator import provision_service_key
    from riskgraph.neo4j_server import free_port
    from tests.explorer import graph_fixture

    graph_fixture.build(neo4j_driver)

    settings = neo4j_settings.model_copy(
        update={"var_dir": var, "api_key_pepper": PEPPER, "api_audit_log": var / "audit.jsonl", **overrides}
    )

    def key(user: str, scopes: list[str]) -> str:
        return provision_service_key(
            settings, user_id=user, name=user, scopes=scopes, label="test", ttl_days=1
        )[1]

    keys = {role: key(f"explorer-{role}", [role]) for role in ROLES}
    keys["examiner+pii"] = key("explorer-pii", ["examiner", "approver", "pii"])
    keys["all"] = key("explorer-all", ["examiner", "approver", "supervisor", "admin"])
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the API did not start")
        time.sleep(0.05)
    try:
        yield LiveApi(f"http://127.0.0.1:{port}", keys, var / "audit.jsonl")
    finally:
        server.should_exit = True
        thread.join(15)


@pytest.fixture(scope="module")
def live_api(neo4j_settings, neo4j_driver, tmp_path_factory) -> Iterator[LiveApi]:
    with serve_api(neo4j_settings, neo4j_driver, tmp_path_factory.mktemp("explorer-api")) as api:
        yield api


@pytest.fixture
def with_profiles(live_api, neo4j_driver):
    """The fixture graph with the risk profiles of a rule run, removed again afterwards (the other
    tests of the module see the graph without them)."""
    write_profiles(neo4j_driver)
    yield
    neo4j_driver.execute_query(
        "MATCH (p:RiskProfile) DETACH DELETE p WITH count(*) AS n "
        "MATCH (r:RuleRun) WHERE r.rule_id IN ['findings.profiles', 'data_quality.ownership_over_100'] "
        "DETACH DELETE r"
    )


@pytest.fixture
def app_as(live_api):
    """An AppTest of the explorer signed in as ``who``, on ``page``."""
    from streamlit.testing.v1 import AppTest

    def make(who: str, page: str, **state):
        at = AppTest.from_file(str(APP), default_timeout=60)
        at.session_state["rg_creds"] = live_api.creds(who)
        for k, v in state.items():
            at.session_state[k] = v
        at.switch_page(f"pages/{page}.py")
        return at.run()

    return make
