"""Which pages and tabs a signed-in user sees: one mapping from the API's permissions (``/v1/me``).

The API decides access; this table only keeps the explorer from offering what would answer 403.
A page is shown when the key holds any of the permissions it lists; a tab (or action) when it holds
all it names. The permissions are the API's own names (api/security/roles.py)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

#: page script (explorer/pages/<name>.py) → permissions, any of which shows the page
PAGES: dict[str, tuple[str, ...]] = {
    "search": ("entity:read",),
    "entity": ("entity:read",),
    "network": ("entity:read",),
    "ownership": ("entity:read",),
    "group": ("entity:read",),
    "circles": ("entity:read",),
    "alerts": ("alert:read",),
    "supervisor": ("blacklist:read", "rule:read"),
    "review": ("review:read",),
}

#: (page, tab or action) → the permissions it needs, all of them
TABS: dict[tuple[str, str], tuple[str, ...]] = {
    ("entity", "preloan"): ("check:pre-loan",),
    ("entity", "alerts"): ("alert:read",),
    ("alerts", "triage"): ("alert:triage",),
    ("supervisor", "spread"): ("blacklist:read",),
    ("supervisor", "runs"): ("rule:read",),
    ("review", "judge"): ("review:write",),
    # a split lists the entity's source records (the entity card's provenance)
    ("review", "split"): ("review:write", "entity:read"),
}


def permissions(whoami: Mapping[str, object] | None) -> frozenset[str]:
    perms = (whoami or {}).get("permissions") or []
    return frozenset(str(p) for p in perms) if isinstance(perms, Iterable) else frozenset()


def visible_pages(whoami: Mapping[str, object] | None) -> list[str]:
    """The pages this user may use, in menu order.

    >>> visible_pages({"permissions": ["whoami", "audit:read"]})
    []
    >>> visible_pages({"permissions": ["rule:read", "review:read", "review:write"]})
    ['supervisor', 'review']
    """
    perms = permissions(whoami)
    return [page for page, needs in PAGES.items() if perms & set(needs)]


def may(whoami: Mapping[str, object] | None, page: str, tab: str) -> bool:
    """Whether the tab or action ``tab`` of ``page`` is offered.

    >>> may({"permissions": ["entity:read", "alert:read"]}, "entity", "preloan")
    False
    """
    return set(TABS[(page, tab)]) <= permissions(whoami)
