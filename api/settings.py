"""The API's own settings: what `create_app`, the account commands and the audit check need.

The API package owns these values and never reads the composition root's settings; ``riskgraph``
composes them into its one ``Settings`` (which adds where the local Neo4j server lives and how its
password is found). Every value can be set by an environment variable with the ``RISKGRAPH_`` prefix;
the connection also honours the conventional ``NEO4J_URI`` / ``NEO4J_USER`` / ``NEO4J_PASSWORD``.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_BOLT_URI = "bolt://127.0.0.1:7687"


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RISKGRAPH_", env_file=".env", extra="ignore")

    var_dir: Path = Field(default=Path("var"), description="working folder; the API keeps its files in api/")

    # --- the connection (honours the conventional NEO4J_* variables) ---
    neo4j_uri: str | None = Field(
        default=None, validation_alias=AliasChoices("NEO4J_URI", "RISKGRAPH_NEO4J_URI")
    )
    neo4j_user: str = Field(
        default="neo4j", validation_alias=AliasChoices("NEO4J_USER", "RISKGRAPH_NEO4J_USER")
    )
    neo4j_password: str | None = Field(
        default=None, validation_alias=AliasChoices("NEO4J_PASSWORD", "RISKGRAPH_NEO4J_PASSWORD")
    )
    neo4j_database: str = Field(
        default="neo4j", validation_alias=AliasChoices("NEO4J_DATABASE", "RISKGRAPH_NEO4J_DATABASE")
    )

    # --- the HTTP API ---
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    api_workers: int = Field(
        default=0,
        ge=0,
        description="worker processes of `riskgraph serve` (0 = one per CPU core, at most 4)",
    )
    api_key_pepper: str | None = Field(
        default=None,
        description="secret of the HMAC that finds an API key by lookup hash; default: generated into var/api",
    )
    api_audit_log: Path | None = Field(
        default=None, description="audit JSON-lines file; default var/api/audit.jsonl"
    )
    api_key_ttl_days: int = Field(default=90, description="validity of a newly issued API key")
    api_auth_cache_s: float = Field(
        default=5.0,
        description="how long a verified key is trusted without Neo4j: revoking or locking reaches every worker within it",
    )
    api_rate_per_s: float = Field(default=200.0, description="token-bucket refill per API key, requests/s")
    api_rate_burst: int = Field(default=400, description="token-bucket capacity per API key")
    api_max_body_bytes: int = Field(default=64 * 1024, description="larger request bodies get 413")
    api_query_timeout_s: float = Field(default=10.0, description="Neo4j transaction timeout of API queries")
    api_neighbourhood_max_nodes: int = Field(default=300, description="node cap of a neighbourhood answer")
    api_supernode_degree: int = Field(
        default=100, description="nodes with more links are not expanded (the answer says what it left out)"
    )
    api_check_max_candidates: int = Field(
        default=5, description="candidates returned for an ambiguous applicant"
    )
    # --- default-cascade simulation (POST /v1/simulations/default) ---
    api_simulation_max_defaults: int = Field(default=20, description="entities one simulation may default")
    api_simulation_max_hops: int = Field(
        default=6, description="rings of guarantors/holders read around the defaulted entities"
    )
    api_simulation_max_rounds: int = Field(default=10, description="DebtRank rounds at most")
    api_simulation_max_entities: int = Field(default=5000, description="entities read at most")
    api_simulation_max_rows: int = Field(default=200, description="entities and loans listed at most")
    api_simulation_top_paths: int = Field(default=3, description="explaining paths per distressed entity")
    api_check_max_in_flight: int = Field(
        default=16,
        description="pre-loan checks run at once per worker process; more answer 503 with Retry-After",
    )

    # --- governance: users, passwords, sessions, purpose refs, monitoring, disputes ---
    gov_head_office: str = Field(default="HQ", description="branch code of the head office (总行)")
    gov_password_min_length: int = Field(default=12, description="minimum password length")
    gov_password_min_classes: int = Field(
        default=3, description="of lower case, upper case, digits, symbols: how many a password must use"
    )
    gov_password_max_age_days: int = Field(
        default=90, description="a password older than this must be changed"
    )
    gov_password_history: int = Field(default=5, description="a new password may not repeat the last N")
    gov_lockout_threshold: int = Field(
        default=5, description="consecutive failed sign-ins that lock the account"
    )
    gov_session_ttl_min: int = Field(default=480, description="lifetime of a sign-in session token, minutes")
    gov_key_rotation_grace_h: float = Field(
        default=24.0, description="hours the old key keeps working after a rotation"
    )
    gov_purpose_roles: list[str] = Field(
        default=["approver"], description="roles whose entity queries must carry a purpose reference"
    )
    gov_purpose_pattern: str = Field(
        default=r"^[^\s]{3,128}$",
        description="a purpose reference must match this (e.g. a loan application no.)",
    )
    gov_monitor_interval_min: float = Field(
        default=60.0,
        description="the API checks the audit log this often (0 = never; `riskgraph audit check`)",
    )
    gov_monitor_window_h: float = Field(default=24.0, description="hours of audit records a check looks at")
    gov_monitor_timezone: str = Field(default="Asia/Shanghai", description="time zone of working hours")
    gov_work_start: str = Field(default="08:00", description="working hours start (local time)")
    gov_work_end: str = Field(default="19:00", description="working hours end (local time)")
    gov_work_days: list[int] = Field(default=[0, 1, 2, 3, 4], description="working weekdays (0 = Monday)")
    gov_off_hours_min_queries: int = Field(
        default=1, description="off-hours queries per user and day that flag"
    )
    gov_spike_factor: float = Field(
        default=3.0, description="a day above factor × the user's usual day is a spike"
    )
    gov_spike_sigma: float = Field(default=3.0, description="… and above mean + sigma × std of the history")
    gov_spike_min_queries: int = Field(default=50, description="a spike needs at least this many queries")
    gov_spike_history_days: int = Field(default=30, description="days of a user's own history compared with")
    gov_spike_min_history_days: int = Field(
        default=5, description="active days needed before spikes are judged"
    )
    gov_dormant_days: int = Field(default=30, description="an account silent this long is dormant")
    gov_denied_threshold: int = Field(
        default=5, description="denied requests of one user (or client) that flag"
    )
    gov_application_roles: list[str] = Field(
        default=["approver"],
        description="roles whose purpose refs must be applications seen in pre-loan checks",
    )
    gov_auto_freeze: bool = Field(
        default=False, description="lock an account automatically when it is flagged"
    )
    gov_freeze_checks: list[str] = Field(
        default=["audit.volume_spike", "audit.dormant_reactivated", "audit.repeated_denials"],
        description="checks whose flags freeze the account when gov_auto_freeze is on",
    )
    gov_dispute_rerun: str = Field(
        default="background", description="re-run affected rules after a correction: background / sync / off"
    )

    # --- rule jobs (risk_rules) ---
    rules_config: Path | None = Field(
        default=None,
        description="the bank's YAML overriding risk_rules/defaults.yaml (RISKGRAPH_RULES_CONFIG)",
    )

    @property
    def api_dir(self) -> Path:
        return (self.var_dir / "api").resolve()

    @property
    def audit_log_path(self) -> Path:
        return (self.api_audit_log or self.api_dir / "audit.jsonl").resolve()

    @property
    def bolt_uri(self) -> str:
        """The URI the API connects to: NEO4J_URI when given, else a local default."""
        return self.neo4j_uri or DEFAULT_BOLT_URI

    def resolved_password(self) -> str:
        """NEO4J_PASSWORD; a composing settings class may know where else to look."""
        if self.neo4j_password:
            return self.neo4j_password
        raise RuntimeError("没有 Neo4j 密码：请设置 NEO4J_PASSWORD。/ No Neo4j password: set NEO4J_PASSWORD.")
