"""History records (``FactVersion``): the one place that says how an earlier value is kept.

Ingest (a newer source row), entity resolution (a record moving to another entity) and disputes (a
reviewer's correction) all replace a value the graph held; each keeps the earlier value as a
``FactVersion`` hanging off the entity (for a relationship attribute: off its start node). They
build the record with :func:`fact_version` and write it with :func:`write_versions_statement`, so
there is one id recipe and one Cypher statement. The id is derived from what the version says, which
makes writing it twice (a resumed ingest, a retried transaction) a no-op.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from graph_model import schema as s

VersionRow = dict[str, Any]  # {"owner": owner id, "props": FactVersion properties}


def to_json(value: Any) -> str:
    """An attribute value as the JSON kept in ``FactVersion.value`` (dates as ISO text)."""
    return json.dumps(_plain(value), ensure_ascii=False, default=str, sort_keys=True)


def _plain(value: Any) -> Any:
    if hasattr(value, "to_native"):
        value = value.to_native()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def version_id(subject: str, attribute: str, value: str, superseded_by: str, record_key: str | None) -> str:
    """The one id recipe: what was replaced (subject, attribute, earlier value) and what replaced it."""
    text = f"{subject}|{attribute}|{value}|{superseded_by}|{record_key or ''}"
    return "V:" + hashlib.sha256(text.encode()).hexdigest()[:24]


def fact_version(
    *,
    subject: str,
    attribute: str,
    value: str,
    superseded_by: str,
    record_key: str | None = None,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
    batch_id: str | None = None,
) -> dict[str, Any]:
    """The properties of one FactVersion.

    ``value`` is the earlier value as JSON (:func:`to_json`); ``superseded_by`` names what replaced it
    (a batch id, or ``dispute:<id>``); ``record_key`` the source record (or dispute) that did;
    ``batch_id`` the batch that had supplied the earlier value.
    """
    return {
        "version_id": version_id(subject, attribute, value, superseded_by, record_key),
        "attribute": attribute,
        "subject": subject,
        "value": value,
        "valid_from": valid_from,
        "valid_to": valid_to,
        "batch_id": batch_id,
        "superseded_by_batch": superseded_by,
        "record_key": record_key,
    }


def write_versions_statement(owner_label: str | None, rows: list[VersionRow]) -> tuple[str, dict[str, Any]]:
    """The statement (query, parameters) writing FactVersions and their HAS_VERSION links.

    ``rows`` are ``{"owner": …, "props": fact_version(…)}``. The owner is matched by its label's key
    (``owner_label`` given) or, with ``owner_label=None``, by ``elementId`` (for callers that hold the
    element, as a dispute does). Works with a sync or an async transaction: ``tx.run(*statement)``.
    """
    if owner_label is None:
        match = "MATCH (n) WHERE elementId(n) = row.owner"
    else:
        key = s.node_type(owner_label).key
        match = f"MATCH (n:{owner_label} {{{key}: row.owner}})"
    query = (
        f"UNWIND $rows AS row {match} "
        f"MERGE (v:{s.FACT_VERSION} {{version_id: row.props.version_id}}) ON CREATE SET v += row.props "
        f"MERGE (n)-[:{s.HAS_VERSION}]->(v)"
    )
    return query, {"rows": rows}


def write_versions(tx: Any, owner_label: str | None, rows: list[VersionRow]) -> Any:
    """Write FactVersions in a (sync) transaction; returns the summary counters."""
    query, params = write_versions_statement(owner_label, rows)
    return tx.run(query, params).consume().counters
