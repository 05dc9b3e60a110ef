"""Emit the true world as the source systems would deliver it, one folder per source.

Each source sees a subset of the world, under its own record ids, with its own noise:

| source     | what it holds                                                              | noise |
|------------|----------------------------------------------------------------------------|-------|
| registry   | 工商登记: every company (branches too), shareholders and officers, holdings, positions, registered address and phone | canonical names, persons only with masked IDs, a few duplicate person records |
| core       | 核心系统: bank customers (borrowers, guarantors, group members, listed, some others), persons (borrowers, guarantors, relatives, legal representatives), all loans, all guarantee contracts, family ties, the customers' legal representatives (positions), contacts | suffix variants, traditional characters, full-width, typos, missing USCC, duplicate customer records, date/amount formats |
| credit     | 信贷管理系统: parties of guarantees and loans (a sample), their loans and the guarantee contracts between them (re-sent: same contract ids) | like core, other record ids |
| lists      | 名单: blacklist entries with the listed parties | traditional characters, masked IDs, missing USCC |

Relationship rows only ever reference parties present in the same source, so every reference
resolves within its own folder. Every true fact is emitted by at least one source.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ingest import contract as K
from ingest.generator import noise
from ingest.generator.risk import Credit
from ingest.generator.world import COMPANY, PERSON, World
from ingest.generator.writers import RowWriter

SOURCES = ("registry", "core", "credit", "lists")
RECORD_PREFIX = {"registry": "GS", "core": "KH", "credit": "XD", "lists": "MD"}
KIND_LETTER = {
    K.COMPANIES: "C",
    K.PERSONS: "P",
    K.POSITIONS: "O",
    K.SHAREHOLDINGS: "S",
    K.LOANS: "L",
    K.GUARANTEES: "G",
    K.BLACKLIST: "B",
    K.FAMILY: "F",
    K.CONTACTS: "K",
}
NAME_NOISE = {
    "registry": {"halfwidth": 0.05, "space": 0.005},
    "core": {
        "suffix": 0.12,
        "typo": 0.02,
        "traditional": 0.04,
        "fullwidth": 0.05,
        "halfwidth": 0.1,
        "space": 0.02,
    },
    "credit": {
        "suffix": 0.10,
        "typo": 0.03,
        "traditional": 0.03,
        "fullwidth": 0.03,
        "halfwidth": 0.2,
        "space": 0.01,
    },
    "lists": {"suffix": 0.08, "traditional": 0.06, "halfwidth": 0.3, "space": 0.01},
}
PERSON_NOISE = {
    "registry": {"space": 0.005},
    "core": {"traditional": 0.01, "space": 0.01},
    "credit": {"traditional": 0.01},
    "lists": {"traditional": 0.05, "space": 0.02},
}


def true_company_id(c: int) -> str:
    return f"TC{c:08d}"


def true_person_id(p: int) -> str:
    return f"TP{p:08d}"


def true_party_id(kind: int, i: int) -> str:
    return true_company_id(i) if kind == COMPANY else true_person_id(i)


def iso(ordinal: int) -> str:
    return dt.date.fromordinal(int(ordinal)).isoformat()


def phone_key(value: str) -> str:
    """Digits only, a +86 / 0086 country prefix stripped — the Phone node key of the schema."""
    digits = "".join(ch for ch in value if ch.isdigit())
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


@dataclass
class EmitStats:
    rows: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    noise: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    # true facts emitted somewhere (for the counts of the true graph)
    persons: set[int] = field(default_factory=set)
    companies: set[int] = field(default_factory=set)
    # emitted contacts as indices into World.phones / World.addresses (ints keep worker results small)
    phones: set[int] = field(default_factory=set)
    addresses: set[int] = field(default_factory=set)

    def plain(self) -> EmitStats:
        """A picklable copy (no defaultdict factories) to send back from a worker process."""
        return EmitStats(
            {k: dict(v) for k, v in self.rows.items()},
            dict(self.noise),
            self.persons,
            self.companies,
            self.phones,
            self.addresses,
        )

    def merge(self, other: EmitStats) -> None:
        for k, v in other.rows.items():
            self.rows[k].update(v)
        for rule, n in other.noise.items():
            self.noise[rule] += n
        self.persons |= other.persons
        self.companies |= other.companies
        self.phones |= other.phones
        self.addresses |= other.addresses


class _Source:
    """Record-id allocation, writers and the party → record-id map of one source."""

    def __init__(
        self,
        name: str,
        out: Path,
        fmt: str,
        record_map: Callable[[list[str]], None],
        rng: np.random.Generator,
        stats: EmitStats,
        single_source: str | None = None,
        shared_writers: dict[str, RowWriter] | None = None,
    ) -> None:
        self.name = name
        self.source_label = single_source or name
        self.folder = out if single_source else out / name
        self.fmt = fmt
        self.rng = rng
        self.stats = stats
        self.record_map = record_map
        self.counters: dict[str, int] = defaultdict(int)
        self.writers: dict[str, RowWriter] = shared_writers if shared_writers is not None else {}
        self.owns_writers = shared_writers is None
        self.rows: dict[str, int] = defaultdict(int)
        self.refs: dict[tuple[int, int], list[tuple[str, str]]] = {}  # party → [(record id, strong id)]

    def new_id(self, kind: str) -> str:
        self.counters[kind] += 1
        return f"{RECORD_PREFIX[self.name]}{KIND_LETTER[kind]}{self.counters[kind]:09d}"

    def write(
        self,
        kind: str,
        row: dict[str, str],
        true_id: str,
        applied: list[str] | tuple = (),
        rid: str | None = None,
    ) -> str:
        if kind not in self.writers:
            self.writers[kind] = RowWriter(
                self.folder, K.file_kind(kind).stem, K.file_kind(kind).column_names, self.fmt
            )
        rid = rid or self.new_id(kind)
        row["record_id"] = rid
        self.writers[kind].write(row)
        self.rows[kind] += 1
        self.record_map([self.source_label, self.name, kind, rid, true_id, ";".join(applied)])
        for a in applied:
            self.stats.noise[a] += 1
        return rid

    def ref(self, kind: int, i: int) -> tuple[str, str]:
        """A record id of the party in this source (the first of its records, mostly)."""
        recs = self.refs[(kind, i)]
        if len(recs) > 1 and self.rng.random() < 0.3:
            return recs[int(self.rng.integers(0, len(recs)))]
        return recs[0]

    def has(self, kind: int, i: int) -> bool:
        return (kind, i) in self.refs

    def close(self) -> None:
        self.stats.rows[self.name].update(self.rows)
        if self.owns_writers:
            for w in self.writers.values():
                w.close()


def _fmt_date(ordinal: int, rng: np.random.Generator, messy: bool) -> str:
    d = dt.date.fromordinal(int(ordinal))
    if messy:
        u = rng.random()
        if u < 0.1:
            return d.strftime("%Y/%m/%d")
        if u < 0.15:
            return d.strftime("%Y%m%d")
    return d.isoformat()


def _fmt_amount(x: float, rng: np.random.Generator, messy: bool) -> str:
    if messy and rng.random() < 0.1:
        return f"{x:,.2f}"
    return f"{x:.2f}" if x != int(x) else f"{int(x)}"


def _code(value: str, names: dict[str, str], rng: np.random.Generator, p_zh: float) -> str:
    return names[value] if rng.random() < p_zh else value


def _region_text(w: World, r: int) -> str:
    reg = w.regions[int(r)]
    return reg.province + ("" if reg.city == reg.province else reg.city) + reg.county


def emit_all(
    w: World,
    cr: Credit,
    out: Path,
    fmt: str,
    record_map_path: Path,
    single_source: str | None = None,
    workers: int = 2,
) -> EmitStats:
    """Write every source folder under ``out`` and the record map; returns row counts and emitted facts.

    Sources are independent (own folder, own random stream), so they are written by up to
    ``workers`` forked processes that share the world copy-on-write; each writes its own part of the
    record map, concatenated afterwards in source order — the output does not depend on ``workers``.
    With ``single_source`` all systems write into ``out`` itself as one source of that name (record
    ids stay unique: each system has its own prefix), sequentially, as the files are shared.
    """
    header = ["source", "system", "kind", "record_id", "true_id", "noise"]
    if single_source:
        stats = EmitStats()
        shared: dict[str, RowWriter] = {}
        with record_map_path.open("w", encoding="utf-8", newline="") as fh:
            cw = csv.writer(fh, lineterminator="\n")
            cw.writerow(header)
            for i in range(len(SOURCES)):
                _emit_source(w, cr, out, fmt, cw.writerow, i, stats, single_source, shared)
        for wr in shared.values():
            wr.close()
        return stats
    parts = [record_map_path.with_name(f".{record_map_path.name}.{name}") for name in SOURCES]
    global _JOB
    _JOB = (w, cr, out, fmt, parts)
    try:
        if workers > 1:
            import multiprocessing

            with multiprocessing.get_context("fork").Pool(min(workers, len(SOURCES))) as pool:
                results = pool.map(_emit_part, range(len(SOURCES)), chunksize=1)
        else:
            results = [_emit_part(i) for i in range(len(SOURCES))]
    finally:
        _JOB = None
    stats = EmitStats()
    for r in results:
        stats.merge(r)
    with record_map_path.open("wb") as fh:
        fh.write((",".join(header) + "\n").encode())
        for part in parts:
            with part.open("rb") as ph:
                shutil.copyfileobj(ph, fh, 1 << 20)
            part.unlink()
    return stats


_JOB: tuple | None = None


def _emit_part(i: int) -> EmitStats:
    w, cr, out, fmt, parts = _JOB  # type: ignore[misc]
    stats = EmitStats()
    with parts[i].open("w", encoding="utf-8", newline="") as fh:
        cw = csv.writer(fh, lineterminator="\n")
        _emit_source(w, cr, out, fmt, cw.writerow, i, stats, None, None)
    return stats.plain()


def _emit_source(
    w: World,
    cr: Credit,
    out: Path,
    fmt: str,
    record_map: Callable[[list[str]], None],
    i: int,
    stats: EmitStats,
    single_source: str | None,
    shared: dict[str, RowWriter] | None,
) -> None:
    name = SOURCES[i]
    rng = np.random.default_rng(np.random.SeedSequence([w.seed, 3, i]))
    src = _Source(
        name,
        out,
        fmt,
        record_map,
        np.random.default_rng(np.random.SeedSequence([w.seed, 4, i])),
        stats,
        single_source,
        shared,
    )
    {"registry": _registry, "core": _core, "credit": _credit, "lists": _lists}[name](w, cr, src, rng)
    src.close()


# --- party records ---------------------------------------------------------------------------------


def _company_rows(
    w: World,
    src: _Source,
    companies: np.ndarray,
    rng: np.random.Generator,
    *,
    full: bool,
    p_uscc: float,
    dup_rate: float = 0.0,
    net_assets: bool = False,
    messy: bool = False,
) -> None:
    rates = NAME_NOISE[src.name]
    order = companies[rng.permutation(len(companies))]
    # record ids first, so that a branch written before its parent can still name the parent's record
    plan: list[tuple[int, int, str]] = []
    for c in order:
        c = int(c)
        copies = 2 if dup_rate and rng.random() < dup_rate else 1
        for _ in range(copies):
            plan.append((c, copies, src.new_id(K.COMPANIES)))
    planned: dict[int, list[str]] = {}
    for c, _, rid in plan:
        planned.setdefault(c, []).append(rid)
    for c, copies, rid in plan:
        name, applied = noise.company_name(w.c_name[c], rng, rates)
        if copies == 2:
            applied = [*applied, "duplicate_record"]
        row = {"name": name}
        if rng.random() < p_uscc:
            row["uscc"] = w.c_uscc[c]
        else:
            applied = [*applied, "missing_uscc"]
        branch = w.c_parent[c] >= 0
        if full or rng.random() < 0.7:
            row["legal_form"] = (w.c_form[c] if w.c_form[c] != "有限公司" else "有限责任公司") + (
                "分公司" if branch else ""
            )
            row["established"] = _fmt_date(w.c_est[c], rng, messy)
            row["status"] = w.c_status[c]
            row["industry"] = w.c_industry[c]
            row["region"] = _region_text(w, w.c_region[c])
            if not branch:
                row["registered_capital"] = _fmt_amount(w.c_capital[c], rng, messy)
        if net_assets and not branch:
            row["net_assets"] = _fmt_amount(w.c_net_assets[c], rng, messy)
        if src.name != "registry":
            row["bank_branch"] = w.c_branch_bank[c]
        row["is_branch"] = ("true" if branch else "false") if full or rng.random() < 0.5 else ""
        if branch:
            row["is_branch"] = "true" if rng.random() < 0.8 else "是"
            p = int(w.c_parent[c])
            if p in planned:
                row["parent_ref"] = planned[p][0]
            row["parent_uscc"] = w.c_uscc[p]
        row["valid_from"] = iso(w.c_est[c]) if full else ""
        src.write(K.COMPANIES, row, true_company_id(c), applied, rid)
        src.refs.setdefault((COMPANY, c), []).append((rid, row.get("uscc", "")))
        src.stats.companies.add(c)


def _person_rows(
    w: World,
    src: _Source,
    persons: np.ndarray,
    rng: np.random.Generator,
    *,
    p_full: float,
    p_masked: float,
    dup_rate: float = 0.0,
    messy: bool = False,
    full_ids: frozenset[int] = frozenset(),
) -> None:
    """``full_ids``: persons recorded with their full resident ID whatever the draw (the bank's insiders,
    whom it identifies by that ID); the draws are made all the same, so other rows do not change."""
    rates = PERSON_NOISE[src.name]
    order = persons[rng.permutation(len(persons))]
    for p in order:
        p = int(p)
        copies = 2 if dup_rate and rng.random() < dup_rate else 1
        for _ in range(copies):
            name, applied = noise.person_name(w.p_name[p], rng, rates)
            if copies == 2:
                applied = [*applied, "duplicate_record"]
            row = {"name": name}
            u = rng.random()
            if u < p_full:
                row["id_number"] = w.p_ric[p]
            elif u < p_full + p_masked:
                row["id_number"] = noise.mask_id(w.p_ric[p])
                applied = [*applied, "masked_id"]
            else:
                applied = [*applied, "missing_id"]
            if p in full_ids:
                row["id_number"] = w.p_ric[p]
                applied = [a for a in applied if a not in ("masked_id", "missing_id")]
            if src.name != "registry":
                if rng.random() < 0.8:
                    row["birth_date"] = _fmt_date(w.p_birth[p], rng, messy)
                row["bank_branch"] = w.p_branch_bank[p]
            if rng.random() < 0.85:
                row["gender"] = _code("M" if w.p_male[p] else "F", K.GENDERS, rng, 0.5)
            rid = src.write(K.PERSONS, row, true_person_id(p), applied)
            src.refs.setdefault((PERSON, p), []).append((rid, row.get("id_number", "")))
            src.stats.persons.add(p)


def _party_cols(
    src: _Source,
    prefix: str,
    kind: int,
    i: int,
    rng: np.random.Generator,
    *,
    fixed_kind: bool = False,
    p_strong: float = 0.7,
) -> dict[str, str]:
    rid, strong = src.ref(kind, i)
    row = {f"{prefix}_ref": rid}
    if not fixed_kind:
        code = "company" if kind == COMPANY else "person"
        row[f"{prefix}_kind"] = _code(code, K.PARTY_KINDS, rng, 0.3)
    if strong and rng.random() < p_strong:
        col = (
            f"{prefix}_strong_id"
            if not fixed_kind
            else (f"{prefix}_uscc" if kind == COMPANY else f"{prefix}_id_number")
        )
        row[col] = strong
    return row


def _contact_rows(
    w: World,
    src: _Source,
    rng: np.random.Generator,
    *,
    companies: bool,
    persons: bool,
    address_kinds: tuple[str, ...],
    phones: bool,
) -> None:
    rates = (
        {"fullwidth": 0.05, "traditional": 0.02, "space": 0.03}
        if src.name != "registry"
        else {"fullwidth": 0.02}
    )
    rows: list[tuple[int, int, str, str, int]] = []
    for i, (k, party, value, akind) in enumerate(w.addresses):
        if (k == COMPANY and not companies) or (k == PERSON and not persons) or akind not in address_kinds:
            continue
        if src.has(k, party):
            rows.append((k, party, value, akind, i))
    if phones:
        for i, (k, party, value) in enumerate(w.phones):
            if ((k == COMPANY and companies) or (k == PERSON and persons)) and src.has(k, party):
                rows.append((k, party, value, "", i))
    for j in rng.permutation(len(rows)):
        k, party, value, akind, index = rows[int(j)]
        tid = true_party_id(k, party)
        row = _party_cols(src, "party", k, party, rng, p_strong=0.3)
        if akind:
            row["contact_type"] = _code("address", K.CONTACT_TYPES, rng, 0.2)
            row["value"], applied = noise.address(value, rng, rates)
            row["address_kind"] = _code(akind, K.ADDRESS_KINDS, rng, 0.3)
            src.stats.addresses.add(index)
            true_id = f"{tid}|address|{akind}|{value}"
        else:
            row["contact_type"] = _code("phone", K.CONTACT_TYPES, rng, 0.2)
            row["value"] = noise.phone(value, rng)
            applied = []
            key = phone_key(value)
            src.stats.phones.add(index)
            true_id = f"{tid}|phone|{key}"
        src.write(K.CONTACTS, row, true_id, applied)


# --- the four sources -------------------------------------------------------------------------------


def _registry(w: World, cr: Credit, src: _Source, rng: np.random.Generator) -> None:
    _company_rows(w, src, np.arange(w.n_companies), rng, full=True, p_uscc=1.0)
    h = w.holdings
    people = sorted(
        {p for k, p in zip(h.holder_kind, h.holder, strict=True) if k == PERSON}
        | {p for p, _, _, _ in w.positions}
    )
    _person_rows(w, src, np.array(people, dtype=np.int64), rng, p_full=0.0, p_masked=1.0, dup_rate=0.03)
    for j in rng.permutation(len(w.positions)):
        p, c, role, title = w.positions[int(j)]
        row = _party_cols(src, "person", PERSON, p, rng, fixed_kind=True, p_strong=0.5)
        row |= _party_cols(src, "company", COMPANY, c, rng, fixed_kind=True, p_strong=0.8)
        row["role"] = _code(role, K.POSITION_ROLE_NAMES, rng, 0.3)
        row["title"] = title if rng.random() < 0.9 else ""
        row["valid_from"] = iso(max(int(w.c_est[c]), int(w.p_birth[p]) + 20 * 365))
        src.write(K.POSITIONS, row, f"TO:{true_person_id(p)}|{true_company_id(c)}|{role}")
    for j in rng.permutation(len(h.bp)):
        j = int(j)
        k, holder, c, bp = h.holder_kind[j], h.holder[j], h.company[j], h.bp[j]
        row = _party_cols(src, "holder", k, holder, rng, p_strong=0.6)
        row |= _party_cols(src, "company", COMPANY, c, rng, fixed_kind=True, p_strong=0.8)
        pct = f"{bp / 100:g}"
        row["pct"] = pct + "%" if rng.random() < 0.2 else pct
        row["amount"] = _fmt_amount(round(w.c_capital[c] * bp / 10000, 2), rng, False)
        row["as_of"] = "2025-12-31"
        row["valid_from"] = iso(w.c_est[c])
        src.write(K.SHAREHOLDINGS, row, f"TS:{true_party_id(k, holder)}|{true_company_id(c)}")
    _contact_rows(w, src, rng, companies=True, persons=False, address_kinds=("registered",), phones=True)
    # planted last (own rows after every ordinary one): holdings a stale extract still lists
    for k, holder, c, bp in cr.stale_holdings:
        row = _party_cols(src, "holder", k, holder, rng, p_strong=0.6)
        row |= _party_cols(src, "company", COMPANY, c, rng, fixed_kind=True, p_strong=0.8)
        row["pct"] = f"{bp / 100:g}"
        row["amount"] = _fmt_amount(round(w.c_capital[c] * bp / 10000, 2), rng, False)
        row["as_of"] = "2025-12-31"
        row["valid_from"] = iso(w.c_est[c])
        src.write(
            K.SHAREHOLDINGS, row, f"TS:{true_party_id(k, holder)}|{true_company_id(c)}", ["stale_holding"]
        )


def _core_customers(w: World, cr: Credit, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    n = w.n_companies
    comp = np.zeros(n, bool)
    comp[np.asarray(cr.l_party)[np.asarray(cr.l_kind) == COMPANY]] = True
    gk = np.asarray(cr.g_kind)
    comp[np.asarray(cr.g_guarantor)[gk == COMPANY]] = True
    comp[np.asarray(cr.g_borrower)] = True
    comp[(w.c_group >= 0) & (w.c_parent < 0)] = True
    comp[np.asarray(cr.b_party)[np.asarray(cr.b_kind_party) == COMPANY]] = True
    comp[(w.c_parent < 0) & (rng.random(n) < 0.15)] = True
    pers = np.zeros(w.n_persons, bool)
    pers[np.asarray(cr.l_party)[np.asarray(cr.l_kind) == PERSON]] = True
    pers[np.asarray(cr.g_guarantor)[gk == PERSON]] = True
    for a, b, _ in w.family:
        pers[a] = pers[b] = True
    for p, c, role, _ in w.positions:
        if role == "legal_representative" and comp[c]:
            pers[p] = True
    return np.flatnonzero(comp), np.flatnonzero(pers)


def _loan_row(
    w: World, cr: Credit, src: _Source, i: int, rng: np.random.Generator, messy: bool
) -> dict[str, str]:
    row = {"loan_id": cr.l_id[i]}
    row |= _party_cols(src, "borrower", cr.l_kind[i], cr.l_party[i], rng, p_strong=0.8)
    row["amount"] = _fmt_amount(cr.l_amount[i], rng, messy)
    row["balance"] = _fmt_amount(cr.l_balance[i], rng, messy)
    row["currency"] = "CNY" if rng.random() < 0.9 else ""
    row["start_date"] = _fmt_date(cr.l_start[i], rng, messy)
    row["maturity_date"] = _fmt_date(cr.l_maturity[i], rng, messy)
    row["status"] = _code(cr.l_status[i], K.LOAN_STATUS_NAMES, rng, 0.3)
    row["bank_branch"] = cr.l_branch[i]
    return row


def _guarantee_row(
    w: World, cr: Credit, src: _Source, i: int, rng: np.random.Generator, messy: bool
) -> dict[str, str]:
    row = {"contract_id": cr.g_id[i]}
    row |= _party_cols(src, "guarantor", cr.g_kind[i], cr.g_guarantor[i], rng)
    row |= _party_cols(src, "borrower", COMPANY, cr.g_borrower[i], rng)
    # the core system always knows the secured loan; the credit system leaves it blank now and then
    row["loan_id"] = cr.l_id[cr.g_loan[i]] if src.name == "core" or rng.random() < 0.9 else ""
    row["amount"] = _fmt_amount(cr.g_amount[i], rng, messy)
    row["kind"] = _code(cr.g_type[i], K.GUARANTEE_KINDS, rng, 0.3)
    row["valid_from"] = _fmt_date(cr.g_start[i], rng, messy)
    return row


def _core(w: World, cr: Credit, src: _Source, rng: np.random.Generator) -> None:
    comps, pers = _core_customers(w, cr, rng)
    _company_rows(w, src, comps, rng, full=False, p_uscc=0.95, dup_rate=0.01, net_assets=True, messy=True)
    _person_rows(
        w, src, pers, rng, p_full=0.97, p_masked=0.03, dup_rate=0.005, messy=True, full_ids=cr.full_id_persons
    )
    for i in rng.permutation(cr.base_loans()):
        src.write(K.LOANS, _loan_row(w, cr, src, int(i), rng, True), cr.l_id[int(i)])
    for i in rng.permutation(len(cr.g_id)):
        src.write(K.GUARANTEES, _guarantee_row(w, cr, src, int(i), rng, True), cr.g_id[int(i)])
    # the core system records the legal representative (法定代表人) of each corporate customer
    for j in rng.permutation(len(w.positions)):
        p, c, role, title = w.positions[int(j)]
        if role != "legal_representative" or not (src.has(COMPANY, c) and src.has(PERSON, p)):
            continue
        row = _party_cols(src, "person", PERSON, p, rng, fixed_kind=True, p_strong=0.5)
        row |= _party_cols(src, "company", COMPANY, c, rng, fixed_kind=True, p_strong=0.8)
        row["role"] = _code(role, K.POSITION_ROLE_NAMES, rng, 0.3)
        row["title"] = title
        row["valid_from"] = iso(max(int(w.c_est[c]), int(w.p_birth[p]) + 20 * 365))
        src.write(K.POSITIONS, row, f"TO:{true_person_id(p)}|{true_company_id(c)}|{role}")
    for j in rng.permutation(len(w.family)):
        a, b, rel = w.family[int(j)]
        row = _party_cols(src, "person", PERSON, a, rng, fixed_kind=True, p_strong=0.6)
        row |= _party_cols(src, "relative", PERSON, b, rng, fixed_kind=True, p_strong=0.6)
        row["relation"] = _code(rel, K.FAMILY_RELATION_NAMES, rng, 0.4)
        src.write(K.FAMILY, row, f"TF:{true_person_id(a)}|{true_person_id(b)}|{rel}")
    _contact_rows(w, src, rng, companies=True, persons=True, address_kinds=("office", "home"), phones=True)
    # loans planted against the example bank's capital: after every ordinary row, so those stay as drawn
    for i in range(cr.base_loans(), len(cr.l_id)):
        src.write(K.LOANS, _loan_row(w, cr, src, i, rng, True), cr.l_id[i])


def _credit(w: World, cr: Credit, src: _Source, rng: np.random.Generator) -> None:
    parties: set[tuple[int, int]] = set()
    for i in range(len(cr.g_id)):
        parties.add((cr.g_kind[i], cr.g_guarantor[i]))
        parties.add((COMPANY, cr.g_borrower[i]))
    n_loans = cr.base_loans()  # the planted loans are in the core system only
    for k, p, st in zip(cr.l_kind[:n_loans], cr.l_party[:n_loans], cr.l_status[:n_loans], strict=True):
        if st != "closed":
            parties.add((k, p))
    chosen = sorted(x for x in parties if rng.random() < 0.7)
    comps = np.array([i for k, i in chosen if k == COMPANY], dtype=np.int64)
    pers = np.array([i for k, i in chosen if k == PERSON], dtype=np.int64)
    _company_rows(w, src, comps, rng, full=False, p_uscc=0.9, net_assets=True, messy=False)
    _person_rows(w, src, pers, rng, p_full=0.95, p_masked=0.05, messy=False, full_ids=cr.full_id_persons)
    for i in rng.permutation(n_loans):
        i = int(i)
        if src.has(cr.l_kind[i], cr.l_party[i]):
            src.write(K.LOANS, _loan_row(w, cr, src, i, rng, False), cr.l_id[i])
    for i in rng.permutation(len(cr.g_id)):
        i = int(i)
        if src.has(cr.g_kind[i], cr.g_guarantor[i]) and src.has(COMPANY, cr.g_borrower[i]):
            src.write(K.GUARANTEES, _guarantee_row(w, cr, src, i, rng, False), cr.g_id[i])


def _lists(w: World, cr: Credit, src: _Source, rng: np.random.Generator) -> None:
    n = cr.base_listings()
    kinds = np.asarray(cr.b_kind_party[:n])
    parties = np.asarray(cr.b_party[:n])
    comps = np.unique(parties[kinds == COMPANY])
    pers = np.unique(parties[kinds == PERSON])
    _company_rows(w, src, comps, rng, full=False, p_uscc=0.85, messy=True)
    _person_rows(w, src, pers, rng, p_full=0.5, p_masked=0.5, messy=True)
    for i in rng.permutation(n):
        _blacklist_row(cr, src, int(i), rng)
    # listings planted over the last year: after every ordinary row, so those stay as drawn
    new = sorted(
        {cr.b_party[i] for i in range(n, len(cr.b_id)) if not src.has(cr.b_kind_party[i], cr.b_party[i])}
    )
    _company_rows(w, src, np.array(new, dtype=np.int64), rng, full=False, p_uscc=0.85, messy=True)
    for i in range(n, len(cr.b_id)):
        _blacklist_row(cr, src, i, rng)


def _blacklist_row(cr: Credit, src: _Source, i: int, rng: np.random.Generator) -> None:
    row = {"entry_id": cr.b_id[i]}
    row |= _party_cols(src, "party", cr.b_kind_party[i], cr.b_party[i], rng, p_strong=0.8)
    row["kind"] = _code(cr.b_kind[i], K.BLACKLIST_KIND_NAMES, rng, 0.5)
    row["list_date"] = _fmt_date(cr.b_list[i], rng, True)
    row["removal_date"] = _fmt_date(cr.b_removal[i], rng, True) if cr.b_removal[i] >= 0 else ""
    row["authority"] = cr.b_authority[i]
    row["reason"] = cr.b_reason[i]
    src.write(K.BLACKLIST, row, cr.b_id[i])
