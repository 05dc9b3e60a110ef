"""Data made ready for rendering: names of every id it mentions (one read), masked per role."""

from __future__ import annotations

from typing import Any, Protocol

from api.masking import mask_pii
from api.rendering.text import Escape, Names, entity_ids_in, md_escape


class NameLookup(Protocol):
    """What rendering needs of the graph (:class:`api.repositories.names.NameRepository`)."""

    async def names(self, ids: list[str]) -> dict[str, str | None]: ...


async def prepared(
    data: Any,
    lookup: NameLookup,
    *,
    pii: bool,
    esc: Escape = md_escape,
    extra: dict[str, str | None] | None = None,
    named: Any = None,
) -> tuple[Any, Names]:
    """(``data`` as the caller may see it, the names of the ids in it).

    The names are read with the raw ids; without ``pii`` the data and the names' keys are then masked
    by :func:`api.masking.mask_pii` — the one masking decision — so a rendered text carries the
    masked id, exactly as the rest of the answer does, and nothing is masked twice or differently.
    ``named``: the part of ``data`` whose ids the texts will name (default: all of it); ``extra``:
    names already known (no read is made for them).
    """
    known = dict(extra or {})
    wanted = sorted(entity_ids_in(data if named is None else named) - set(known))
    if wanted:
        known.update(await lookup.names(wanted))
    if pii:
        return data, Names(known, esc)
    masked = {str(mask_pii(k)): (mask_pii(v) if isinstance(v, str) else v) for k, v in known.items()}
    return mask_pii(data), Names(masked, esc)


def names_carried(data: Any, out: dict[str, str | None] | None = None) -> dict[str, str | None]:
    """The ``{entity_id: name}`` pairs ``data`` already carries in its labelled rows — a mapping with
    both ``entity_id`` and ``name``, a path's parallel ``nodes`` and ``names``, a ``names`` map of ids
    — so the texts name them without another read.

    >>> names_carried({"rows": [{"entity_id": "C:1", "name": "甲"}], "p": {"nodes": ["C:2"], "names": ["乙"]}})
    {'C:1': '甲', 'C:2': '乙'}
    """
    out = {} if out is None else out
    if isinstance(data, dict):
        eid, name = data.get("entity_id"), data.get("name")
        if isinstance(eid, str) and isinstance(name, str) and name:
            out.setdefault(eid, name)
        nodes, names = data.get("nodes"), data.get("names")
        if isinstance(nodes, list) and isinstance(names, list) and len(nodes) == len(names):
            for n, nm in zip(nodes, names, strict=True):
                if isinstance(n, str) and isinstance(nm, str) and nm:
                    out.setdefault(n, nm)
        elif isinstance(names, dict):
            for n, nm in names.items():
                if isinstance(n, str) and isinstance(nm, str) and nm:
                    out.setdefault(n, nm)
        for v in data.values():
            if isinstance(v, dict | list):
                names_carried(v, out)
    elif isinstance(data, list):
        for v in data:
            if isinstance(v, dict | list):
                names_carried(v, out)
    return out
