"""`riskgraph generate`: draw the true world, emit the sources, write the ground truth.

Output layout (see README.md in this folder)::

    OUT/manifest.json                 sources, formats, row counts, seed, scale
    OUT/<source>/<kind>.<fmt>         one folder per source system, files per ingest/contract.py
    OUT/ground_truth/...              what the files really describe
"""

from __future__ import annotations

import csv
import json
import os
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from ingest.generator import truth
from ingest.generator.bank import (
    CONFIG_HEADER,
    ORDINARY_SHARE,
    Bank,
    configurable,
    entity_id,
    plant_bank,
    rules_config,
)
from ingest.generator.names import name_pools
from ingest.generator.risk import Credit, build_credit
from ingest.generator.sources import (
    SOURCES,
    EmitStats,
    emit_all,
    iso,
    phone_key,
    true_company_id,
    true_party_id,
    true_person_id,
)
from ingest.generator.world import AS_OF, COMPANY, PERSON, World, build_world
from ingest.generator.writers import XLSX_MAX_ROWS

SCALES: dict[str, int] = {"xs": 1_000, "s": 10_000, "m": 100_000, "l": 1_000_000}
TRUTH_DIR = "ground_truth"
BANK_CONFIG = "bank.yaml"


@dataclass(frozen=True)
class GenerateResult:
    out: Path
    companies: int
    persons: int
    source_rows: dict[str, dict[str, int]]
    seconds: dict[str, float]


def generate(
    out: Path,
    *,
    scale: str = "xs",
    seed: int = 7,
    fmt: str = "csv",
    n_companies: int | None = None,
    single_source: str | None = None,
    workers: int | None = None,
) -> GenerateResult:
    """Generate one data set into ``out`` (created; existing files of the same names are replaced)."""
    if scale not in SCALES and n_companies is None:
        raise ValueError(f"未知规模 / unknown scale: {scale} (xs, s, m, l)")
    n = n_companies if n_companies is not None else SCALES[scale]
    workers = workers if workers is not None else min(2, os.cpu_count() or 1)
    if fmt == "xlsx" and n > 250_000:  # registry positions alone pass the sheet limit (~4 rows per company)
        raise ValueError(
            f"XLSX 每个工作表最多 {XLSX_MAX_ROWS} 行，{n} 家企业会超出；请用 csv 或 jsonl。 / "
            f"an XLSX sheet holds at most {XLSX_MAX_ROWS} rows, {n} companies exceed it: use csv or jsonl."
        )
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    secs: dict[str, float] = {}
    t = time.perf_counter()
    world = build_world(seed, n, name_pools(seed))
    secs["world"] = time.perf_counter() - t
    t = time.perf_counter()
    credit = build_credit(world)
    bank = plant_bank(world, credit)
    secs["credit"] = time.perf_counter() - t
    t = time.perf_counter()
    tdir = out / TRUTH_DIR
    tdir.mkdir(exist_ok=True)
    stats = emit_all(world, credit, out, fmt, tdir / "record_map.csv", single_source, workers)
    secs["emit"] = time.perf_counter() - t
    t = time.perf_counter()
    write_truth(world, credit, stats, tdir)
    write_bank(world, credit, bank, out, tdir)
    secs["truth"] = time.perf_counter() - t
    manifest = {
        "generator": "riskgraph generate",
        "scale": scale if n_companies is None else f"custom:{n}",
        "seed": seed,
        "format": fmt,
        "as_of": AS_OF.isoformat(),
        "sources": (
            [{"source": s, "path": s, "rows": dict(sorted(stats.rows[s].items()))} for s in SOURCES]
            if not single_source
            else [
                {
                    "source": single_source,
                    "path": ".",
                    "systems": {s: dict(sorted(stats.rows[s].items())) for s in SOURCES},
                }
            ]
        ),
        "ground_truth": TRUTH_DIR,
        "bank_config": BANK_CONFIG,
        "ingest_hint": (
            f"riskgraph ingest OUT --source {single_source}"
            if single_source
            else "ingest each source folder with --source <source> (registry first, then core, credit, lists)"
        ),
    }
    (out / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return GenerateResult(
        out, world.n_companies, world.n_persons, {k: dict(v) for k, v in stats.rows.items()}, secs
    )


def _dump(path: Path, obj: object) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=False) + "\n", encoding="utf-8")


