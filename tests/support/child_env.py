"""The environment of a child process (a CLI run) in a test: the test server, its own working folder."""

from __future__ import annotations

import os
from pathlib import Path

from riskgraph.settings import Settings


def child_env(settings: Settings, var_dir: Path) -> dict[str, str]:
    """Environment for a CLI run that must reach the test server, working in ``var_dir`` instead of
    the repository's ``var/`` (where two tests, or two workers, would share entity-resolution state)."""
    return {
        **os.environ,
        "NEO4J_URI": settings.bolt_uri,
        "NEO4J_USER": settings.neo4j_user,
        "NEO4J_PASSWORD": settings.resolved_password(),
        "RISKGRAPH_VAR_DIR": str(var_dir),
    }
