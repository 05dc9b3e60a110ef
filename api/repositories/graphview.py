"""Nodes and relationships as the API shows them: stable public ids, small property sets.

Public node ids never expose PII: a phone or address node is named by a keyed hash of its key, not
by the number itself — keyed (HMAC under a secret of this process) because a plain hash of a phone
number is reversed by trying every number. Captions are the raw values; whether the caller may see
them is decided in one place for the whole response (:func:`api.masking.mask_response`), which masks
a ``Phone``/``Address`` node's caption and text with its number and address.
Internal traversal uses Neo4j element ids, which never leave the process.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from typing import Any

from api.repositories.base import jsonable, parse_json
from graph_model import schema as S

_KEY_BY_LABEL = {nt.label: nt.key for nt in S.NODES}
_HASHED_LABELS = {S.PHONE, S.ADDRESS}
_HIDDEN_PROPS = {"record_keys", "hash", "lookup", "payload", "content_hash"}
_JSON_PROPS = {"evidence", "paths", "counts", "parameters", "parts"}
_CAPTION = ("name", "text", "loan_id", "entry_id", "rule_id", "group_id", "number")
_ID_SECRET = secrets.token_bytes(32)


def set_public_id_secret(secret: str | bytes) -> None:
    """Make the phone/address node ids stable across restarts (e.g. from the API-key pepper)."""
    global _ID_SECRET
    _ID_SECRET = secret.encode() if isinstance(secret, str) else secret


def primary_label(labels: list[str] | tuple[str, ...] | frozenset[str]) -> str:
    for label in labels:
        if label in _KEY_BY_LABEL:
            return label
    return sorted(labels)[0] if labels else "Node"


def node_public_id(label: str, props: dict[str, Any]) -> str:
    key = _KEY_BY_LABEL.get(label)
    value = props.get(key) if key else None
    if label in (S.COMPANY, S.PERSON) and value:
        return str(value)
    if label in _HASHED_LABELS and value:
        digest = hmac.new(_ID_SECRET, str(value).encode(), hashlib.sha256).hexdigest()[:16]
        return f"{label}:{digest}"
    return f"{label}:{value}"


def node_view(labels: Any, props: dict[str, Any]) -> dict[str, Any]:
    label = primary_label(list(labels))
    clean = {k: parse_json(v) if k in _JSON_PROPS else v for k, v in props.items() if k not in _HIDDEN_PROPS}
    caption = next((str(props[c]) for c in _CAPTION if props.get(c) is not None), label)
    return {
        "id": node_public_id(label, props),
        "label": label,
        "caption": caption,
        "properties": jsonable(clean),
    }


def edge_view(rel_type: str, start_id: str, end_id: str, props: dict[str, Any]) -> dict[str, Any]:
    clean = {k: v for k, v in props.items() if k not in _HIDDEN_PROPS}
    digest = hashlib.sha1(
        json.dumps([rel_type, start_id, end_id, jsonable(clean)], sort_keys=True, default=str).encode()
    ).hexdigest()[:16]
    return {
        "id": f"{rel_type}:{digest}",
        "type": rel_type,
        "source": start_id,
        "target": end_id,
        "properties": jsonable(clean),
    }