def write_truth(w: World, cr: Credit, stats: EmitStats, tdir: Path) -> None:
    """Write every ground-truth file (format: README.md, section "Ground truth")."""
    cid, pid = true_company_id, true_person_id
    with (tdir / "companies.csv").open("w", encoding="utf-8", newline="") as fh:
        cw = csv.writer(fh, lineterminator="\n")
        cw.writerow(
            [
                "true_id",
                "name",
                "uscc",
                "is_branch",
                "parent_true_id",
                "planted_group",
                "shell_cluster",
                "registered_capital",
                "net_assets",
                "region_code",
                "established",
            ]
        )
        for c in range(w.n_companies):
            p = int(w.c_parent[c])
            cw.writerow(
                [
                    cid(c),
                    w.c_name[c],
                    w.c_uscc[c],
                    "true" if p >= 0 else "false",
                    cid(p) if p >= 0 else "",
                    int(w.c_group[c]) if w.c_group[c] >= 0 else "",
                    int(w.c_shell[c]) if w.c_shell[c] >= 0 else "",
                    f"{w.c_capital[c]:.0f}",
                    f"{w.c_net_assets[c]:.0f}",
                    w.regions[int(w.c_region[c])].code,
                    iso(w.c_est[c]),
                ]
            )
    with (tdir / "persons.csv").open("w", encoding="utf-8", newline="") as fh:
        cw = csv.writer(fh, lineterminator="\n")
        cw.writerow(["true_id", "name", "id_number", "birth_date", "gender"])
        for p in range(w.n_persons):
            cw.writerow([pid(p), w.p_name[p], w.p_ric[p], iso(w.p_birth[p]), "M" if w.p_male[p] else "F"])

    # ownership: integrated shares, beneficial owners, actual controllers
    shares = truth.integrated_person_shares(w)
    controllers = truth.actual_controllers(w)
    lr_of: dict[int, int] = {}
    mgr_of: dict[int, int] = {}
    for p, c, role, _ in w.positions:
        if role == "legal_representative":
            lr_of.setdefault(c, p)
        elif role == "senior_manager":
            mgr_of.setdefault(c, p)
    by_company: dict[int, list[tuple[int, float]]] = {}
    for (p, c), s in shares.items():
        if s >= truth.BO_THRESHOLD - truth.TOLERANCE:
            by_company.setdefault(c, []).append((p, s))
    with (tdir / "beneficial_owners.csv").open("w", encoding="utf-8", newline="") as fh:
        cw = csv.writer(fh, lineterminator="\n")
        cw.writerow(["company_true_id", "person_true_id", "integrated_share", "basis"])
        for c in range(w.n_companies):
            if w.c_parent[c] >= 0:
                continue
            owners = sorted(by_company.get(c, []), key=lambda x: (-x[1], x[0]))
            if owners:
                for p, s in owners:
                    cw.writerow([cid(c), pid(p), f"{s:.9f}", "ownership_ge_25pct"])
            elif c in controllers:
                p = controllers[c][0]
                cw.writerow([cid(c), pid(p), f"{shares.get((p, c), 0.0):.9f}", "control"])
            else:
                head = mgr_of.get(c, lr_of.get(c))
                if head is not None:
                    cw.writerow([cid(c), pid(head), f"{shares.get((head, c), 0.0):.9f}", "senior_manager"])
    with (tdir / "integrated_ownership.csv").open("w", encoding="utf-8", newline="") as fh:
        cw = csv.writer(fh, lineterminator="\n")
        cw.writerow(["company_true_id", "person_true_id", "integrated_share"])
        for (p, c), s in sorted(shares.items(), key=lambda kv: (kv[0][1], kv[0][0])):
            if s >= 0.05:
                cw.writerow([cid(c), pid(p), f"{s:.9f}"])
    with (tdir / "controllers.csv").open("w", encoding="utf-8", newline="") as fh:
        cw = csv.writer(fh, lineterminator="\n")
        cw.writerow(["company_true_id", "controller_true_id", "chain"])
        for c, (p, chain) in sorted(controllers.items()):
            cw.writerow([cid(c), pid(p), ">".join(cid(x) for x in chain) + ">" + pid(p)])

    # groups: the rule's groups over the whole true graph, and which planted group each contains
    rule_groups = truth.family_groups(w, controllers)
    member_of = {m: i for i, g in enumerate(rule_groups) for m in g["members"]}
    planted = []
    for g in w.groups:
        planted.append(
            {
                "planted_group": g["group"],
                "holding_company": cid(g["holding_company"]),
                "controller": pid(g["boss"]),
                "relatives": {k: [pid(x) for x in v] for k, v in g["relatives"].items()},
                "controllers": [pid(x) for x in g["kin_controllers"]],
                "members": [cid(m) for m in g["members"]],
                "cross_holding_into_holding_company": g["cross_holding"],
                "sister_cross_holding": [cid(x) for x in g.get("sister_cross", [])],
                "rule_group": member_of.get(g["members"][0]),
            }
        )
    _dump(
        tdir / "groups.json",
        {
            "rule": "members are legal entities (branches excluded) whose actual controller (strict-majority chain) "
            "is the same person, or persons linked by direct FAMILY_OF ties (transitively); >= 2 members",
            "groups": [
                {
                    "group": i,
                    "controllers": [pid(p) for p in g["controllers"]],
                    "members": [cid(m) for m in g["members"]],
                }
                for i, g in enumerate(rule_groups)
            ],
            "planted": planted,
        },
    )

    # guarantee structures
    sccs = truth.guarantee_sccs(w, cr)
    cross, focus = truth.degree_hubs(cr)
    pl = cr.planted
    _dump(
        tdir / "guarantee_structures.json",
        {
            "rule": "edges guarantor -> borrower, one per contract; circles are strongly connected components (>= 2) "
            "of the true company guarantee graph; hubs count distinct counterparties",
            "planted": {
                "mutual_pairs": [[cid(a), cid(b)] for a, b in pl["mutual_pairs"]],
                "circles": [[cid(m) for m in ms] for ms in pl["circles"]],
                "chains": [[cid(m) for m in ms] for ms in pl["chains"]],
                "cross_hubs": [
                    {"guarantor": cid(h["hub"]), "borrowers": [cid(b) for b in h["borrowers"]]}
                    for h in pl["cross_hubs"]
                ],
                "focus_hubs": [
                    {"borrower": cid(h["borrower"]), "guarantors": [cid(g) for g in h["guarantors"]]}
                    for h in pl["focus_hubs"]
                ],
            },
            "all_circles": [[cid(m) for m in comp] for comp in sccs],
            "all_cross_hubs": [
                {"guarantor": true_party_id(k, g), "distinct_borrowers": d} for (k, g), d in cross.items()
            ],
            "all_focus_hubs": [{"borrower": cid(b), "distinct_guarantors": d} for b, d in focus.items()],
            "contract_tags": dict(Counter(cr.g_tag)),
            "longest_chain_edges": truth.longest_chain(w, cr),
        },
    )
    _dump(
        tdir / "shell_clusters.json",
        {
            "clusters": [
                {
                    "cluster": s["cluster"],
                    "address": s["address"],
                    "phone": s["phone"],
                    "members": [cid(m) for m in s["members"]],
                    "legal_representatives": [pid(p) for p in s["legal_representatives"]],
                }
                for s in w.shells
            ],
        },
    )
    _dump(
        tdir / "contagion_cases.json",
        {
            "rule": "guarantors of a borrower, and companies majority-held (> 50%) by an entity, listed at the "
            f"as-of date under one of {', '.join(truth.CONTAGION_KINDS)}",
            "cases": [
                {
                    "entity": true_party_id(c["kind"], c["party"]),
                    "listed_source": true_party_id(c["source_kind"], c["source"]),
                    "case": c["case"],
                    "listing_kinds": c["listing_kinds"],
                }
                for c in truth.contagion_cases(w, cr, AS_OF.toordinal())
            ],
        },
    )
    _dump(tdir / "counts.json", true_counts(w, cr, stats, sccs, rule_groups, len(shares)))


