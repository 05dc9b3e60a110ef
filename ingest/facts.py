"""Turning one accepted record into the graph facts it states: nodes, relationships, shared nodes.

One function per file kind, each pure: a record (with its resolved entity id and references) in,
facts out. The writer does not know kinds, only facts; this module does not know Cypher.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NamedTuple

from stdnum.cn import ric

from graph_model import schema as s
from ingest import contract as c
from ingest.normalize import address_key, company_name_norm
from ingest.validate import Record


class Ref(NamedTuple):
    """A node addressed by its label and key value (a tuple: built for every fact, hashed often)."""

    label: str
    id: str

    @property
    def key(self) -> str:
        return s.node_type(self.label).key


@dataclass
class NodeFact:
    """A golden node supported by this record (gets provenance, history and DERIVED_FROM)."""

    ref: Ref
    props: dict[str, Any]
    evidence: dict[str, Any] | None = None
    accumulate: dict[str, list[str]] = field(default_factory=dict)  # list props that grow (name_variants)


@dataclass
class SharedNode:
    """A node several parties point at (phone, address): merged on its key, no provenance of its own."""

    ref: Ref
    props: dict[str, Any]


# the properties that tell two relationships of one type between the same two nodes apart (RelFact.ident)
RELATIONSHIP_IDENTITY: dict[str, tuple[str, ...]] = {
    s.HOLDS_POSITION: ("role",),
    s.GUARANTEES: ("contract_id",),
    s.GUARANTEES_LOAN: ("contract_id",),
    s.FAMILY_OF: ("relation",),
    s.HAS_ADDRESS: ("kind",),
}


@dataclass
class RelFact:
    type: str
    start: Ref
    end: Ref
    ident: dict[str, Any]  # properties that tell two relationships of the same pair apart
    props: dict[str, Any]

    @cached_property
    def identity(self) -> tuple:
        return (self.type, self.start.id, self.end.id, tuple(sorted(self.ident.items())))

    @property
    def subject(self) -> str:
        extra = ",".join(f"{k}={v}" for k, v in sorted(self.ident.items()))
        return f"{self.start.id}-[{self.type}{':' + extra if extra else ''}]->{self.end.id}"


@dataclass
class RecordFacts:
    record: Record
    nodes: list[NodeFact] = field(default_factory=list)
    shared: list[SharedNode] = field(default_factory=list)
    rels: list[RelFact] = field(default_factory=list)


def party(entity_id: str) -> Ref:
    return Ref(s.COMPANY if entity_id.startswith("C:") else s.PERSON, entity_id)


def _pick(values: dict[str, Any], *names: str) -> dict[str, Any]:
    return {n: values.get(n) for n in names}


def company_facts(rec: Record, entity_id: str, evidence: dict) -> RecordFacts:
    v = rec.values
    props = {
        "entity_id": entity_id,
        "name_norm": company_name_norm(v["name"]),
        **_pick(
            v,
            "uscc",
            "name",
            "legal_form",
            "registered_capital",
            "net_assets",
            "established",
            "status",
            "industry",
            "region",
            "bank_branch",
            "is_branch",
            "valid_from",
        ),
    }
    out = RecordFacts(
        rec, nodes=[NodeFact(Ref(s.COMPANY, entity_id), props, evidence, {"name_variants": [v["name"]]})]
    )
    if "parent_ref" in rec.refs:
        out.rels.append(
            RelFact(s.BRANCH_OF, Ref(s.COMPANY, entity_id), Ref(s.COMPANY, rec.refs["parent_ref"]), {}, {})
        )
    return out


def person_facts(rec: Record, entity_id: str, evidence: dict) -> RecordFacts:
    v = rec.values
    props = {
        "entity_id": entity_id,
        **_pick(v, "id_number", "id_masked", "name", "birth_date", "gender", "bank_branch", "valid_from"),
    }
    if v.get("id_number"):
        if props["birth_date"] is None:
            props["birth_date"] = ric.get_birth_date(v["id_number"])
        if props["gender"] is None:
            props["gender"] = "M" if int(v["id_number"][16]) % 2 else "F"
    return RecordFacts(rec, nodes=[NodeFact(Ref(s.PERSON, entity_id), props, evidence)])


def loan_facts(rec: Record) -> RecordFacts:
    v = rec.values
    loan = Ref(s.LOAN, v["loan_id"])
    props = _pick(v, "loan_id", "amount", "balance", "start_date", "maturity_date", "status", "bank_branch")
    props["currency"] = v.get("currency") or "CNY"
    return RecordFacts(
        rec,
        nodes=[NodeFact(loan, props, {"method": "business_key", "key": "loan_id"})],
        rels=[RelFact(s.BORROWED, party(rec.refs["borrower_ref"]), loan, {}, {})],
    )


def blacklist_facts(rec: Record) -> RecordFacts:
    v = rec.values
    entry = Ref(s.BLACKLIST_ENTRY, v["entry_id"])
    props = _pick(v, "entry_id", "kind", "list_date", "removal_date", "authority", "reason")
    return RecordFacts(
        rec,
        nodes=[NodeFact(entry, props, {"method": "business_key", "key": "entry_id"})],
        rels=[RelFact(s.LISTED_AS, party(rec.refs["party_ref"]), entry, {}, {})],
    )


def _validity(v: dict[str, Any]) -> dict[str, Any]:
    return _pick(v, "valid_from", "valid_to")


def position_facts(rec: Record) -> RecordFacts:
    v = rec.values
    return RecordFacts(
        rec,
        rels=[
            RelFact(
                s.HOLDS_POSITION,
                Ref(s.PERSON, rec.refs["person_ref"]),
                Ref(s.COMPANY, rec.refs["company_ref"]),
                {"role": v["role"]},
                {"title": v.get("title"), **_validity(v)},
            )
        ],
    )


def shareholding_facts(rec: Record) -> RecordFacts:
    v = rec.values
    return RecordFacts(
        rec,
        rels=[
            RelFact(
                s.HOLDS_SHARES,
                party(rec.refs["holder_ref"]),
                Ref(s.COMPANY, rec.refs["company_ref"]),
                {},
                {**_pick(v, "pct", "amount", "as_of"), **_validity(v)},
            )
        ],
    )


def guarantee_facts(rec: Record) -> RecordFacts:
    v = rec.values
    guarantor = party(rec.refs["guarantor_ref"])
    ident = {"contract_id": v["contract_id"]}
    rels = [
        RelFact(
            s.GUARANTEES,
            guarantor,
            party(rec.refs["borrower_ref"]),
            ident,
            {**_pick(v, "amount", "loan_id", "kind"), **_validity(v)},
        )
    ]
    if "loan_id" in rec.refs:
        rels.append(
            RelFact(
                s.GUARANTEES_LOAN,
                guarantor,
                Ref(s.LOAN, rec.refs["loan_id"]),
                ident,
                {"amount": v["amount"], **_validity(v)},
            )
        )
    return RecordFacts(rec, rels=rels)


def family_facts(rec: Record) -> RecordFacts:
    v = rec.values
    return RecordFacts(
        rec,
        rels=[
            RelFact(
                s.FAMILY_OF,
                Ref(s.PERSON, rec.refs["person_ref"]),
                Ref(s.PERSON, rec.refs["relative_ref"]),
                {"relation": v["relation"]},
                _validity(v),
            )
        ],
    )


def contact_facts(rec: Record) -> RecordFacts:
    """Phones and addresses are shared nodes: two parties giving the same number meet at one node."""
    v = rec.values
    owner = party(rec.refs["party_ref"])
    if v["contact_type"] == "phone":
        from ingest.values import parse_phone

        number = parse_phone(v["value"])
        node = SharedNode(Ref(s.PHONE, number), {"number": number})
        return RecordFacts(rec, shared=[node], rels=[RelFact(s.HAS_PHONE, owner, node.ref, {}, _validity(v))])
    key = address_key(v["value"])
    node = SharedNode(Ref(s.ADDRESS, key), {"address_key": key, "text": v["value"]})
    return RecordFacts(
        rec,
        shared=[node],
        rels=[
            RelFact(
                s.HAS_ADDRESS, owner, node.ref, {"kind": v.get("address_kind") or "registered"}, _validity(v)
            )
        ],
    )


RELATION_BUILDERS = {
    c.LOANS: loan_facts,
    c.BLACKLIST: blacklist_facts,
    c.POSITIONS: position_facts,
    c.SHAREHOLDINGS: shareholding_facts,
    c.GUARANTEES: guarantee_facts,
    c.FAMILY: family_facts,
    c.CONTACTS: contact_facts,
}
