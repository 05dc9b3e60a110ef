"""Opaque cursors for list endpoints.

A cursor is URL-safe base64 of a small JSON object — the position after the last item returned plus
a fingerprint of the filters — so a client cannot edit it meaningfully and cannot reuse it with
different filters. Positions are sort keys (keyset pagination) where the order is a key, offsets
where it is a score.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from api.errors import ApiError


def fingerprint(filters: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(filters, sort_keys=True, default=str).encode()).hexdigest()[:12]


def encode_cursor(position: Any, filters: dict[str, Any]) -> str:
    raw = json.dumps({"p": position, "f": fingerprint(filters)}, separators=(",", ":"), default=str)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, filters: dict[str, Any]) -> Any:
    """The position stored in ``cursor`` (None for the first page); 400 when it is not ours."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        position, fp = data["p"], data["f"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ApiError(400, "分页游标无效。/ Invalid pagination cursor.", code="invalid-cursor") from exc
    if fp != fingerprint(filters):
        raise ApiError(
            400, "分页游标与查询条件不符。/ The cursor belongs to a different query.", code="invalid-cursor"
        )
    return position