def true_counts(
    w: World, cr: Credit, stats: EmitStats, sccs: list[list[int]], rule_groups: list[dict], n_shares: int
) -> dict:
    """Counts of the true graph a perfect ingest would build, with what each one counts."""
    has_phone = {
        (true_party_id(w.phones[i][0], w.phones[i][1]), phone_key(w.phones[i][2])) for i in stats.phones
    }
    has_address = {
        (true_party_id(w.addresses[i][0], w.addresses[i][1]), w.addresses[i][2], w.addresses[i][3])
        for i in stats.addresses
    }
    phones = {k for _, k in has_phone}
    addresses = {_address_key(text) for _, text, _ in has_address}
    n_branch = int((w.c_parent >= 0).sum())
    loans_with_guarantee_loan = len(cr.g_id)
    nodes = {
        "Company": {
            "count": w.n_companies,
            "means": "distinct true companies, branches included (each branch has its own USCC)",
        },
        "Person": {"count": w.n_persons, "means": "distinct true natural persons"},
        "Loan": {"count": len(cr.l_id), "means": "distinct loan_id"},
        "BlacklistEntry": {"count": len(cr.b_id), "means": "distinct entry_id"},
        "Phone": {
            "count": len(phones),
            "means": "distinct phone numbers after digits-only normalization (+86/0086 stripped)",
        },
        "Address": {
            "count": len(addresses),
            "means": "distinct true addresses (noise in the files is full-width digits, "
            "traditional characters and spaces only, which NFKC + t2s + space removal undo)",
        },
    }
    rels = {
        "HOLDS_SHARES": {
            "count": len(w.holdings.bp) + len(cr.stale_holdings),
            "means": "distinct (holder, company) direct holdings, plus the stale registry rows planted "
            "against the bank (demo_bank.json)",
        },
        "HOLDS_POSITION": {"count": len(w.positions), "means": "distinct (person, company, role) offices"},
        "GUARANTEES": {
            "count": len(cr.g_id),
            "means": "distinct guarantee contracts (contract_id); a pair may have several",
        },
        "GUARANTEES_LOAN": {
            "count": loans_with_guarantee_loan,
            "means": "distinct guarantee contracts, each tied to its loan (core always gives "
            "loan_id; credit leaves it blank in ~10% of its rows)",
        },
        "BORROWED": {"count": len(cr.l_id), "means": "one per loan"},
        "FAMILY_OF": {
            "count": len(w.family),
            "means": "distinct true ties (person, relative, relation), as emitted "
            "once each, direction 'person is <relation> of relative'",
        },
        "HAS_PHONE": {"count": len(has_phone), "means": "distinct (party, normalized phone)"},
        "HAS_ADDRESS": {"count": len(has_address), "means": "distinct (party, address, address_kind)"},
        "HAS_ADDRESS_pairs": {
            "count": len({(p, _address_key(t)) for p, t, _ in has_address}),
            "means": "distinct (party, normalized address) ignoring the kind",
        },
        "LISTED_AS": {"count": len(cr.b_id), "means": "one per blacklist entry"},
        "BRANCH_OF": {"count": n_branch, "means": "one per branch"},
    }
    return {
        "nodes": nodes,
        "relationships": rels,
        "structures": {
            "guarantee_circles": len(sccs),
            "mutual_pairs": len(cr.planted["mutual_pairs"]),
            "planted_circles_3_to_8": len(cr.planted["circles"]),
            "rule_groups": len(rule_groups),
            "planted_groups": len(w.groups),
            "shell_clusters": len(w.shells),
            "person_company_integrated_shares": n_shares,
        },
        "loans_by_status": dict(sorted(Counter(cr.l_status).items())),
        "blacklist_by_kind": dict(sorted(Counter(cr.b_kind).items())),
        "blacklist_removed": sum(1 for r in cr.b_removal if r >= 0),
        "noise_applied": dict(sorted(stats.noise.items())),
        "emitted_parties": {"companies": len(stats.companies), "persons": len(stats.persons)},
        "rows": {s: dict(sorted(v.items())) for s, v in sorted(stats.rows.items())},
    }


