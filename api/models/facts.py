"""What a disputable fact is and how to find it: kinds → relationship types / labels, identity, and
which attributes a correction may change. Pure data + small helpers (the schema is the authority).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from graph_model import schema as S


@dataclass(frozen=True)
class RelKind:
    type: str
    ident: tuple[str, ...]
    end_is_entry: bool = False
    amendable: tuple[str, ...] = ()


@dataclass(frozen=True)
class NodeKind:
    label: str
    key: str
    amendable: tuple[str, ...]


REL_KINDS: dict[str, RelKind] = {
    "shareholding": RelKind(
        S.HOLDS_SHARES, (), amendable=("pct", "amount", "as_of", "valid_from", "valid_to")
    ),
    "position": RelKind(S.HOLDS_POSITION, ("role",), amendable=("title", "valid_from", "valid_to")),
    "guarantee": RelKind(
        S.GUARANTEES, ("contract_id",), amendable=("amount", "loan_id", "kind", "valid_from", "valid_to")
    ),
    "family": RelKind(S.FAMILY_OF, ("relation",), amendable=("valid_from", "valid_to")),
    # the identity link between a party and a blacklist listing ("is this listing really this person?")
    "listing": RelKind(S.LISTED_AS, (), end_is_entry=True),
}
NODE_KINDS: dict[str, NodeKind] = {
    "blacklist_entry": NodeKind(
        S.BLACKLIST_ENTRY, "entry_id", ("removal_date", "kind", "list_date", "authority", "reason")
    ),
    "company": NodeKind(
        S.COMPANY,
        "entity_id",
        (
            "name",
            "status",
            "industry",
            "region",
            "bank_branch",
            "net_assets",
            "registered_capital",
            "legal_form",
            "established",
            "uscc",
        ),
    ),
    "person": NodeKind(S.PERSON, "entity_id", ("name", "birth_date", "gender", "bank_branch", "id_number")),
}
FACT_KINDS = (*REL_KINDS, *NODE_KINDS)


def party_label(entity_id: str) -> str:
    """Entity ids say their label: ``C:…`` companies, ``P:…`` persons."""
    if entity_id.startswith("C:"):
        return S.COMPANY
    if entity_id.startswith("P:"):
        return S.PERSON
    raise ValueError(f"不是实体编号：{entity_id} / not an entity id: {entity_id}")


def rel_subject(kind: RelKind, start: str, end: str, ident: dict[str, Any]) -> str:
    """The relationship named as ingest names it in FactVersion.subject."""
    extra = ",".join(f"{k}={ident[k]}" for k in sorted(ident))
    return f"{start}-[{kind.type}{':' + extra if extra else ''}]->{end}"


def prop_type(kind_name: str, attribute: str) -> str:
    if kind_name in REL_KINDS:
        props = S.rel_type(REL_KINDS[kind_name].type).properties
    else:
        props = S.node_type(NODE_KINDS[kind_name].label).properties
    for p in props:
        if p.name == attribute:
            return p.type
    return "string"


def coerce(kind_name: str, attribute: str, value: Any) -> Any:
    """A corrected value in the type the schema gives the attribute (dates as dates, numbers as floats)."""
    if value is None:
        return None
    t = prop_type(kind_name, attribute)
    if t == "date":
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    if t == "float":
        return float(value)
    if t == "int":
        return int(value)
    if t == "bool":
        return bool(value)
    return str(value)


def to_json(value: Any) -> str:
    def default(v: Any) -> Any:
        if hasattr(v, "iso_format"):
            return v.iso_format()
        if hasattr(v, "isoformat"):
            return v.isoformat()
        return str(v)

    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=default)
