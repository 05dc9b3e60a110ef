"""Secrets never stored: API keys, session tokens, passwords and Authorization values are removed from
everything the server writes down — audit records and its own log — wherever the client put them.

Two nets, as for personal data: by name (a query parameter, header or field called ``api_key``,
``token``, ``password``, ``authorization`` …) and by shape (an ``rg_<id>_<secret>`` key or session
token, a ``Bearer …`` value, a JWT) anywhere in a path, query, note or message. A key keeps its
public id (``rg_3f2a…_[REDACTED]``) so an auditor can still tell which key was misused.
"""

from __future__ import annotations

import logging
import re
from typing import Any

REDACTED = "[REDACTED]"

_SECRET_NAME = re.compile(
    r"^(x[-_])?(api[-_]?key|apikey|key|access[-_]?token|refresh[-_]?token|id[-_]?token|token|session[-_]?token|"
    r"password|passwd|pwd|new[-_]?password|old[-_]?password|current[-_]?password|secret|client[-_]?secret|"
    r"authorization|auth|bearer|cookie|set[-_]cookie|signature|sig|credential|credentials)$",
    re.IGNORECASE,
)
_RG_KEY = re.compile(r"\brg_([0-9a-f]{6,32})_[A-Za-z0-9_\-]{8,}")
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=\-]{6,}")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,}")
_NAMED_IN_TEXT = re.compile(
    r"(?i)\b(api[-_]?key|apikey|access[-_]?token|token|password|passwd|pwd|secret|authorization)"
    r"(\s*[\"']?\s*[:=]\s*[\"']?)([^\s\"'&,;}]+)"
)


def is_secret_name(name: str) -> bool:
    return bool(_SECRET_NAME.match(name.strip()))


def redact_text(text: str) -> str:
    """``text`` with every secret-shaped value replaced (keys keep their public id)."""
    if not text:
        return text
    out = _RG_KEY.sub(lambda m: f"rg_{m.group(1)}_{REDACTED}", text)
    out = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", out)
    out = _JWT.sub(REDACTED, out)
    return _NAMED_IN_TEXT.sub(lambda m: m.group(1) + m.group(2) + REDACTED, out)


def redact_params(params: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Query parameters: a secret's value goes whatever it looks like; others by shape."""
    return [(k, REDACTED if is_secret_name(k) else redact_text(v)) for k, v in params]


def redact(value: Any) -> Any:
    """A copy of a JSON-shaped value with secrets removed by field name and by shape."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {
            k: (REDACTED if is_secret_name(str(k)) and isinstance(v, str) and v else redact(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


class RedactingFilter(logging.Filter):
    """A logging filter: the formatted message and any traceback pass through :func:`redact_text`
    and ``extra_mask`` (the personal-data mask) before a handler sees them."""

    def __init__(self, extra_mask: Any = None) -> None:
        super().__init__("riskgraph-redact")
        self.extra_mask = extra_mask

    def _clean(self, text: str) -> str:
        text = redact_text(text)
        return self.extra_mask(text) if self.extra_mask else text

    def filter(self, record: logging.LogRecord) -> bool:
        # arguments are cleaned one by one, not merged into the message: formatters such as
        # uvicorn's access formatter unpack ``record.args`` themselves
        if isinstance(record.msg, str):
            record.msg = self._clean(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(self._clean(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: self._clean(v) if isinstance(v, str) else v for k, v in record.args.items()}
        if record.exc_info:
            record.exc_text = self._clean(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = self._clean(record.stack_info)
        return True


#: loggers whose records may carry request paths, queries or exception texts
SERVER_LOGGERS = ("", "riskgraph", "riskgraph.api", "uvicorn", "uvicorn.error", "uvicorn.access", "fastapi")


def install_log_redaction(extra_mask: Any = None) -> None:
    """Attach one :class:`RedactingFilter` to the server's loggers and their handlers (idempotent).

    Logger filters only see records logged on that very logger, handler filters see everything the
    handler writes: both are set so that a record from a child logger is cleaned too.
    """
    for name in SERVER_LOGGERS:
        logger = logging.getLogger(name)
        targets: list[logging.Filterer] = [logger, *logger.handlers]
        for target in targets:
            if not any(isinstance(f, RedactingFilter) for f in target.filters):
                target.addFilter(RedactingFilter(extra_mask))