def write_bank(w: World, cr: Credit, bank: Bank, out: Path, tdir: Path) -> None:
    """The example bank's rule configuration (``OUT/bank.yaml``) and what was planted against it."""
    text = CONFIG_HEADER.format(share=ORDINARY_SHARE) + yaml.safe_dump(
        rules_config(w, bank), allow_unicode=True, sort_keys=False
    )
    (out / BANK_CONFIG).write_text(text, encoding="utf-8")

    def pid(kind: int, i: int) -> str:
        return true_party_id(kind, i)

    cases = []
    for case in bank.cases:
        c = dict(case)
        if "members" in c:
            c["members"] = [true_company_id(m) for m in c["members"]]
        if "controllers" in c:
            c["controllers"] = [true_person_id(p) for p in c["controllers"]]
        if "entity" in c:
            c["entity"] = true_company_id(c["entity"])
        if "insider" in c:
            c["insider"] = pid(*c["insider"])
        cases.append(c)
    _dump(
        tdir / "demo_bank.json",
        {
            "rule": "the example bank's capital and insiders (bank.yaml) and the cases planted against them; "
            "levels: near = 80-100% of the limit, over = above it, critical = 1.5 x the limit or more",
            "bank": {
                "name": bank.name,
                "net_capital": bank.net_capital,
                "tier1_capital": bank.tier1_capital,
                "largest_ordinary_exposure": bank.ordinary_max,
            },
            "insiders": [
                {
                    "true_id": pid(k, i),
                    "strong_id": entity_id(w, k, i),
                    "configured": configurable(k),
                    "role": role,
                    "title": title,
                }
                for k, i, role, title in bank.insiders
            ],
            "cases": cases,
            "planted_loans": [cr.l_id[i] for i in bank.loans],
            "stale_holdings": [
                {"holder": pid(k, h), "company": true_company_id(c), "pct": bp / 100}
                for k, h, c, bp in bank.stale_holdings
            ],
            "listings": [
                {
                    "entry_id": cr.b_id[i],
                    "party": pid(cr.b_kind_party[i], cr.b_party[i]),
                    "kind": cr.b_kind[i],
                    "list_date": iso(cr.b_list[i]),
                    "removal_date": iso(cr.b_removal[i]) if cr.b_removal[i] >= 0 else None,
                }
                for i in bank.listings
            ],
        },
    )


def _address_key(text: str) -> str:
    return text  # true addresses are stored as generated; the files only add noise normalization removes


__all__ = ["SCALES", "GenerateResult", "generate", "COMPANY", "PERSON"]
