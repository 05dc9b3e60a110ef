"""The pieces every rendered text is made of: amounts, percentages, dates, names beside ids, escaping.

A rendered text is ``{"zh": …, "en": …}``. Values that come from users' data (names, ids, loan
numbers, statuses) pass through the *escape* of the output they go to: :func:`md_escape` for texts in
JSON answers (clients may show them as Markdown: ``P:5134**…`` must not turn a paragraph bold), none
for the HTML report (Jinja escapes HTML there). Numbers are formatted here and only here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

Escape = Callable[[str], str]
Text = dict[str, str]

#: ASCII punctuation CommonMark (and Streamlit's Markdown, which adds ``$`` for formulae and ``~``
#: for strike-through) gives a meaning; a backslash before each makes it literal
_MD_META = re.compile(r"([\\`*_{}\[\]<>()#+|~$!])")
ENTITY_ID = re.compile(r"^[CP][:\-][^/\s]{1,100}$")


def md_escape(value: str) -> str:
    r"""``value`` with every Markdown metacharacter escaped.

    >>> md_escape("P:5134**********1234")
    'P:5134\\*\\*\\*\\*\\*\\*\\*\\*\\*\\*1234'
    >>> md_escape("[甲](x)")
    '\\[甲\\]\\(x\\)'
    """
    return _MD_META.sub(r"\\\1", value)


def plain(value: str) -> str:
    """No escaping: for outputs that escape on their own (the HTML report)."""
    return value


def _trim(number: str) -> str:
    return number.rstrip("0").rstrip(".") if "." in number else number


def amount_zh(x: float | int | None) -> str:
    """An amount as bank staff read it: 元 below 1万, then 万元, then 亿元.

    >>> amount_zh(125_000_000), amount_zh(34_000_000), amount_zh(8000), amount_zh(None)
    ('1.25亿元', '3,400万元', '8,000元', '—')
    """
    if x is None:
        return "—"
    v = float(x)
    if abs(v) >= 1e8:
        return f"{_trim(f'{v / 1e8:,.2f}')}亿元"
    if abs(v) >= 1e4:
        return f"{_trim(f'{v / 1e4:,.2f}')}万元"
    return f"{_trim(f'{v:,.2f}')}元"


def amount_en(x: float | int | None) -> str:
    """The same amount in English: ``CNY 125m``, ``CNY 8,000``.

    >>> amount_en(125_000_000), amount_en(8000)
    ('CNY 125m', 'CNY 8,000')
    """
    if x is None:
        return "—"
    v = float(x)
    if abs(v) >= 1e6:
        return f"CNY {_trim(f'{v / 1e6:,.2f}')}m"
    return f"CNY {_trim(f'{v:,.2f}')}"


def amount(x: float | int | None) -> Text:
    return {"zh": amount_zh(x), "en": amount_en(x)}


def pct(fraction: float | None, digits: int = 2) -> str:
    """A fraction as a percentage: ``0.1234`` → ``12.34%``; ``None`` → ``—``.

    >>> pct(0.1234), pct(0.25), pct(None)
    ('12.34%', '25%', '—')
    """
    if fraction is None:
        return "—"
    return _trim(f"{float(fraction) * 100:.{digits}f}") + "%"


def pct_points(value: float | None, digits: int = 2) -> str:
    """A value already in percent: ``51.0`` → ``51%``."""
    return "—" if value is None else _trim(f"{float(value):.{digits}f}") + "%"


def day(value: Any) -> str:
    """A date or timestamp as ``YYYY-MM-DD`` (with ``HH:MM`` when it has a time of day)."""
    if value is None or value == "":
        return "—"
    s = str(value)
    m = re.match(r"^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}))?", s)
    if not m:
        return s
    return m.group(1) + (f" {m.group(2)}" if m.group(2) else "")


class Names:
    """Names beside ids, escaped for one output. ``names`` maps the ids *as they appear in the
    (already masked) data* to display names."""

    def __init__(self, names: Mapping[str, str | None], esc: Escape = md_escape) -> None:
        self.names = names
        self.esc = esc

    def v(self, value: Any) -> str:
        """A value from users' data, escaped."""
        return self.esc(str(value))

    def name(self, eid: str) -> str | None:
        n = self.names.get(eid)
        return n if n and n != eid else None

    def who(self, eid: Any) -> Text:
        """``名称（id）`` / ``name (id)``; an entity the graph has no name for says so."""
        e = str(eid)
        n = self.name(e)
        if n is None:
            return {"zh": f"{self.esc(e)}（名称未登记）", "en": f"{self.esc(e)} (no name on record)"}
        return {"zh": f"{self.esc(n)}（{self.esc(e)}）", "en": f"{self.esc(n)} ({self.esc(e)})"}

    def many(self, ids: Iterable[Any], limit: int = 8, total: int | None = None) -> Text:
        """The first ``limit`` names; ``total`` counts the whole list when ``ids`` is a capped one."""
        ids = [str(i) for i in ids]
        count = max(total or 0, len(ids))
        shown = [self.who(i) for i in ids[:limit]]
        zh = "、".join(s["zh"] for s in shown)
        en = ", ".join(s["en"] for s in shown)
        if count > len(shown):
            zh += f" 等 {count} 个"
            en += f" and {count - len(shown)} more"
        return {"zh": zh, "en": en}

    def path(self, ids: Iterable[Any], arrow: str = " → ") -> Text:
        steps = [self.who(i) for i in ids]
        return {"zh": arrow.join(s["zh"] for s in steps), "en": arrow.join(s["en"] for s in steps)}


def join(parts: Iterable[Text], zh_sep: str = "；", en_sep: str = "; ") -> Text:
    parts = list(parts)
    return {"zh": zh_sep.join(p["zh"] for p in parts), "en": en_sep.join(p["en"] for p in parts)}


def entity_ids_in(data: Any, out: set[str] | None = None) -> set[str]:
    """Every entity id (``C:…``, ``P-…``) anywhere in JSON-shaped ``data`` — the ids a text may name."""
    out = set() if out is None else out
    if isinstance(data, str):
        if ENTITY_ID.match(data):
            out.add(data)
    elif isinstance(data, Mapping):
        for k, v in data.items():
            if isinstance(k, str) and ENTITY_ID.match(k):
                out.add(k)
            entity_ids_in(v, out)
    elif isinstance(data, list | tuple):
        for v in data:
            entity_ids_in(v, out)
    return out
