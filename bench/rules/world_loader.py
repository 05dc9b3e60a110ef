"""Load the generator's *true* world straight into Neo4j (true ids TC…/TP…), bypassing ingest.

Why: the rule benchmarks need graphs of 10^5–10^6 companies, and the ingest pipeline (parsing,
validation, resolution, provenance) is measured on its own elsewhere; loading the true world with
plain UNWIND batches takes minutes and gives the rules exactly the structure the generator planted,
so results can also be compared one to one with the ground truth (no resolution errors in between).
The graph follows graph_model.schema (labels, keys, relationship types, properties the rules read);
provenance properties are not written.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable
from typing import Any

from neo4j import Driver

from ingest.generator.names import name_pools
from ingest.generator.risk import Credit, build_credit
from ingest.generator.sources import phone_key, true_company_id, true_party_id, true_person_id
from ingest.generator.world import COMPANY, World, build_world

LABEL = {COMPANY: "Company", 1: "Person"}


def build(seed: int, n_companies: int) -> tuple[World, Credit]:
    world = build_world(seed, n_companies, name_pools(seed))
    return world, build_credit(world)


def _date(ordinal: int | None) -> dt.date | None:
    return None if ordinal is None or ordinal < 0 else dt.date.fromordinal(int(ordinal))


def _write(driver: Driver, query: str, rows: Iterable[Any], batch: int) -> int:
    n = 0
    buf: list[Any] = []
    with driver.session() as s:
        for row in rows:
            buf.append(row)
            if len(buf) >= batch:
                s.run(query, rows=buf).consume()
                n += len(buf)
                buf = []
        if buf:
            s.run(query, rows=buf).consume()
            n += len(buf)
    return n


def _by_kinds(rows: Iterable[tuple[int, int, dict]]) -> dict[tuple[int, int], list[dict]]:
    out: dict[tuple[int, int], list[dict]] = {}
    for ka, kb, row in rows:
        out.setdefault((ka, kb), []).append(row)
    return out


def load_world(
    driver: Driver, w: World, cr: Credit, *, batch: int = 20000, progress: Callable[[str], None] = print
) -> dict[str, float]:
    """Write companies, persons, shareholdings, positions, family, contacts, loans, guarantees and
    blacklist entries. Returns seconds per stage. Expects an empty graph with the schema applied."""
    secs: dict[str, float] = {}

    def stage(name: str, fn: Callable[[], int]) -> None:
        t = time.perf_counter()
        n = fn()
        secs[name] = time.perf_counter() - t
        progress(f"{name}: {n:,} in {secs[name]:.1f} s")

    stage(
        "companies",
        lambda: _write(
            driver,
            "UNWIND $rows AS r CREATE (c:Company) SET c = r",
            (
                {
                    "entity_id": true_company_id(c),
                    "name": w.c_name[c],
                    "uscc": str(w.c_uscc[c]),
                    "net_assets": float(w.c_net_assets[c]),
                    "registered_capital": float(w.c_capital[c]),
                    "is_branch": bool(w.c_parent[c] >= 0),
                    "status": w.c_status[c],
                    "bank_branch": w.c_branch_bank[c],
                }
                for c in range(w.n_companies)
            ),
            batch,
        ),
    )
    stage(
        "persons",
        lambda: _write(
            driver,
            "UNWIND $rows AS r CREATE (p:Person) SET p = r",
            ({"entity_id": true_person_id(p), "name": w.p_name[p]} for p in range(w.n_persons)),
            batch,
        ),
    )

    def rels(rtype: str, grouped: dict[tuple[int, int], list[dict]], props: str = "x = r.props") -> int:
        n = 0
        for (ka, kb), rows in grouped.items():
            q = (
                f"UNWIND $rows AS r MATCH (a:{LABEL[ka]} {{entity_id: r.a}}) MATCH (b:{LABEL[kb]} {{entity_id: r.b}}) "
                f"CREATE (a)-[x:{rtype}]->(b) SET {props}"
            )
            n += _write(driver, q, rows, batch)
        return n

    h = w.holdings
    stage(
        "holdings",
        lambda: rels(
            "HOLDS_SHARES",
            _by_kinds(
                (
                    k,
                    COMPANY,
                    {"a": true_party_id(k, p), "b": true_company_id(c), "props": {"pct": bp / 100.0}},
                )
                for k, p, c, bp in zip(h.holder_kind, h.holder, h.company, h.bp, strict=True)
            ),
        ),
    )
    stage(
        "positions",
        lambda: rels(
            "HOLDS_POSITION",
            _by_kinds(
                (
                    1,
                    COMPANY,
                    {
                        "a": true_person_id(p),
                        "b": true_company_id(c),
                        "props": {"role": role, "title": title},
                    },
                )
                for p, c, role, title in w.positions
            ),
        ),
    )
    stage(
        "family",
        lambda: rels(
            "FAMILY_OF",
            _by_kinds(
                (1, 1, {"a": true_person_id(a), "b": true_person_id(b), "props": {"relation": rel}})
                for a, b, rel in w.family
            ),
        ),
    )
    stage(
        "guarantees",
        lambda: rels(
            "GUARANTEES",
            _by_kinds(
                (
                    k,
                    COMPANY,
                    {
                        "a": true_party_id(k, g),
                        "b": true_company_id(b),
                        "props": {"contract_id": cid, "amount": float(amt), "valid_from": _date(start)},
                    },
                )
                for cid, k, g, b, amt, start in zip(
                    cr.g_id, cr.g_kind, cr.g_guarantor, cr.g_borrower, cr.g_amount, cr.g_start, strict=True
                )
            ),
        ),
    )

    def loans() -> int:
        n = 0
        for kind in (COMPANY, 1):
            rows = [
                {
                    "a": true_party_id(k, p),
                    "props": {
                        "loan_id": lid,
                        "amount": float(amt),
                        "balance": float(bal),
                        "status": st,
                        "start_date": _date(start),
                    },
                }
                for lid, k, p, amt, bal, st, start in zip(
                    cr.l_id,
                    cr.l_kind,
                    cr.l_party,
                    cr.l_amount,
                    cr.l_balance,
                    cr.l_status,
                    cr.l_start,
                    strict=True,
                )
                if k == kind
            ]
            n += _write(
                driver,
                f"UNWIND $rows AS r MATCH (a:{LABEL[kind]} {{entity_id: r.a}}) CREATE (a)-[:BORROWED]->(l:Loan) SET l = r.props",
                rows,
                batch,
            )
        return n

    stage("loans", loans)

    def listings() -> int:
        n = 0
        for kind in (COMPANY, 1):
            rows = [
                {
                    "a": true_party_id(k, p),
                    "props": {"entry_id": eid, "kind": bk, "list_date": _date(ld), "removal_date": _date(rm)},
                }
                for eid, k, p, bk, ld, rm in zip(
                    cr.b_id, cr.b_kind_party, cr.b_party, cr.b_kind, cr.b_list, cr.b_removal, strict=True
                )
                if k == kind
            ]
            n += _write(
                driver,
                f"UNWIND $rows AS r MATCH (a:{LABEL[kind]} {{entity_id: r.a}}) "
                "CREATE (a)-[:LISTED_AS]->(e:BlacklistEntry) SET e = r.props",
                rows,
                batch,
            )
        return n

    stage("blacklist", listings)

    def contacts() -> int:
        phones = {phone_key(v) for _, _, v in w.phones}
        addrs = {t for _, _, t, _ in w.addresses}
        n = _write(driver, "UNWIND $rows AS r CREATE (:Phone {number: r})", [p for p in phones if p], batch)
        n += _write(
            driver, "UNWIND $rows AS r CREATE (:Address {address_key: r, text: r})", sorted(addrs), batch
        )
        for kind in (COMPANY, 1):
            n += _write(
                driver,
                f"UNWIND $rows AS r MATCH (a:{LABEL[kind]} {{entity_id: r.a}}) MATCH (k:Phone {{number: r.v}}) "
                "MERGE (a)-[:HAS_PHONE]->(k)",
                (
                    {"a": true_party_id(k, p), "v": phone_key(v)}
                    for k, p, v in w.phones
                    if k == kind and phone_key(v)
                ),
                batch,
            )
            n += _write(
                driver,
                f"UNWIND $rows AS r MATCH (a:{LABEL[kind]} {{entity_id: r.a}}) MATCH (k:Address {{address_key: r.v}}) "
                "MERGE (a)-[x:HAS_ADDRESS]->(k) SET x.kind = r.kind",
                ({"a": true_party_id(k, p), "v": t, "kind": ak} for k, p, t, ak in w.addresses if k == kind),
                batch,
            )
        return n

    stage("contacts", contacts)
    return secs


# --------------------------------------------------------------------------------------------
# bulk path (scale l): CSV files for `neo4j-admin database import full`


def _csv(path, header: list[str], rows: Iterable[Iterable]) -> int:
    import csv

    n = 0
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        for row in rows:
            w.writerow(["" if v is None else v for v in row])
            n += 1
    return n


def write_import_csvs(w: World, cr: Credit, folder) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The same graph as :func:`load_world`, as neo4j-admin import files (one id space for parties).

    Returns (nodes, relationships) as (label or type, file path) pairs for the importer command.
    """
    from pathlib import Path

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    iso = lambda o: "" if o is None or o < 0 else dt.date.fromordinal(int(o)).isoformat()  # noqa: E731
    nodes: list[tuple[str, str]] = []
    rels: list[tuple[str, str]] = []

    def node(label: str, name: str, header: list[str], rows: Iterable[Iterable]) -> None:
        _csv(folder / name, header, rows)
        nodes.append((label, str(folder / name)))

    def rel(rtype: str, name: str, header: list[str], rows: Iterable[Iterable]) -> None:
        _csv(folder / name, header, rows)
        rels.append((rtype, str(folder / name)))

    node(
        "Company",
        "companies.csv",
        [
            "entity_id:ID(Party)",
            "name",
            "uscc",
            "net_assets:double",
            "registered_capital:double",
            "is_branch:boolean",
            "status",
            "bank_branch",
        ],
        (
            (
                true_company_id(c),
                w.c_name[c],
                str(w.c_uscc[c]),
                float(w.c_net_assets[c]),
                float(w.c_capital[c]),
                "true" if w.c_parent[c] >= 0 else "false",
                w.c_status[c],
                w.c_branch_bank[c],
            )
            for c in range(w.n_companies)
        ),
    )
    node(
        "Person",
        "persons.csv",
        ["entity_id:ID(Party)", "name"],
        ((true_person_id(p), w.p_name[p]) for p in range(w.n_persons)),
    )
    node(
        "Loan",
        "loans.csv",
        ["loan_id:ID(Loan)", "amount:double", "balance:double", "status", "start_date:date"],
        (
            (lid, float(a), float(b), st, iso(s))
            for lid, a, b, st, s in zip(
                cr.l_id, cr.l_amount, cr.l_balance, cr.l_status, cr.l_start, strict=True
            )
        ),
    )
    node(
        "BlacklistEntry",
        "entries.csv",
        ["entry_id:ID(Entry)", "kind", "list_date:date", "removal_date:date"],
        (
            (e, k, iso(ld), iso(rm))
            for e, k, ld, rm in zip(cr.b_id, cr.b_kind, cr.b_list, cr.b_removal, strict=True)
        ),
    )
    phone_pairs = sorted({(true_party_id(k, p), phone_key(v)) for k, p, v in w.phones if phone_key(v)})
    addr_pairs = sorted({(true_party_id(k, p), t, ak) for k, p, t, ak in w.addresses})
    node("Phone", "phones.csv", ["number:ID(Phone)"], ((n,) for n in sorted({n for _, n in phone_pairs})))
    node(
        "Address",
        "addresses.csv",
        ["address_key:ID(Address)", "text"],
        ((a, a) for a in sorted({t for _, t, _ in addr_pairs})),
    )
    h = w.holdings
    rel(
        "HOLDS_SHARES",
        "holds.csv",
        [":START_ID(Party)", ":END_ID(Party)", "pct:double"],
        (
            (true_party_id(k, p), true_company_id(c), bp / 100.0)
            for k, p, c, bp in zip(h.holder_kind, h.holder, h.company, h.bp, strict=True)
        ),
    )
    rel(
        "HOLDS_POSITION",
        "positions.csv",
        [":START_ID(Party)", ":END_ID(Party)", "role", "title"],
        ((true_person_id(p), true_company_id(c), r, t) for p, c, r, t in w.positions),
    )
    rel(
        "FAMILY_OF",
        "family.csv",
        [":START_ID(Party)", ":END_ID(Party)", "relation"],
        ((true_person_id(a), true_person_id(b), r) for a, b, r in w.family),
    )
    rel(
        "GUARANTEES",
        "guarantees.csv",
        [":START_ID(Party)", ":END_ID(Party)", "contract_id", "amount:double", "valid_from:date"],
        (
            (true_party_id(k, g), true_company_id(b), cid, float(a), iso(s))
            for cid, k, g, b, a, s in zip(
                cr.g_id, cr.g_kind, cr.g_guarantor, cr.g_borrower, cr.g_amount, cr.g_start, strict=True
            )
        ),
    )
    rel(
        "BORROWED",
        "borrowed.csv",
        [":START_ID(Party)", ":END_ID(Loan)"],
        ((true_party_id(k, p), lid) for lid, k, p in zip(cr.l_id, cr.l_kind, cr.l_party, strict=True)),
    )
    rel(
        "LISTED_AS",
        "listed.csv",
        [":START_ID(Party)", ":END_ID(Entry)"],
        ((true_party_id(k, p), e) for e, k, p in zip(cr.b_id, cr.b_kind_party, cr.b_party, strict=True)),
    )
    rel("HAS_PHONE", "has_phone.csv", [":START_ID(Party)", ":END_ID(Phone)"], phone_pairs)
    rel("HAS_ADDRESS", "has_address.csv", [":START_ID(Party)", ":END_ID(Address)", "kind"], addr_pairs)
    return nodes, rels
