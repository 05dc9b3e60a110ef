"""The Resolver step: source records of parties → golden entity ids, with the evidence for each.

This is where entity resolution plugs in. ``StrongKeyResolver`` is the default: it keys companies by
USCC and persons by full resident ID, and gives every other record a provisional id derived from its
source and record id (a masked ID is evidence, never a key). An ER-backed resolver implements the
same ``resolve`` and may return any stable entity id, with its match evidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from graph_model.schema import COMPANY, PERSON
from ingest import contract as c
from ingest.validate import Record

RESOLVED_KINDS = {c.COMPANIES: COMPANY, c.PERSONS: PERSON}


@dataclass(frozen=True)
class Resolution:
    entity_id: str
    evidence: dict[str, Any] = field(default_factory=dict)


class Resolver(Protocol):
    """Maps the records of one party kind to entity ids, one Resolution per record, in order."""

    name: str

    def observe_batch(self, by_kind: dict[str, list[Record]]) -> None:
        """Sees the whole ingest (every kind) before parties are resolved; may ignore it."""

    def resolve(self, kind: str, records: Sequence[Record]) -> list[Resolution]: ...


def company_entity_id(uscc: str) -> str:
    return f"C:{uscc}"


def person_entity_id(id_number: str) -> str:
    return f"P:{id_number}"


def provisional_entity_id(kind: str, source: str, record_id: str) -> str:
    """Never collides with a strong key: USCC and resident IDs contain no ':'."""
    prefix = "C" if kind == c.COMPANIES else "P"
    return f"{prefix}:{source}:{record_id}"


class StrongKeyResolver:
    """Strong identifiers only: same USCC → same company, same full resident ID → same person."""

    name = "strong_key"

    def observe_batch(self, by_kind: dict[str, list[Record]]) -> None:
        """Strong keys need no context."""

    def resolve(self, kind: str, records: Sequence[Record]) -> list[Resolution]:
        out: list[Resolution] = []
        for rec in records:
            if kind == c.COMPANIES and rec.values.get("uscc"):
                out.append(
                    Resolution(company_entity_id(rec.values["uscc"]), {"method": self.name, "key": "uscc"})
                )
            elif kind == c.PERSONS and rec.values.get("id_number"):
                out.append(
                    Resolution(
                        person_entity_id(rec.values["id_number"]), {"method": self.name, "key": "id_number"}
                    )
                )
            else:
                out.append(
                    Resolution(
                        provisional_entity_id(kind, rec.source, rec.record_id),
                        {"method": self.name, "key": "provisional"},
                    )
                )
        return out
