"""The property-graph schema as data: documented once, used everywhere.

Loaders, rules and the API read label, key and property names from here instead of repeating string
literals; `riskgraph db init` derives constraints and indexes from it; docs/graph-model.md is rendered
from it (and a test keeps the two in step). Modelled on FollowTheMoney's "schema as data". Each label
and relationship type is defined once, in ``NODES`` or ``RELATIONSHIPS``, with all its properties —
the marks of an open dispute included where the fact can be disputed.

Conventions
- Every fact that changes over time carries ``valid_from`` / ``valid_to`` (ISO dates; ``valid_to``
  null = still valid). A changed attribute is never overwritten without trace: the previous value is
  kept as a ``FactVersion`` node.
- Every node and relationship written from source data carries provenance: ``source``, ``batch_id``,
  ``source_file``, ``source_row`` (of its latest supporting record) and ``record_keys`` (all of them);
  golden entities additionally link to their ``SourceRecord`` nodes by ``DERIVED_FROM``.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Prop:
    name: str
    type: str
    description: str
    indexed: bool = False
    required: bool = False


@dataclass(frozen=True)
class NodeType:
    label: str
    key: str
    description: str
    properties: tuple[Prop, ...]
    zh: str = ""
    fulltext: tuple[str, ...] = ()


@dataclass(frozen=True)
class RelType:
    type: str
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    description: str
    properties: tuple[Prop, ...] = field(default_factory=tuple)
    zh: str = ""


PROVENANCE: tuple[Prop, ...] = (
    Prop("source", "string", "source system that supplied the latest supporting record"),
    Prop("batch_id", "string", "ingest batch of the latest supporting record"),
    Prop("source_file", "string", "file name of the latest supporting record"),
    Prop("source_row", "int", "row number (1-based, header excluded) in that file"),
    Prop("record_keys", "list<string>", "keys of every SourceRecord supporting this fact"),
)
VALIDITY: tuple[Prop, ...] = (
    Prop("valid_from", "date", "first day the fact holds (null = unknown)"),
    Prop("valid_to", "date", "last day the fact holds (null = still valid)"),
)

# --- labels -------------------------------------------------------------------------------------
COMPANY = "Company"
PERSON = "Person"
LOAN = "Loan"
BLACKLIST_ENTRY = "BlacklistEntry"
PHONE = "Phone"
ADDRESS = "Address"
SOURCE_RECORD = "SourceRecord"
BATCH = "Batch"
FACT_VERSION = "FactVersion"
ALERT = "Alert"
RULE_RUN = "RuleRun"
GROUP = "Group"
RISK_SCORE = "RiskScore"
RISK_PROFILE = "RiskProfile"
GROUP_PROFILE = "GroupProfile"
SNAPSHOT = "Snapshot"
SNAPSHOT_ALERT = "SnapshotAlert"
SNAPSHOT_PROFILE = "SnapshotProfile"
USER = "User"
API_KEY = "ApiKey"
REVIEW_JUDGEMENT = "ReviewJudgement"
DISPUTE = "Dispute"
AUDIT_FLAG = "AuditFlag"
PARTY = (COMPANY, PERSON)

# --- relationship types -------------------------------------------------------------------------
HOLDS_SHARES = "HOLDS_SHARES"
HOLDS_POSITION = "HOLDS_POSITION"
GUARANTEES = "GUARANTEES"
GUARANTEES_LOAN = "GUARANTEES_LOAN"
BORROWED = "BORROWED"
FAMILY_OF = "FAMILY_OF"
HAS_PHONE = "HAS_PHONE"
HAS_ADDRESS = "HAS_ADDRESS"
LISTED_AS = "LISTED_AS"
BRANCH_OF = "BRANCH_OF"
DERIVED_FROM = "DERIVED_FROM"
IN_BATCH = "IN_BATCH"
HAS_VERSION = "HAS_VERSION"
CONTROLS = "CONTROLS"
MEMBER_OF = "MEMBER_OF"
CONCERNS = "CONCERNS"
RAISED_IN = "RAISED_IN"
SCORED = "SCORED"
HAS_PROFILE = "HAS_PROFILE"
IN_SNAPSHOT = "IN_SNAPSHOT"
HAS_API_KEY = "HAS_API_KEY"
JUDGES = "JUDGES"
DISPUTES = "DISPUTES"
FLAGS = "FLAGS"

POSITION_ROLES = ("legal_representative", "chairman", "director", "supervisor", "senior_manager")
FAMILY_RELATIONS = ("spouse", "parent", "child", "sibling")
LOAN_STATUSES = ("normal", "overdue", "defaulted", "closed")
BLACKLIST_KINDS = (
    "dishonest_judgment_debtor",  # 失信被执行人
    "consumption_restriction",  # 限制高消费
    "abnormal_operation",  # 经营异常名录
    "serious_violation",  # 严重违法失信名单
    "administrative_penalty",  # 行政处罚
    "bank_internal",  # 本行内部名单
)

# --- disputes: which facts can be disputed (they carry DISPUTE_MARKS in their definitions below) --
#: facts that can be disputed carry these while a dispute about them is open
DISPUTE_MARKS: tuple[Prop, ...] = (
    Prop("disputed", "bool", "true while a dispute about this fact is open (absent otherwise)"),
    Prop("dispute_ids", "list<string>", "the open disputes about this fact"),
)
DISPUTABLE_RELS = (HOLDS_SHARES, HOLDS_POSITION, GUARANTEES, FAMILY_OF, LISTED_AS)
DISPUTABLE_NODES = (BLACKLIST_ENTRY, COMPANY, PERSON)
DISPUTE_STATUSES = ("open", "corrected", "upheld")
AUDIT_FLAG_STATUSES = ("open", "confirmed", "dismissed")


NODES: tuple[NodeType, ...] = (
    NodeType(
        COMPANY,
        "entity_id",
        "A resolved (golden) legal entity; branches are their own Company.",
        zh="企业",
        fulltext=("name", "name_variants"),
        properties=(
            Prop("entity_id", "string", "stable riskgraph id (C:…)", required=True),
            Prop("uscc", "string", "统一社会信用代码, 18 chars, check digit valid", indexed=True),
            Prop("name", "string", "current registered name", indexed=True, required=True),
            Prop("name_norm", "string", "normalized name (NFKC, t2s, suffix-free)", indexed=True),
            Prop("name_variants", "list<string>", "every name seen in source records"),
            Prop("legal_form", "string", "e.g. 有限责任公司"),
            Prop("registered_capital", "float", "CNY"),
            Prop("net_assets", "float", "CNY, latest known; denominator of guarantee leverage"),
            Prop("established", "date", "registration date"),
            Prop("status", "string", "operating status (存续, 注销 …)"),
            Prop("industry", "string", "industry code or name", indexed=True),
            Prop("region", "string", "administrative region (province/city)", indexed=True),
            Prop("bank_branch", "string", "the bank branch that manages the customer", indexed=True),
            Prop("is_branch", "bool", "a branch office (分公司/支行 …) of another company"),
            *VALIDITY,
            *PROVENANCE,
            *DISPUTE_MARKS,
        ),
    ),
    NodeType(
        PERSON,
        "entity_id",
        "A resolved natural person.",
        zh="自然人",
        fulltext=("name",),
        properties=(
            Prop("entity_id", "string", "stable riskgraph id (P:…)", required=True),
            Prop(
                "id_number",
                "string",
                "居民身份证 18 chars, check digit valid (PII: masked by the API)",
                indexed=True,
            ),
            Prop(
                "id_masked",
                "string",
                "masked ID as received, e.g. 3301**********1234 (evidence, never a key)",
            ),
            Prop("name", "string", "name", indexed=True, required=True),
            Prop("birth_date", "date", "from the ID or the source"),
            Prop("gender", "string", "M / F"),
            Prop("bank_branch", "string", "the bank branch that manages the customer", indexed=True),
            Prop("valid_from", "date", "date from which the current values hold (null = unknown)"),
            *PROVENANCE,
            *DISPUTE_MARKS,
        ),
    ),
    NodeType(
        LOAN,
        "loan_id",
        "A credit facility drawn by a borrower.",
        zh="贷款",
        properties=(
            Prop("loan_id", "string", "the bank's loan / contract number", required=True),
            Prop("amount", "float", "principal, CNY"),
            Prop("balance", "float", "outstanding balance, CNY"),
            Prop("currency", "string", "ISO 4217, default CNY"),
            Prop("start_date", "date", "drawdown date"),
            Prop("maturity_date", "date", "maturity"),
            Prop("status", "string", f"one of {', '.join(LOAN_STATUSES)}", indexed=True),
            Prop("bank_branch", "string", "booking branch", indexed=True),
            Prop("valid_from", "date", "date from which the current values hold (null = unknown)"),
            *PROVENANCE,
        ),
    ),
    NodeType(
        BLACKLIST_ENTRY,
        "entry_id",
        "One listing of a party on a blacklist.",
        zh="名单记录",
        properties=(
            Prop("entry_id", "string", "id of the listing in its source", required=True),
            Prop("kind", "string", f"one of {', '.join(BLACKLIST_KINDS)}", indexed=True),
            Prop("list_date", "date", "date listed", indexed=True),
            Prop("removal_date", "date", "date removed (null = still listed)"),
            Prop("authority", "string", "issuing court / authority"),
            Prop("reason", "string", "reason as published"),
            Prop("valid_from", "date", "date from which the current values hold (null = unknown)"),
            *PROVENANCE,
            *DISPUTE_MARKS,
        ),
    ),
    NodeType(
        PHONE,
        "number",
        "A normalized phone number shared by the parties that gave it.",
        zh="电话",
        properties=(
            Prop(
                "number",
                "string",
                "digits only, country code stripped (PII: masked by the API)",
                required=True,
            ),
        ),
    ),
    NodeType(
        ADDRESS,
        "address_key",
        "A normalized address shared by the parties that gave it.",
        zh="地址",
        properties=(
            Prop("address_key", "string", "normalized address text (NFKC, t2s, no spaces)", required=True),
            Prop("text", "string", "address as first received"),
            Prop("province", "string", "parsed province"),
            Prop("city", "string", "parsed city"),
            Prop("district", "string", "parsed district"),
        ),
    ),
    NodeType(
        SOURCE_RECORD,
        "record_key",
        "One accepted source row, kept as received: the provenance of every fact.",
        zh="源记录",
        properties=(
            Prop("record_key", "string", "source|kind|source record id", required=True),
            Prop("source", "string", "source system", indexed=True),
            Prop("kind", "string", "file kind (companies, persons, …)"),
            Prop("source_record_id", "string", "the row's own id in its source"),
            Prop("batch_id", "string", "ingest batch", indexed=True),
            Prop("source_file", "string", "file name"),
            Prop("source_row", "int", "row number"),
            Prop("content_hash", "string", "hash of the row's values: unchanged rows are skipped"),
            Prop("payload", "string", "the row's values as JSON, as received"),
            Prop("ingested_at", "datetime", "when it was loaded"),
        ),
    ),
    NodeType(
        BATCH,
        "batch_id",
        "One ingest run of one source.",
        zh="批次",
        properties=(
            Prop("batch_id", "string", "id", required=True),
            Prop("source", "string", "source system"),
            Prop("started_at", "datetime", "start"),
            Prop("finished_at", "datetime", "end (null while running or after a crash)"),
            Prop("status", "string", "running / completed / failed"),
            Prop(
                "input_hash",
                "string",
                "hash of source + input files: an unfinished batch of the same input is resumed",
            ),
            Prop("resumed_at", "datetime", "when an unfinished run was last resumed"),
            Prop(
                "counts",
                "string",
                "JSON: read / accepted / rejected / created / updated / unchanged per kind",
            ),
        ),
    ),
    NodeType(
        FACT_VERSION,
        "version_id",
        "A superseded value of an attribute, with its validity period.",
        zh="历史值",
        properties=(
            Prop("version_id", "string", "id", required=True),
            Prop("attribute", "string", "attribute name (relationship attributes: TYPE.attribute)"),
            Prop(
                "subject", "string", "entity key, or the relationship it belongs to (start-[TYPE:ident]->end)"
            ),
            Prop("record_key", "string", "source record whose newer value superseded this one"),
            Prop("value", "string", "the earlier value (JSON)"),
            *VALIDITY,
            Prop("batch_id", "string", "batch that supplied the earlier value"),
            Prop("superseded_by_batch", "string", "batch that replaced it"),
        ),
    ),
    NodeType(
        ALERT,
        "alert_id",
        "A finding of a rule about one or more entities, with its evidence.",
        zh="预警",
        properties=(
            Prop(
                "alert_id",
                "string",
                "deterministic: rule id + sorted entity ids (+ subject key)",
                required=True,
            ),
            Prop("rule_id", "string", "rule id", indexed=True),
            Prop("rule_version", "string", "rule version"),
            Prop("severity", "string", "low / medium / high / critical", indexed=True),
            Prop(
                "status",
                "string",
                "open / confirmed / dismissed (triage state, kept across runs)",
                indexed=True,
            ),
            Prop("active", "bool", "false once a run no longer finds it"),
            Prop("entity_ids", "list<string>", "entities concerned"),
            Prop("explanation_zh", "string", "说明"),
            Prop("explanation_en", "string", "explanation"),
            Prop("evidence", "string", "JSON: paths / subgraph / arithmetic"),
            Prop("first_run_id", "string", "run that first raised it"),
            Prop("last_run_id", "string", "latest run that found it"),
            Prop("triaged_by", "string", "user"),
            Prop("triage_comment", "string", "comment"),
            Prop("triaged_at", "datetime", "when"),
        ),
    ),
    NodeType(
        RULE_RUN,
        "run_id",
        "One execution of one rule.",
        zh="规则运行",
        properties=(
            Prop("run_id", "string", "id", required=True),
            Prop("rule_id", "string", "rule", indexed=True),
            Prop("rule_version", "string", "version"),
            Prop("parameters", "string", "JSON of the parameters used"),
            Prop("as_of", "date", "as-of date of the data"),
            Prop("started_at", "datetime", "start"),
            Prop("finished_at", "datetime", "end"),
            Prop("duration_ms", "int", "duration"),
            Prop("counts", "string", "JSON: alerts new / still / resolved"),
            Prop("status", "string", "completed / failed"),
            Prop(
                "snapshot",
                "bool",
                "true: a run as of a past date, written to that date's Snapshot (never to live alerts)",
            ),
        ),
    ),
    NodeType(
        GROUP,
        "group_id",
        "A group customer: entities under common control.",
        zh="集团",
        properties=(
            Prop("group_id", "string", "deterministic from the controller(s)", required=True),
            Prop("name", "string", "display name (largest member or controller)"),
            Prop("controller_ids", "list<string>", "controlling person(s)/entity"),
            Prop("size", "int", "members"),
            Prop("exposure", "float", "aggregated exposure, CNY"),
            Prop("run_id", "string", "run that computed it"),
        ),
    ),
    NodeType(
        RISK_SCORE,
        "score_id",
        "A contagion score of one entity in one run (a snapshot).",
        zh="风险传染评分",
        properties=(
            Prop("score_id", "string", "run id + entity id", required=True),
            Prop("run_id", "string", "run", indexed=True),
            Prop("entity_id", "string", "entity", indexed=True),
            Prop("score", "float", "score in [0, 1]"),
            Prop("hops", "int", "hops to the nearest listed entity"),
            Prop("paths", "string", "JSON: top explaining paths"),
            Prop("as_of", "date", "as-of date"),
        ),
    ),
    NodeType(
        RISK_PROFILE,
        "entity_id",
        "What the rules found about one entity, with the evidence (group, related parties, guarantee "
        "motifs, owners and controller, contagion paths, shared contacts, exposure sums); rewritten only "
        "when its content changes.",
        zh="风险画像",
        properties=(
            Prop("entity_id", "string", "the entity profiled", required=True),
            Prop("body", "string", "JSON: the findings and their evidence"),
            Prop("profile_hash", "string", "hash of body, rule versions and parameters"),
            Prop("run_id", "string", "the profile run that wrote this content", indexed=True),
            Prop("as_of", "date", "as-of date of that run"),
            Prop("rule_versions", "string", "JSON: version of every rule the profile reflects"),
            Prop("findings_version", "string", "version of the profile's shape"),
            Prop("params_digest", "string", "hash of the rule parameters it was computed with"),
            Prop("computed_at", "datetime", "when this content was written"),
        ),
    ),
    NodeType(
        GROUP_PROFILE,
        "group_id",
        "A control group found by the profile run, once and whole: every member with its loan "
        "balance, the members with no loan figure, the controllers and the extended-family ties (each "
        "member's RiskProfile lists the largest members and the sums); rewritten only when its content "
        "changes.",
        zh="集团画像",
        properties=(
            Prop("group_id", "string", "the group's id (a hash of its members)", required=True),
            Prop("body", "string", "JSON: members with balances, missing figures, controllers, ties"),
            Prop("profile_hash", "string", "hash of body, rule versions and parameters"),
            Prop("run_id", "string", "the profile run that wrote this content", indexed=True),
            Prop("as_of", "date", "as-of date of that run"),
            Prop("size", "int", "how many members"),
            Prop("computed_at", "datetime", "when this content was written"),
        ),
    ),
    NodeType(
        SNAPSHOT,
        "as_of",
        "The rules' picture as of one past date (time travel and trends): the alerts and risk profiles "
        "of runs `--as-of` that date, kept beside the live alerts and never mixed with them.",
        zh="历史快照",
        properties=(
            Prop(
                "as_of", "date", "the date the facts were read as of (one snapshot per date)", required=True
            ),
            Prop("run_ids", "list<string>", "the latest run of each rule (and of the profiles) of that date"),
            Prop("rule_ids", "list<string>", "rules the snapshot holds"),
            Prop("config_digest", "string", "hash of rule versions and parameters of every run in it"),
            Prop("updated_at", "datetime", "when a run last replaced part of it"),
        ),
    ),
    NodeType(
        SNAPSHOT_ALERT,
        "snapshot_alert_id",
        "What a rule would have alerted as of the snapshot's date; no triage state (triage belongs to "
        "live alerts). Same alert id as the live alert of the same subject.",
        zh="快照预警",
        properties=(
            Prop("snapshot_alert_id", "string", "as-of date | alert id", required=True),
            Prop("alert_id", "string", "the deterministic alert id (rule + subject)", indexed=True),
            Prop("as_of", "date", "snapshot date", indexed=True),
            Prop("rule_id", "string", "rule", indexed=True),
            Prop("run_id", "string", "the run that wrote it"),
            Prop("rule_version", "string", "version"),
            Prop("kind", "string", "finding kind"),
            Prop("subject_key", "string", "subject"),
            Prop("severity", "string", "low / medium / high / critical"),
            Prop("entity_ids", "list<string>", "entities concerned"),
            Prop("explanation_zh", "string", "说明"),
            Prop("explanation_en", "string", "explanation"),
            Prop("evidence", "string", "JSON: paths / subgraph / arithmetic"),
            Prop("content_hash", "string", "hash of what a user sees"),
        ),
    ),
    NodeType(
        SNAPSHOT_PROFILE,
        "snapshot_profile_id",
        "An entity's risk profile as of the snapshot's date (same body as a RiskProfile).",
        zh="快照风险画像",
        properties=(
            Prop("snapshot_profile_id", "string", "as-of date | entity id", required=True),
            Prop("entity_id", "string", "the entity profiled", indexed=True),
            Prop("as_of", "date", "snapshot date", indexed=True),
            Prop("body", "string", "JSON: the findings and their evidence"),
            Prop("run_id", "string", "the profile run that wrote it"),
            Prop("rule_versions", "string", "JSON: version of every rule the profile reflects"),
            Prop("findings_version", "string", "version of the profile's shape"),
            Prop("params_digest", "string", "hash of the rule parameters it was computed with"),
        ),
    ),
    # --- API access control and reviewer input (written by the API) ---------------------------
    NodeType(
        USER,
        "user_id",
        "A person or system that calls the API.",
        zh="用户",
        properties=(
            Prop("user_id", "string", "login name", required=True),
            Prop("name", "string", "display name"),
            Prop("created_at", "datetime", "when created"),
            Prop(
                "branch",
                "string",
                "bank branch the user belongs to (the head office code = 总行)",
                indexed=True,
            ),
            Prop("roles", "list<string>", "roles the user may hold (keys and sessions carry a subset)"),
            Prop("pii", "bool", "may see unmasked resident IDs and phone numbers"),
            Prop("created_by", "string", "administrator (or cli:<os user>) who created the account"),
            Prop("password_hash", "string", "argon2id hash of the password (interactive users only)"),
            Prop("password_history", "list<string>", "argon2id hashes of the previous passwords (no reuse)"),
            Prop(
                "password_changed_at",
                "datetime",
                "last password change; older than the max age = must change",
            ),
            Prop(
                "must_change_password", "bool", "set on creation and reset: the next sign-in must change it"
            ),
            Prop("failed_logins", "int", "consecutive failed sign-ins (reset by a successful one)"),
            Prop("locked", "bool", "locked: no sign-in, no key or session accepted, until an admin unlocks"),
            Prop("locked_at", "datetime", "when locked"),
            Prop("locked_reason", "string", "why (failed sign-ins, administrator, audit freeze)"),
            Prop("last_login_at", "datetime", "last successful sign-in"),
        ),
    ),
    NodeType(
        API_KEY,
        "key_id",
        "An API key of a user; the key itself is never stored, only its lookup HMAC and argon2 hash.",
        zh="API 密钥",
        properties=(
            Prop("key_id", "string", "public part of the key (rg_<key_id>_…)", required=True),
            Prop("lookup", "string", "HMAC-SHA256(pepper, key): finds the record", indexed=True),
            Prop("hash", "string", "argon2id hash of the key: proves it"),
            Prop(
                "scopes",
                "list<string>",
                "roles (approver, examiner, supervisor, auditor, admin, service) and pii",
            ),
            Prop("label", "string", "what the key is for"),
            Prop("user_id", "string", "owner", indexed=True),
            Prop("created_at", "datetime", "issued"),
            Prop("expires_at", "datetime", "not accepted after"),
            Prop("revoked_at", "datetime", "not accepted since (null = active)"),
            Prop("kind", "string", "api (issued key) / session (from a password sign-in); null = api"),
            Prop("rotated_from", "string", "key this one replaced by rotation"),
            Prop("replaced_by", "string", "key that replaced this one (it expires after the grace period)"),
        ),
    ),
    NodeType(
        REVIEW_JUDGEMENT,
        "judgement_id",
        "A reviewer's entity-resolution decision: a record pair is same / different / unsure, or an "
        "entity must be split into parts (entity_resolution.Judgement / Split).",
        zh="人工复核结论",
        properties=(
            Prop("judgement_id", "string", "id", required=True),
            Prop("kind", "string", "pair / split", indexed=True),
            Prop("record_id_a", "string", "pair: first SourceRecord key"),
            Prop("record_id_b", "string", "pair: second SourceRecord key"),
            Prop("verdict", "string", "pair: same / different / unsure"),
            Prop("entity_id", "string", "split: the entity to divide", indexed=True),
            Prop("parts", "string", "split: JSON list of lists of SourceRecord keys"),
            Prop("reviewer", "string", "user who judged"),
            Prop("note", "string", "reviewer's note"),
            Prop("created_at", "datetime", "when"),
        ),
    ),
    # --- governance of credit data: disputes and abnormal-use flags ---------------------------
    NodeType(
        DISPUTE,
        "dispute_id",
        "An objection (异议) to one fact: who raised it and why, and how it was handled. A correction "
        "keeps the earlier value as a FactVersion (retracted relationships: the whole relationship).",
        zh="异议",
        properties=(
            Prop("dispute_id", "string", "id (D-…)", required=True),
            Prop(
                "fact_kind",
                "string",
                "shareholding / position / guarantee / family / listing / blacklist_entry / company / person",
                indexed=True,
            ),
            Prop("fact", "string", "JSON: how to find the fact (type, start, end, ident; or label and key)"),
            Prop(
                "subject",
                "string",
                "the fact as FactVersion.subject names it (start-[TYPE:ident]->end or key)",
            ),
            Prop("entity_ids", "list<string>", "parties the fact concerns"),
            Prop("status", "string", f"one of {', '.join(DISPUTE_STATUSES)}", indexed=True),
            Prop("raised_by", "string", "user"),
            Prop("raised_at", "datetime", "when"),
            Prop("reason", "string", "why the fact is thought wrong"),
            Prop("evidence", "string", "reference to supporting documents"),
            Prop("branch", "string", "branch of the user who raised it"),
            Prop("handled_by", "string", "user who corrected or upheld it"),
            Prop("handled_at", "datetime", "when"),
            Prop("resolution", "string", "the handler's reason"),
            Prop("correction", "string", "JSON: retract, or the attributes changed (old → new)"),
            Prop("version_ids", "list<string>", "FactVersions that keep the earlier values"),
            Prop("rerun", "string", "JSON: rules re-run after the correction (run ids, status)"),
        ),
    ),
    NodeType(
        AUDIT_FLAG,
        "flag_id",
        "An abnormal-use finding over the audit log (riskgraph audit check), for the auditor. Kept apart "
        "from Alert so that the users it is about (approvers, examiners) never see it in their alert queue.",
        zh="异常使用标记",
        properties=(
            Prop("flag_id", "string", "deterministic: check + user + window", required=True),
            Prop(
                "check",
                "string",
                "audit.volume_spike / audit.off_hours / audit.no_application / "
                "audit.dormant_reactivated / audit.repeated_denials",
                indexed=True,
            ),
            Prop("user_id", "string", "user (or client:<address> for unauthenticated denials)", indexed=True),
            Prop("window", "string", "the day or period judged"),
            Prop("severity", "string", "low / medium / high", indexed=True),
            Prop("status", "string", f"one of {', '.join(AUDIT_FLAG_STATUSES)}", indexed=True),
            Prop("explanation_zh", "string", "说明"),
            Prop("explanation_en", "string", "explanation"),
            Prop("evidence", "string", "JSON: counts, thresholds, audit record seq numbers"),
            Prop("first_seen_at", "datetime", "first check that raised it"),
            Prop("last_seen_at", "datetime", "latest check that found it"),
            Prop("froze_account", "bool", "the account was locked automatically because of it"),
            Prop("reviewed_by", "string", "auditor"),
            Prop("review_comment", "string", "comment"),
            Prop("reviewed_at", "datetime", "when"),
        ),
    ),
)

PARTY_FACT = (*VALIDITY, *PROVENANCE)

RELATIONSHIPS: tuple[RelType, ...] = (
    RelType(
        HOLDS_SHARES,
        PARTY,
        (COMPANY,),
        "holder → company: a direct shareholding.",
        zh="持股",
        properties=(
            Prop("pct", "float", "percentage 0–100"),
            Prop("amount", "float", "subscribed capital, CNY"),
            Prop("as_of", "date", "date of the register extract"),
            *PARTY_FACT,
            *DISPUTE_MARKS,
        ),
    ),
    RelType(
        HOLDS_POSITION,
        (PERSON,),
        (COMPANY,),
        "person → company: an office held.",
        zh="任职",
        properties=(
            Prop("role", "string", f"one of {', '.join(POSITION_ROLES)}"),
            Prop("title", "string", "title as received"),
            *PARTY_FACT,
            *DISPUTE_MARKS,
        ),
    ),
    RelType(
        GUARANTEES,
        PARTY,
        PARTY,
        "guarantor → borrower: a guarantee (one per contract).",
        zh="担保",
        properties=(
            Prop("contract_id", "string", "guarantee contract id (key with the pair)"),
            Prop("amount", "float", "guaranteed amount, CNY"),
            Prop("loan_id", "string", "loan guaranteed, if known"),
            Prop("kind", "string", "joint / general / mortgage / pledge"),
            *PARTY_FACT,
            *DISPUTE_MARKS,
        ),
    ),
    RelType(
        GUARANTEES_LOAN,
        PARTY,
        (LOAN,),
        "guarantor → loan: the same guarantee tied to the loan it secures.",
        zh="担保贷款",
        properties=(
            Prop("contract_id", "string", "guarantee contract id"),
            Prop("amount", "float", "guaranteed amount"),
            *PARTY_FACT,
        ),
    ),
    RelType(BORROWED, PARTY, (LOAN,), "borrower → loan.", zh="借款", properties=PROVENANCE),
    RelType(
        FAMILY_OF,
        (PERSON,),
        (PERSON,),
        "person → person: a near-relative tie, read as 'from is <relation> of to'.",
        zh="亲属",
        properties=(
            Prop("relation", "string", f"one of {', '.join(FAMILY_RELATIONS)}"),
            *PARTY_FACT,
            *DISPUTE_MARKS,
        ),
    ),
    RelType(HAS_PHONE, PARTY, (PHONE,), "party → phone it gave.", zh="电话", properties=PARTY_FACT),
    RelType(
        HAS_ADDRESS,
        PARTY,
        (ADDRESS,),
        "party → address it gave (registered, office, home).",
        zh="地址",
        properties=(Prop("kind", "string", "registered / office / home"), *PARTY_FACT),
    ),
    RelType(
        LISTED_AS,
        PARTY,
        (BLACKLIST_ENTRY,),
        "party → its blacklist listing.",
        zh="列入名单",
        properties=(*PROVENANCE, *DISPUTE_MARKS),
    ),
    RelType(
        BRANCH_OF,
        (COMPANY,),
        (COMPANY,),
        "branch → parent company (never merged into it).",
        zh="分支机构",
        properties=PROVENANCE,
    ),
    RelType(
        DERIVED_FROM,
        (COMPANY, PERSON, LOAN, BLACKLIST_ENTRY),
        (SOURCE_RECORD,),
        "golden node → each source record it was built from.",
        zh="来源",
        properties=(Prop("match_evidence", "string", "JSON: entity-resolution evidence for this record"),),
    ),
    RelType(IN_BATCH, (SOURCE_RECORD,), (BATCH,), "source record → the batch that loaded it.", zh="所属批次"),
    RelType(
        HAS_VERSION,
        (COMPANY, PERSON, LOAN, BLACKLIST_ENTRY),
        (FACT_VERSION,),
        "entity → a superseded attribute value.",
        zh="历史",
    ),
    RelType(
        CONTROLS,
        PARTY,
        (COMPANY,),
        "controller → company: derived actual control (written by rules).",
        zh="实际控制",
        properties=(
            Prop("share", "float", "integrated ownership 0–1"),
            Prop("basis", "string", "majority / relative / board"),
            Prop("chain", "list<string>", "entity ids along the control chain"),
            Prop("run_id", "string", "rule run"),
        ),
    ),
    RelType(
        MEMBER_OF,
        PARTY,
        (GROUP,),
        "entity → its group customer (written by rules).",
        zh="集团成员",
        properties=(Prop("run_id", "string", "rule run"), Prop("reason", "string", "why it belongs")),
    ),
    RelType(CONCERNS, (ALERT,), PARTY, "alert → entity it concerns.", zh="涉及"),
    RelType(RAISED_IN, (ALERT,), (RULE_RUN,), "alert → the runs that found it.", zh="产生于"),
    RelType(SCORED, PARTY, (RISK_SCORE,), "entity → its contagion score snapshot.", zh="评分"),
    RelType(
        HAS_PROFILE, PARTY, (RISK_PROFILE,), "entity → its risk profile (written by rules).", zh="风险画像"
    ),
    RelType(
        IN_SNAPSHOT,
        (SNAPSHOT_ALERT, SNAPSHOT_PROFILE, RULE_RUN),
        (SNAPSHOT,),
        "snapshot alert / profile / run → the snapshot (as-of date) it belongs to.",
        zh="属于快照",
    ),
    # --- API access control and reviewer input ---------------------------------------------
    RelType(HAS_API_KEY, (USER,), (API_KEY,), "user → an API key issued to them.", zh="持有密钥"),
    RelType(
        JUDGES,
        (REVIEW_JUDGEMENT,),
        (SOURCE_RECORD, COMPANY, PERSON),
        "judgement → the source records (pair) or the entity (split) it decides about.",
        zh="复核对象",
    ),
    # --- governance of credit data -------------------------------------------------------------
    RelType(
        DISPUTES,
        (DISPUTE,),
        (COMPANY, PERSON, BLACKLIST_ENTRY),
        "dispute → the node disputed, or both ends of the relationship disputed.",
        zh="异议对象",
        properties=(Prop("end", "string", "node / start / end: which part of the fact this node is"),),
    ),
    RelType(FLAGS, (AUDIT_FLAG,), (USER,), "audit flag → the user it is about.", zh="标记用户"),
)


def node_type(label: str) -> NodeType:
    for nt in NODES:
        if nt.label == label:
            return nt
    raise KeyError(label)


def rel_type(name: str) -> RelType:
    for rt in RELATIONSHIPS:
        if rt.type == name:
            return rt
    raise KeyError(name)
