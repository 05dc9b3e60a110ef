"""What a party record is linked to in its own source: evidence for resolving persons and companies.

A registry shareholder often carries no resident ID at all, only a name; the core system knows the
same person with a full ID as the legal representative of that company, or as the spouse of its
controller. A name alone never merges two persons, and a common name is weak evidence, so what ties
the two records together is the company both are linked to. Before persons are resolved, each person
record therefore gets context columns that the person spec compares:

- ``companies``: the companies its source links it to (positions held, shares held, guarantees given)
  and those of its relatives in that source (family ties), as the company entity ids this run
  resolved them to, so a registry record and a core record of the same person share the same tokens
  (a controller's spouse is in the core system as a relative, and in the registry as a shareholder of
  the family's companies). When a relative bears the record's own name, the relatives' companies are
  left out: families reuse names, and the registry's 梁敏 might then be either of them;
- ``phone`` and ``address``: from the source's contacts (the smallest value when there are several).

A second pass comparing the person entities a record is close to (co-holders, relatives) was tried
and dropped: on generator data it linked few more records and merged two different people of one
name whose circles touched. A false merge invents related-party links; a missed one goes to review.

Companies get the same kind of help (:func:`company_context`): their legal representative's name,
phone and address, from the positions and contacts rows.

The rows come from this ingest and from earlier batches (the graph's ``SourceRecord`` payloads,
validated again with the same contract), so a record keeps its context whichever batch brought it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from neo4j import Driver

from graph_model import schema as s
from ingest import contract as c
from ingest.readers import RawRow
from ingest.references import target_kind
from ingest.validate import Record, record_key, validate_row

CONTEXT_KINDS = (c.POSITIONS, c.SHAREHOLDINGS, c.GUARANTEES, c.FAMILY, c.CONTACTS)
LINKING_KINDS = (c.POSITIONS, c.SHAREHOLDINGS, c.GUARANTEES)  # person → company links
TOKEN_SEPARATOR = "|"

PRIOR_CONTEXT_ROWS = (
    f"MATCH (sr:{s.SOURCE_RECORD}) WHERE sr.kind IN $kinds "
    "RETURN sr.source AS source, sr.kind AS kind, sr.record_key AS record_key, sr.payload AS payload"
)


@dataclass
class CompanyIndex:
    """How a relationship row's company reference maps to this run's company entity ids."""

    by_record: Mapping[str, str]  # company record key → entity id
    by_uscc: Mapping[str, str]  # valid USCC → entity id

    def entity(self, source: str, ref: str | None, uscc: str | None) -> str | None:
        if ref and (eid := self.by_record.get(record_key(source, c.COMPANIES, ref))):
            return eid
        return self.by_uscc.get(uscc) if uscc else None


@dataclass
class Links:
    """What the relationship rows say about each party record (keys: party record keys).

    Much smaller than the rows themselves: a large load can collect it file by file and drop each
    file's records (``bench/er/generated.py`` does at scale l)."""

    companies: dict[str, set[tuple[str, str | None, str | None]]] = field(
        default_factory=lambda: defaultdict(set)
    )  # person → (source, company ref, USCC) of the companies it is linked to
    relatives: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    legal_reps: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # company → persons
    phones: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    addresses: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))


def _party_refs(rec: Record) -> list[tuple[str, str | None, str | None]]:
    """(target kind, record ref, strong id) of every party the row names."""
    out = []
    for col in c.file_kind(rec.kind).references:
        kind = target_kind(rec, col)
        if kind not in (c.COMPANIES, c.PERSONS):
            continue
        strong = rec.values.get(col.strong_id) if col.strong_id else None
        out.append((kind, rec.values.get(col.name), strong))
    return out


def _kind_of(key: str) -> str:
    return key.split("|", 2)[1]


