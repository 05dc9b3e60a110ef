"""All settings in one place: the composition root's own (where the local Neo4j server lives, its
jars and password) composed with the API's (:class:`api.settings.ApiSettings`, inherited).

Every value can be set by an environment variable (prefix ``RISKGRAPH_``) or a ``.env`` file; the
connection to Neo4j also honours the conventional ``NEO4J_URI`` / ``NEO4J_USER`` / ``NEO4J_PASSWORD``
so that any Bolt server (a Docker ``neo4j:5``, a cluster, Aura) is used through the same code path as
the server riskgraph runs itself.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from api.settings import ApiSettings

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(ApiSettings):
    model_config = SettingsConfigDict(env_prefix="RISKGRAPH_", env_file=".env", extra="ignore")

    # --- where riskgraph keeps its own files (jars, server home, data, credentials) ---
    var_dir: Path = Field(default=PROJECT_ROOT / "var", description="git-ignored working folder")
    # --- rule runs ---
    rules_today: dt.date | None = Field(
        default=None,
        description="the date `rules run` / `rules backfill` treat as today (default: the system date): a run "
        "as of an earlier date is a snapshot. Set only to replay a day's run, e.g. on data dated that day",
    )

    # --- the locally run Neo4j server ---
    neo4j_version: str = Field(
        default="5.26.30", description="Neo4j Community LTS version fetched from Maven Central"
    )
    neo4j_host: str = "127.0.0.1"
    neo4j_bolt_port: int = 7687
    neo4j_data_dir: Path | None = Field(default=None, description="server home; default var/neo4j/home")
    # Sized for the 2-core / 24 GB reference machine: heap for query state and transactions,
    # page cache for the store. Both are passed explicitly (console mode ignores server.memory.heap.*).
    neo4j_heap: str = "4g"
    neo4j_pagecache: str = "4g"
    neo4j_start_timeout_s: float = 120.0
    neo4j_stop_timeout_s: float = 60.0
    java_bin: str = "java"
    maven_bin: str = "mvn"

    @property
    def server_home(self) -> Path:
        return (self.neo4j_data_dir or self.var_dir / "neo4j" / "home").resolve()

    @property
    def jars_dir(self) -> Path:
        return (self.var_dir / "neo4j" / self.neo4j_version / "lib").resolve()

    @property
    def password_file(self) -> Path:
        return self.server_home / "auth" / "neo4j-password"

    @property
    def bolt_uri(self) -> str:
        """The URI clients use: NEO4J_URI when given, else the local server's Bolt address."""
        return self.neo4j_uri or f"bolt://{self.neo4j_host}:{self.neo4j_bolt_port}"

    @property
    def uses_external_server(self) -> bool:
        return self.neo4j_uri is not None

    def resolved_password(self) -> str:
        """NEO4J_PASSWORD when given, else the generated password of the local server."""
        if self.neo4j_password:
            return self.neo4j_password
        if self.password_file.exists():
            return self.password_file.read_text(encoding="utf-8").strip()
        raise RuntimeError(
            f"没有 Neo4j 密码：请先运行 `riskgraph db start`，或设置 NEO4J_PASSWORD。 / "
            f"No Neo4j password: run `riskgraph db start` first, or set NEO4J_PASSWORD "
            f"(looked for {self.password_file})."
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
