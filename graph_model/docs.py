"""Render docs/graph-model.md from the schema, so the documentation cannot drift from the code."""

from __future__ import annotations

from graph_model.constraints import schema_statements
from graph_model.schema import NODES, RELATIONSHIPS

HEADER = """# Graph model

This page is generated from `graph_model/schema.py` by `riskgraph db schema-doc` (a test fails when
it is out of date). Labels, relationship types, properties, keys and indexes are defined once there
and used by ingest, rules and the API.

Conventions:
- **Keys.** Every label has one unique key (a uniqueness constraint, created by `riskgraph db init`
  before any load, so MERGE is an index lookup and a duplicate key is refused).
- **Provenance.** Facts loaded from source data carry `source`, `batch_id`, `source_file`,
  `source_row` (latest supporting record) and `record_keys` (all supporting records); golden nodes
  link to every `SourceRecord` they came from by `DERIVED_FROM`.
- **Validity.** Facts that change over time carry `valid_from` / `valid_to` (null `valid_to` = still
  valid). A changed attribute is never overwritten without trace: the earlier value is kept as a
  `FactVersion` (via `HAS_VERSION`).
- **Derived facts** (`CONTROLS`, `MEMBER_OF`, `Group`, `Alert`, `RiskScore`) are written by rule runs
  and carry the `run_id` that produced them.
- **Snapshots.** A rule run as of a past date (`riskgraph rules run --as-of`, `rules backfill`) is
  history, not news: it writes a `Snapshot {as_of}` with its own `SnapshotAlert` and
  `SnapshotProfile` nodes (`IN_SNAPSHOT`), never the live `Alert` / `RiskProfile` nodes, and no
  `CONTROLS` or `Group` (those describe today; a snapshot computes control from the shareholdings
  valid on its date). Separate labels rather than as-of-keyed `Alert` nodes, because an alert is
  a unit of work with a triage state that belongs to today: every queue, count and triage query
  reads `Alert` and can never pick up a past date's answer by mistake, and a snapshot alert cannot
  be triaged. A snapshot alert keeps the live alert id of the same subject (rule + subject key), so
  "was this alert already there in June?" is one lookup. One `Snapshot` per date: re-running a rule
  as of the same date replaces that rule's part (its snapshot alerts and `RiskScore` nodes); the
  `RuleRun` records stay as the audit trail (`snapshot = true`, `IN_SNAPSHOT`). Contagion scores
  were already per run and dated (`RiskScore`), so the spread trend reads them for every date.
"""


def _diagram() -> str:
    lines = ["```mermaid", "graph LR"]
    for rt in RELATIONSHIPS:
        for s in rt.sources:
            for t in rt.targets:
                lines.append(f"  {s} -->|{rt.type}| {t}")
    lines.append("```")
    return "\n".join(lines)


def render_markdown() -> str:
    out = [HEADER, "## Diagram\n", _diagram(), "", "## Node labels\n"]
    for nt in NODES:
        out.append(f"### `{nt.label}` ({nt.zh})\n\n{nt.description} Key: `{nt.key}` (unique).\n")
        out.append("| property | type | description | index |\n|---|---|---|---|")
        for p in nt.properties:
            idx = "unique" if p.name == nt.key else ("yes" if p.indexed else "")
            if p.name in nt.fulltext:
                idx = (idx + ", fulltext (cjk)").strip(", ")
            out.append(f"| `{p.name}` | {p.type} | {p.description} | {idx} |")
        out.append("")
    out.append("## Relationship types\n")
    for rt in RELATIONSHIPS:
        src = " \\| ".join(rt.sources)
        tgt = " \\| ".join(rt.targets)
        out.append(f"### `{rt.type}` ({rt.zh})\n\n`({src})-[:{rt.type}]->({tgt})` — {rt.description}\n")
        if rt.properties:
            out.append("| property | type | description |\n|---|---|---|")
            for p in rt.properties:
                out.append(f"| `{p.name}` | {p.type} | {p.description} |")
        out.append("")
    out.append("## Constraints and indexes\n\nApplied idempotently by `riskgraph db init`:\n\n```cypher")
    out.extend(s + ";" for s in schema_statements())
    out.append("```\n")
    return "\n".join(out)
