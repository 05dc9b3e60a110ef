"""Ground truth computed from the true world (never from the emitted files).

- beneficial owners: integrated ownership by exact linear algebra, T = (I − A)⁻¹ per connected
  component of the company→company holding graph (A[k, c] = fraction of c held by company k); a
  person's integrated share of c is Σ_k P[p, k]·T[k, c] — the sum over all ownership paths of the
  products of the stakes, cross-holdings included;
- actual controllers: follow the direct holder with a strict majority (> 50%) from the company
  upwards until a natural person is reached;
- groups: companies whose actual controllers are the same person or persons tied by a direct
  FAMILY_OF tie (transitively), two or more legal entities;
- guarantee circles: strongly connected components (size ≥ 2) of the true guarantee graph.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from ingest.generator.risk import Credit
from ingest.generator.world import COMPANY, PERSON, World

BO_THRESHOLD = 0.25
TOLERANCE = 1e-9


def integrated_person_shares(w: World) -> dict[tuple[int, int], float]:
    """(person, company) → integrated ownership share in [0, 1], for every positive share."""
    n = w.n_companies
    h = w.holdings
    kind = np.asarray(h.holder_kind)
    holder = np.asarray(h.holder)
    company = np.asarray(h.company)
    frac = np.asarray(h.bp, dtype=np.float64) / 10000.0
    cc = kind == COMPANY
    graph = coo_matrix((np.ones(cc.sum()), (holder[cc], company[cc])), shape=(n, n)).tocsr()
    _, label = connected_components(graph, directed=True, connection="weak")
    members: dict[int, list[int]] = defaultdict(list)
    for c_ix in np.flatnonzero(np.bincount(label)[label] > 1):
        members[int(label[c_ix])].append(int(c_ix))
    local: dict[int, int] = {}
    tmat: dict[int, np.ndarray] = {}
    for lab, ms in members.items():
        for i, c in enumerate(ms):
            local[c] = i
        a = np.zeros((len(ms), len(ms)))
        tmat[lab] = a
    for k, c, f in zip(holder[cc], company[cc], frac[cc], strict=True):
        tmat[int(label[c])][local[int(k)], local[int(c)]] += f
    for lab, a in tmat.items():
        tmat[lab] = np.linalg.inv(np.eye(len(a)) - a)
    shares: dict[tuple[int, int], float] = defaultdict(float)
    pp = ~cc
    for p, c, f in zip(holder[pp], company[pp], frac[pp], strict=True):
        c = int(c)
        lab = int(label[c])
        if lab not in tmat:
            shares[(int(p), c)] += float(f)
            continue
        row = tmat[lab][local[c]]
        ms = members[lab]
        for j in np.flatnonzero(row > TOLERANCE):
            shares[(int(p), ms[j])] += float(f * row[j])
    return dict(shares)


def actual_controllers(w: World) -> dict[int, tuple[int, list[int]]]:
    """company → (controlling person, chain of company indices from the company up)."""
    h = w.holdings
    majority: dict[int, tuple[int, int]] = {}
    for k, p, c, bp in zip(h.holder_kind, h.holder, h.company, h.bp, strict=True):
        if bp > 5000:
            majority[c] = (k, p)
    out: dict[int, tuple[int, list[int]]] = {}
    for c in range(w.n_companies):
        chain = [c]
        cur = c
        while cur in majority:
            k, p = majority[cur]
            if k == PERSON:
                out[c] = (p, chain)
                break
            if p in chain:  # a majority cycle cannot be owned by anyone outside it
                break
            chain.append(p)
            cur = p
    return out


def family_groups(w: World, controllers: dict[int, tuple[int, list[int]]]) -> list[dict]:
    """Groups of ≥ 2 legal entities under one controller or family-tied controllers."""
    ctrl_persons = sorted({p for p, _ in controllers.values()})
    parent = {p: p for p in ctrl_persons}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b, _ in w.family:
        if a in parent and b in parent:
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    by_root: dict[int, list[int]] = defaultdict(list)
    for c, (p, _) in sorted(controllers.items()):
        if w.c_parent[c] < 0:
            by_root[find(p)].append(c)
    groups = []
    for _root, ms in sorted(by_root.items()):
        if len(ms) < 2:
            continue
        ctrl = sorted({controllers[c][0] for c in ms})
        groups.append({"controllers": ctrl, "members": sorted(ms)})
    return groups


def guarantee_sccs(w: World, cr: Credit) -> list[list[int]]:
    """Strongly connected components (≥ 2 companies) of the company guarantee graph."""
    n = w.n_companies
    g = np.asarray(cr.g_guarantor)
    b = np.asarray(cr.g_borrower)
    cc = np.asarray(cr.g_kind) == COMPANY
    graph = coo_matrix((np.ones(cc.sum()), (g[cc], b[cc])), shape=(n, n)).tocsr()
    _, label = connected_components(graph, directed=True, connection="strong")
    sizes = np.bincount(label)
    comps: dict[int, list[int]] = defaultdict(list)
    for c in np.flatnonzero(sizes[label] > 1):
        comps[int(label[c])].append(int(c))
    return sorted(sorted(v) for v in comps.values())


def degree_hubs(cr: Credit, minimum: int = 3) -> tuple[dict[tuple[int, int], int], dict[int, int]]:
    """Guarantors with ≥ minimum distinct borrowers; borrowers with ≥ minimum distinct guarantors."""
    outs: dict[tuple[int, int], set[int]] = defaultdict(set)
    ins: dict[int, set[tuple[int, int]]] = defaultdict(set)
    for k, g, b in zip(cr.g_kind, cr.g_guarantor, cr.g_borrower, strict=True):
        outs[(k, g)].add(b)
        ins[b].add((k, g))
    cross = {key: len(v) for key, v in sorted(outs.items()) if len(v) >= minimum}
    focus = {key: len(v) for key, v in sorted(ins.items()) if len(v) >= minimum}
    return cross, focus


def longest_chain(w: World, cr: Credit) -> int:
    """Edges on the longest path of the condensation (circles collapsed) of the guarantee graph.

    Every edge outside a circle goes strictly up the generator's rank order and circle members share
    one rank, so relaxing the edges in increasing rank of their guarantor is a topological pass.
    """
    rank = cr.rank
    assert rank is not None, "ranks are set when the world is built"
    depth: dict[float, int] = {}
    order = sorted(
        range(len(cr.g_id)),
        key=lambda i: -1.0 if cr.g_kind[i] == PERSON else float(rank[cr.g_guarantor[i]]),
    )
    best = 0
    for i in order:
        b = float(rank[cr.g_borrower[i]])
        if cr.g_kind[i] == PERSON:
            d = 1
        else:
            g = float(rank[cr.g_guarantor[i]])
            if g == b:  # inside one circle
                continue
            d = depth.get(g, 0) + 1
        if d > depth.get(b, 0):
            depth[b] = d
            best = max(best, d)
    return best


#: Listings that say an entity does not pay (court judgments, the regulator's serious-violation
#: list, the bank's own list): what contagion must carry to the entity's guarantors and to the
#: companies it controls. 经营异常名录 and 行政处罚 entries are administrative and not planted as cases.
CONTAGION_KINDS = (
    "dishonest_judgment_debtor",
    "consumption_restriction",
    "serious_violation",
    "bank_internal",
)


def contagion_cases(w: World, cr: Credit, as_of_ordinal: int) -> list[dict]:
    """The contagion cases the true world plants, one per (entity, listed source, way):

    - ``guarantor_of_listed_borrower``: a guarantor (company or person) of a borrower listed under
      one of :data:`CONTAGION_KINDS` at ``as_of_ordinal`` — the guarantor pays the borrower's debt;
    - ``majority_held_by_listed``: a company whose direct strict-majority (> 50%) holder is so listed.

    An entity that is itself listed (any kind) is no case: its own listing flags it, not contagion.
    Parties are (kind, index) pairs as in the world (COMPANY / PERSON); sorted, one row per case.
    """
    listed: dict[tuple[int, int], set[str]] = defaultdict(set)
    any_listing: set[tuple[int, int]] = set()
    for kp, party, kind, start, removal in zip(
        cr.b_kind_party, cr.b_party, cr.b_kind, cr.b_list, cr.b_removal, strict=True
    ):
        if start <= as_of_ordinal and (removal < 0 or removal > as_of_ordinal):
            any_listing.add((int(kp), int(party)))
            if kind in CONTAGION_KINDS:
                listed[(int(kp), int(party))].add(kind)
    cases: dict[tuple[int, int, int, int, str], list[str]] = {}
    for gk, g, b in zip(cr.g_kind, cr.g_guarantor, cr.g_borrower, strict=True):
        src = (COMPANY, int(b))
        if src in listed and (int(gk), int(g)) != src and (int(gk), int(g)) not in any_listing:
            cases[(int(gk), int(g), *src, "guarantor_of_listed_borrower")] = sorted(listed[src])
    h = w.holdings
    for k, p, c, bp in zip(h.holder_kind, h.holder, h.company, h.bp, strict=True):
        src = (int(k), int(p))
        if bp > 5000 and src in listed and src != (COMPANY, int(c)) and (COMPANY, int(c)) not in any_listing:
            cases[(COMPANY, int(c), *src, "majority_held_by_listed")] = sorted(listed[src])
    return [
        {"kind": kp, "party": party, "source_kind": sk, "source": s, "case": case, "listing_kinds": kinds}
        for (kp, party, sk, s, case), kinds in sorted(cases.items())
    ]
