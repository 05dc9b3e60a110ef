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
) -> tuple[Any, Names]:
    """(``data`` as the caller may see it, the names of the ids in it).

    The names are read with the raw ids; without ``pii`` the data and the names' keys are then masked
    by :func:`api.masking.mask_pii` — the one masking decision — so a rendered text carries the
    masked id, exactly as the rest of the answer does, and nothing is masked twice or differently.
    """
    known = dict(extra or {})
    wanted = sorted(entity_ids_in(data) - set(known))
    known.update(await lookup.names(wanted))
    if pii:
        return data, Names(known, esc)
    masked = {str(mask_pii(k)): (mask_pii(v) if isinstance(v, str) else v) for k, v in known.items()}
    return mask_pii(data), Names(masked, esc)