def collect_links(records: Iterable[Record], into: Links | None = None) -> Links:
    """Add what ``records`` (relationship rows; other kinds are skipped) say to ``into``."""
    links = into if into is not None else Links()
    for rec in records:
        if rec.issues or rec.kind not in CONTEXT_KINDS:
            continue
        parties = _party_refs(rec)
        keys = [(kind, record_key(rec.source, kind, ref)) for kind, ref, _ in parties if ref]
        persons = [key for kind, key in keys if kind == c.PERSONS]
        if rec.kind == c.CONTACTS:
            if rec.values.get("value"):
                target = links.phones if rec.values.get("contact_type") == "phone" else links.addresses
                for _, key in keys:
                    target[key].add(str(rec.values["value"]))
        elif rec.kind == c.FAMILY:
            if len(persons) == 2:
                a, b = persons
                links.relatives[a].add(b)
                links.relatives[b].add(a)
        elif rec.kind in LINKING_KINDS:
            firms = {(rec.source, ref, strong) for kind, ref, strong in parties if kind == c.COMPANIES}
            for p in persons:
                links.companies[p] |= firms
            if rec.kind == c.POSITIONS and rec.values.get("role") == "legal_representative":
                for kind, key in keys:
                    if kind == c.COMPANIES:
                        links.legal_reps[key].update(persons)
    return links


def company_context(
    records: Iterable[Record] | Links, person_names: Mapping[str, str | None]
) -> dict[str, dict[str, str]]:
    """Company record key → ``legal_rep`` (the name of the person its source records as 法定代表人),
    ``phone``, ``address`` (from its source's contacts): the supporting fields of the company spec,
    which the companies file itself does not carry. A core customer record without USCC then meets
    its registry record on name *and* legal representative, not on name alone."""
    links = records if isinstance(records, Links) else collect_links(records)
    reps = {
        firm: {name for p in persons if (name := person_names.get(p))}
        for firm, persons in links.legal_reps.items()
    }
    out: dict[str, dict[str, str]] = {}
    for column, values in (("legal_rep", reps), ("phone", links.phones), ("address", links.addresses)):
        for key, found in values.items():
            if found and _kind_of(key) == c.COMPANIES:
                out.setdefault(key, {})[column] = min(found)
    return out


def person_context(
    records: Iterable[Record] | Links, companies: CompanyIndex, names: Mapping[str, str | None]
) -> dict[str, dict[str, str]]:
    """Person record key → ``companies``, ``phone``, ``address`` (only the ones it has).

    ``names``: person record key → normalized name, to tell a relative who bears the same name."""
    links = records if isinstance(records, Links) else collect_links(records)
    firms_of = {
        key: {eid for ref in refs if (eid := companies.entity(*ref))} for key, refs in links.companies.items()
    }
    keys = set(links.companies) | set(links.relatives) | set(links.phones) | set(links.addresses)
    out: dict[str, dict[str, str]] = {}
    for key in keys:
        if _kind_of(key) != c.PERSONS:
            continue
        firms = set(firms_of.get(key, ()))
        relatives = links.relatives.get(key, set())
        if not any(names.get(r) is not None and names.get(r) == names.get(key) for r in relatives):
            for relative in relatives:
                firms |= firms_of.get(relative, set())
        ctx: dict[str, str] = {}
        if firms:
            ctx["companies"] = TOKEN_SEPARATOR.join(sorted(firms))
        if phones := links.phones.get(key):
            ctx["phone"] = min(phones)
        if addresses := links.addresses.get(key):
            ctx["address"] = min(addresses)
        if ctx:
            out[key] = ctx
    return out


def prior_context_records(driver: Driver, database: str, exclude: set[str]) -> list[Record]:
    """Relationship rows of earlier batches, validated again (their payloads are the rows as received)."""
    out: list[Record] = []
    with driver.session(database=database, notifications_min_severity="OFF") as session:
        for row in session.run(PRIOR_CONTEXT_ROWS, kinds=list(CONTEXT_KINDS)):
            if row["record_key"] in exclude:
                continue
            values = json.loads(row["payload"] or "{}")
            rec = validate_row(RawRow(0, values), c.file_kind(row["kind"]), row["source"], "(graph)")
            out.append(rec)
    return out
