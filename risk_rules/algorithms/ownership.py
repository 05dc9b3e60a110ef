"""Ownership and control (股权穿透, 受益所有人, 实际控制人).

Graph convention: ``nx.DiGraph`` (or ``MultiDiGraph``: parallel edges are summed) whose edges go
**holder → company** with attribute ``pct`` in [0, 100]; node attribute ``kind`` is "person" or
"company" (a node without ``kind`` counts as a person when its id starts with ``"P:"``).
Positions (person → company with a role) are passed as ``(person, company, role)`` tuples or as
a graph whose edges carry ``role``; family ties as ``(person, person, relation)`` tuples.

Functions:

- :func:`integrated_ownership` — every holder's integrated share in one company (all layers,
  exact with cross-holdings, by a sparse linear solve on the company's ancestors).
- :func:`ownership_paths` — the top contributing paths of one holder into one company.
- :func:`ownership_inconsistencies` — companies whose recorded holders sum to more than 100%.
- :func:`actual_controller` / :func:`all_controllers` — the (ultimate) controller and the
  control chain proving it (majority, plurality with margin, or half the board).
- :func:`beneficial_owners` — natural persons ≥ 25% (or the controller, or the senior manager).
- :func:`family_clusters` — near-relative clusters used to treat a family as one controller.

Definition (integrated ownership). Let ``A[i, j] = pct(i → j) / 100``. The integrated share of X
in Y is the sum over all ownership paths X → … → Y of the product of the fractions along the
path. With cross-holdings there are infinitely many walks; their sum is the Neumann series
``S = A + A² + … = (I − A)⁻¹ − I``, which converges whenever every company's recorded holders
sum to at most 100% and no set of companies is 100% owned within itself. Column y of S solves
``(I − A) s = A[:, y]`` and only ancestors of y take part, so each target is solved on its own
ancestor set (path sums in topological order when acyclic, sparse LU otherwise). References: Vitali, Glattfelder & Battiston, "The network of global
corporate control", PLoS ONE 6(10), 2011 (integrated ownership); Brioschi, Buzzacchi & Colombo,
"Risk capital financing and the separation of ownership and control in business groups", Journal
of Banking & Finance 13 (1989) (the (I − A)⁻¹ formulation); 银发〔2018〕164号 and
《受益所有人信息管理办法》(2024) for the beneficial-owner cascade.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import islice

import networkx as nx
import numpy as np
from scipy.sparse import csc_matrix, csr_matrix, identity
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import splu

from ._common import PCT_EPS, UnionFind, check_choice, longest_path_layers

__all__ = [
    "NEAR_RELATIVES",
    "OwnershipDataError",
    "OwnershipPath",
    "ControlLink",
    "ControlResult",
    "BeneficialOwner",
    "BeneficialOwnership",
    "integrated_ownership",
    "ownership_paths",
    "ownership_inconsistencies",
    "family_clusters",
    "positions_by_company",
    "actual_controller",
    "all_controllers",
    "beneficial_owners",
]

#: Relations counted as 近亲属 (near relatives) when merging a family into one controller.
NEAR_RELATIVES = frozenset({"spouse", "parent", "child", "sibling"})


class OwnershipDataError(ValueError):
    """Ownership data that makes integrated shares undefined (> 100% held, or a closed 100% loop)."""


# --------------------------------------------------------------------------------------------
# results


@dataclass(frozen=True)
class OwnershipPath:
    """One ownership path: ``nodes[0]`` holds ``pcts[0]`` of ``nodes[1]`` … ; ``product`` in pct."""

    nodes: tuple[str, ...]
    pcts: tuple[float, ...]
    product: float


@dataclass(frozen=True)
class ControlLink:
    """One control decision: ``controller`` (a block: one id, or a family's member ids) controls
    ``company`` on ``basis`` "majority", "plurality" or "board".

    ``votes`` is the block's aggregated voting pct in ``company`` (its own direct pct plus the pct
    of every holder it controls), ``runner_up`` the next block's; ``contributions`` lists the direct
    holders aggregated into the block with their pct. For "board", ``board_seats`` is
    (seats attributed to the block, board size).
    """

    controller: tuple[str, ...]
    company: str
    basis: str
    votes: float
    runner_up: float
    contributions: tuple[tuple[str, float], ...]
    board_seats: tuple[int, int] | None = None


@dataclass(frozen=True)
class ControlResult:
    """The ultimate controller of ``company`` and the chain of :class:`ControlLink` proving it
    (from the top of the chain down to ``company``). ``controller`` is None when nobody controls."""

    company: str
    controller: tuple[str, ...] | None
    basis: str | None
    chain: tuple[ControlLink, ...]


@dataclass(frozen=True)
class BeneficialOwner:
    """One beneficial owner. ``basis`` is "ownership", "control" or "senior_manager".

    ``share`` is the integrated ownership pct (also reported for control/manager owners);
    ``paths`` are the best contributing ownership paths and ``paths_cover`` their summed product,
    so a reader sees how much of ``share`` the listed evidence explains.
    """

    person: str
    basis: str
    share: float
    paths: tuple[OwnershipPath, ...] = ()
    paths_cover: float = 0.0
    control_chain: tuple[ControlLink, ...] = ()
    role: str | None = None


@dataclass(frozen=True)
class BeneficialOwnership:
    """Result of :func:`beneficial_owners`; ``basis`` tells which step of the cascade applied
    ("ownership", "control", "senior_manager" or "none")."""

    company: str
    threshold: float
    comparison: str
    basis: str
    owners: tuple[BeneficialOwner, ...]


# --------------------------------------------------------------------------------------------
# helpers


def _is_person(G: nx.Graph, node: Hashable) -> bool:
    kind = G.nodes[node].get("kind") if node in G else None
    if kind is not None:
        return kind == "person"
    return str(node).startswith("P:")


def _upstream_holdings(G: nx.DiGraph, target: Hashable, pct_attr: str) -> nx.DiGraph:
    """:func:`_holdings` of :func:`_upstream` in a single upward pass (no views): the collapsed
    holdings of ``target`` and of every entity holding it directly or indirectly."""
    holders = _upstream_holders(G, target, pct_attr)
    H = nx.DiGraph()
    H.add_nodes_from((n, G.nodes[n]) for n in holders)
    H.add_edges_from((h, x, {"pct": p}) for x, hs in holders.items() for h, p in hs.items())
    return H


def _holdings(G: nx.DiGraph, pct_attr: str) -> nx.DiGraph:
    """Collapse to a simple DiGraph with summed pct; drop self-holdings (treasury shares carry no
    vote) and zero edges; reject negative or > 100 values."""
    H = nx.DiGraph()
    H.add_nodes_from(G.nodes(data=True))
    for u, v, p in G.edges(data=pct_attr, default=None):
        if p is None or u == v:
            continue
        p = float(p)
        if p < 0 or p > 100 + PCT_EPS or math.isnan(p):
            raise OwnershipDataError(f"持股比例无效 {u}→{v}: {p} / invalid pct {u}->{v}: {p}")
        if p == 0:
            continue
        if H.has_edge(u, v):
            H[u][v]["pct"] += p
        else:
            H.add_edge(u, v, pct=p)
    return H


def _clean_holdings(G: nx.DiGraph, pct_attr: str) -> nx.DiGraph:
    """``G`` itself when it already is what :func:`_holdings` would build (a simple DiGraph whose
    ``pct`` are floats in (0, 100], no self-holdings), else :func:`_holdings`: the whole-graph
    control pass then needs no second copy of a million-edge graph. Readers of the result use
    only ``pct`` and never depend on the order holders are stored in."""
    if pct_attr == "pct" and type(G) is nx.DiGraph:
        limit = 100 + PCT_EPS
        for u, v, p in G.edges(data="pct"):
            if u == v or type(p) is not float or not 0 < p <= limit:
                break
        else:
            return G
    return _holdings(G, pct_attr)


def ownership_inconsistencies(
    G: nx.DiGraph, *, pct_attr: str = "pct", tolerance: float = 0.5
) -> dict[str, float]:
    """Companies whose recorded holders sum to more than ``100 + tolerance`` pct: {company: total}.

    Such data makes integrated shares meaningless; the rule layer should report them as data
    errors before trusting ownership results.

    Example:
        >>> G = nx.DiGraph([("A", "X", {"pct": 70}), ("B", "X", {"pct": 40})])
        >>> ownership_inconsistencies(G)
        {'X': 110.0}
    """
    totals: dict[Hashable, float] = {}
    for u, v, p in G.edges(data=pct_attr, default=None):
        if p is not None and u != v:
            totals[v] = totals.get(v, 0.0) + float(p)
    return {str(k): t for k, t in sorted(totals.items(), key=lambda kv: str(kv[0])) if t > 100 + tolerance}


def _closed_loop_error(target: Hashable) -> OwnershipDataError:
    return OwnershipDataError(
        f"{target} 的持股结构为封闭的 100% 循环，穿透比例无定义 / ownership of {target} contains a closed "
        "100% loop; integrated shares are undefined"
    )


def _integrated_column(H: nx.DiGraph, target: Hashable) -> dict[Hashable, float]:
    """Integrated share (fraction) of every ancestor of ``target`` in ``target``.

    One upward pass collects the holders of every ancestor. Acyclic ancestor sets (the usual
    case) are then summed from the target upwards in topological order (a node's share is final
    once all its holdings inside the set are counted): share(x) = Σ_y A[x, y] · share(y) with
    share(target) = 1, which is exactly the sum over paths. Sets with cross-holdings are solved as
    (I − A) s = A[:, target] by sparse LU (no dense BLAS, which oversubscribes a busy machine).
    """
    pred_of = H._pred
    holders: dict[Hashable, dict[Hashable, float]] = {}
    stack = [target]
    while stack:
        x = stack.pop()
        hs = {h: d["pct"] for h, d in pred_of[x].items()}
        holders[x] = hs
        for h in hs:
            if h not in holders:
                holders[h] = {}  # placeholder, filled when popped
                stack.append(h)
    return _integrated_from_holders(holders, target)


def _upstream_holders(
    G: nx.DiGraph, target: Hashable, pct_attr: str
) -> dict[Hashable, dict[Hashable, float]]:
    """{entity: {holder: summed pct}} for ``target`` and everything upstream of it, in one pass
    over ``G`` (validating pct, skipping self-holdings and zero/missing stakes)."""
    multi = G.is_multigraph()
    holders: dict[Hashable, dict[Hashable, float]] = {}
    stack = [target]
    holders[target] = {}
    while stack:
        x = stack.pop()
        hs = holders[x]
        for h, data in G._pred[x].items():
            if h == x:
                continue
            vals = [d.get(pct_attr) for d in data.values()] if multi else [data.get(pct_attr)]
            total = 0.0
            for p in vals:
                if p is None:
                    continue
                p = float(p)
                if p < 0 or p > 100 + PCT_EPS or math.isnan(p):
                    raise OwnershipDataError(f"持股比例无效 {h}→{x}: {p} / invalid pct {h}->{x}: {p}")
                total += p
            if total <= 0:
                continue
            hs[h] = total
            if h not in holders:
                holders[h] = {}
                stack.append(h)
    return holders


def _integrated_from_holders(
    holders: dict[Hashable, dict[Hashable, float]], target: Hashable
) -> dict[Hashable, float]:
    anc = set(holders) - {target}
    if not anc:
        return {}
    pending = dict.fromkeys(holders, 0)  # holdings inside the set not yet counted
    for hs in holders.values():
        for h in hs:
            pending[h] += 1
    share: dict[Hashable, float] = dict.fromkeys(holders, 0.0)
    share[target] = 1.0
    ready = [target] if pending[target] == 0 else []
    done = 0
    while ready:
        y = ready.pop()
        done += 1
        sy = share[y]
        for h, p in holders[y].items():
            share[h] += p / 100.0 * sy
            pending[h] -= 1
            if pending[h] == 0:
                ready.append(h)
    if done == len(holders):
        return {n: f for n, f in share.items() if n != target and f > 0}
    nodes = sorted(holders, key=str)
    idx = {n: i for i, n in enumerate(nodes)}
    k = len(nodes)
    rows, cols, vals = [], [], []
    for v, hs in holders.items():
        for u, p in hs.items():
            rows.append(idx[u])
            cols.append(idx[v])
            vals.append(p / 100.0)
    A = csc_matrix((vals, (rows, cols)), shape=(k, k))
    col = np.asarray(A[:, idx[target]].todense()).ravel()
    try:
        s = splu((identity(k, format="csc") - A).tocsc()).solve(col)
    except RuntimeError as exc:  # "Factor is exactly singular"
        raise _closed_loop_error(target) from exc
    if not np.all(np.isfinite(s)):
        raise _closed_loop_error(target)
    return {n: float(s[idx[n]]) for n in nodes if n != target and s[idx[n]] > 0}


def integrated_ownership(G: nx.DiGraph, target: Hashable, *, pct_attr: str = "pct") -> dict[str, float]:
    """Integrated ownership share (pct, 0–100) of every direct or indirect holder in ``target``.

    Exact with cross-holdings (see the module docstring for the definition). The target's own
    indirect holding of itself through a cycle is not reported. Holders whose recorded stakes
    sum to > 100% are not rejected here (see :func:`ownership_inconsistencies`), but a closed
    100% loop raises :class:`OwnershipDataError`.

    Example:
        >>> G = nx.DiGraph([("P", "A", {"pct": 60}), ("A", "B", {"pct": 50}), ("P", "B", {"pct": 10})])
        >>> {k: round(v, 6) for k, v in integrated_ownership(G, "B").items()}
        {'A': 50.0, 'P': 40.0}
    """
    if target not in G:
        return {}
    col = _integrated_from_holders(_upstream_holders(G, target, pct_attr), target)
    return {str(n): 100.0 * f for n, f in sorted(col.items(), key=lambda kv: str(kv[0]))}


def ownership_paths(
    G: nx.DiGraph,
    holder: Hashable,
    target: Hashable,
    *,
    pct_attr: str = "pct",
    max_paths: int = 5,
    max_hops: int | None = None,
) -> tuple[OwnershipPath, ...]:
    """The ``max_paths`` simple ownership paths from ``holder`` to ``target`` with the largest
    products (best first), optionally at most ``max_hops`` edges long.

    Found with Yen's k-shortest simple paths on weights ``−log(pct/100)``, so the first path is
    the single largest contribution. With cross-holdings the integrated share also counts
    non-simple walks; compare the products' sum with :func:`integrated_ownership` to see how
    much the listed paths explain.

    Example:
        >>> G = nx.DiGraph([("P", "A", {"pct": 60}), ("A", "B", {"pct": 50}), ("P", "B", {"pct": 10})])
        >>> [(p.nodes, round(p.product, 6)) for p in ownership_paths(G, "P", "B")]
        [(('P', 'A', 'B'), 30.0), (('P', 'B'), 10.0)]
    """
    if target not in G:
        return ()
    return _ownership_paths(_upstream_holdings(G, target, pct_attr), holder, target, max_paths, max_hops)


def _ownership_paths(
    H: nx.DiGraph, holder: Hashable, target: Hashable, max_paths: int, max_hops: int | None
) -> tuple[OwnershipPath, ...]:
    if holder not in H or target not in H or holder == target or max_paths <= 0:
        return ()
    below = nx.descendants(H, holder)
    if target not in below:
        return ()
    between = (below & nx.ancestors(H, target)) | {holder, target}
    single = _single_path(H, between, holder, target)
    if single is not None:  # the usual case (one route): what Yen's algorithm would return
        if max_hops is not None and len(single) - 1 > max_hops:
            return ()
        pcts = tuple(float(H[a][b]["pct"]) for a, b in zip(single, single[1:], strict=False))
        prod = 100.0 * math.prod(p / 100.0 for p in pcts)
        return (OwnershipPath(tuple(str(x) for x in single), pcts, prod),)
    sub = nx.DiGraph()
    for u, v, p in H.subgraph(between).edges(data="pct"):
        sub.add_edge(u, v, pct=p, w=-math.log(min(p, 100.0) / 100.0))
    out: list[OwnershipPath] = []
    for path in islice(nx.shortest_simple_paths(sub, holder, target, weight="w"), max_paths * 20):
        if max_hops is not None and len(path) - 1 > max_hops:
            continue
        pcts = tuple(float(sub[a][b]["pct"]) for a, b in zip(path, path[1:], strict=False))
        prod = 100.0 * math.prod(p / 100.0 for p in pcts)
        out.append(OwnershipPath(tuple(str(x) for x in path), pcts, prod))
        if len(out) >= max_paths:
            break
    return tuple(out)


def _single_path(H: nx.DiGraph, between: set, holder: Hashable, target: Hashable) -> list | None:
    """The only simple path holder → target inside ``between``, or None when there may be more.

    Every node of ``between`` lies on a walk from ``holder`` to ``target``; if each of them except
    ``target`` has exactly one successor inside the set, every path is forced, so there is exactly
    one simple path and it is the walk that follows those successors.
    """
    succ = H._succ
    path = [holder]
    for x in between:
        if x == target:
            continue
        n = 0
        for y in succ[x]:
            if y in between:
                n += 1
                if n > 1:
                    return None
    x = holder
    seen = {holder}
    while x != target:
        x = next(y for y in succ[x] if y in between)
        if x in seen:  # cannot happen when ``between`` is as described; stay on the safe side
            return None
        seen.add(x)
        path.append(x)
    return path


# --------------------------------------------------------------------------------------------
# families and positions


def family_clusters(family_pairs: Iterable[tuple[str, str, str]] | None) -> dict[str, tuple[str, ...]]:
    """Map each person with a near relative to the sorted members of its family cluster.

    Clusters are connected components of the near-relative relation (``NEAR_RELATIVES``), so an
    in-law chain (A's sibling's spouse) is merged too — deliberately conservative for exposure
    aggregation. Ages are not known here, so "adult children" cannot be checked.

    Example:
        >>> family_clusters([("P:h", "P:w", "spouse"), ("P:w", "P:x", "colleague")])
        {'P:h': ('P:h', 'P:w'), 'P:w': ('P:h', 'P:w')}
    """
    uf = UnionFind()
    for a, b, rel in family_pairs or ():
        if str(rel).lower() in NEAR_RELATIVES and a != b:
            uf.union(str(a), str(b))
    out: dict[str, tuple[str, ...]] = {}
    for members in uf.groups().values():
        t = tuple(sorted(str(m) for m in members))
        for m in t:
            out[m] = t
    return out


def positions_by_company(
    positions: Iterable[tuple[str, str, str]] | nx.Graph | None,
) -> dict[str, list[tuple[str, str]]]:
    """Normalise positions to {company: [(person, role), ...]} (sorted, deduplicated)."""
    out: dict[str, set[tuple[str, str]]] = {}
    if positions is None:
        return {}
    if isinstance(positions, nx.Graph):
        rows = ((u, v, r) for u, v, r in positions.edges(data="role"))
    else:
        rows = positions
    for person, company, role in rows:
        if role is None:
            continue
        out.setdefault(str(company), set()).add((str(person), str(role).lower()))
    return {c: sorted(v) for c, v in out.items()}


# --------------------------------------------------------------------------------------------
# control


@dataclass
class _ControlSolver:
    """Evaluates control for many companies, memoised; see :func:`actual_controller`."""

    H: nx.DiGraph
    positions: dict[str, list[tuple[str, str]]]
    families: dict[str, tuple[str, ...]]
    majority: float
    plurality: float
    margin: float
    board_roles: frozenset[str]
    memo: dict[Hashable, ControlResult] = field(default_factory=dict)
    max_rounds: int = 20
    _person_companies: dict[str, set[str]] | None = None

    def _companies_of_person(self) -> dict[str, set[str]]:
        if self._person_companies is None:
            out: dict[str, set[str]] = {}
            for company, rows in self.positions.items():
                for person, _ in rows:
                    out.setdefault(person, set()).add(company)
            self._person_companies = out
        return self._person_companies

    def block_of(self, holder: Hashable) -> tuple[str, ...]:
        res = self.memo.get(holder)
        if res is not None and res.controller is not None:
            return res.controller
        fam = self.families.get(str(holder))
        return fam if fam is not None else (str(holder),)

    def evaluate(self, c: Hashable) -> ControlResult:
        votes: dict[tuple[str, ...], float] = {}
        contrib: dict[tuple[str, ...], list[tuple[str, float]]] = {}
        holder_block: dict[str, tuple[str, ...]] = {}
        for h, d in self.H._pred[c].items():
            p = d["pct"]
            b = self.block_of(h)
            if str(c) in b:
                # h is itself controlled by c (cross-holding): c cannot control itself, so h's
                # stake counts in h's own name — mutual 60/60 holders then control each other.
                b = (str(h),)
            holder_block[str(h)] = b
            contrib.setdefault(b, []).append((str(h), p))
        # fsum is exactly rounded, so the votes do not depend on the order holders are stored in
        votes = {b: math.fsum(p for _, p in cs) for b, cs in contrib.items()}
        ranked = sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))
        top, top_v = ranked[0] if ranked else (None, 0.0)
        second_v = ranked[1][1] if len(ranked) > 1 else 0.0
        link: ControlLink | None = None
        if top is not None and top_v > second_v + PCT_EPS:
            if top_v >= self.majority - PCT_EPS:
                basis = "majority"
            elif top_v >= self.plurality - PCT_EPS and top_v - second_v >= self.margin - PCT_EPS:
                basis = "plurality"
            else:
                basis = None
            if basis:
                link = ControlLink(top, str(c), basis, top_v, second_v, tuple(sorted(contrib[top])))
        if link is None:
            link = self._board_link(c, holder_block, votes)
        if link is None:
            return ControlResult(str(c), None, None, ())
        chain: dict[ControlLink, None] = {}
        for h, _ in link.contributions:
            sub = self.memo.get(h)
            if sub is not None and sub.controller == link.controller:
                for x in sub.chain:
                    if x.company != str(c):  # in a cross-holding the sub-chain may loop back here
                        chain.setdefault(x, None)
        chain.setdefault(link, None)
        return ControlResult(str(c), link.controller, link.basis, tuple(chain))

    def _board_link(self, c: Hashable, holder_block: dict[str, tuple[str, ...]], votes) -> ControlLink | None:
        """Half the board appointed by one block: a seat counts for the block of the holder the
        director *is*, or of the holder company in which the director also holds a position."""
        seats = [p for p, role in self.positions.get(str(c), []) if role in self.board_roles]
        seats = sorted(set(seats))
        if not seats:
            return None
        roles_at = self._companies_of_person()
        count: dict[tuple[str, ...], int] = {}
        for person in seats:
            blocks = set()
            if person in holder_block:
                blocks.add(holder_block[person])
            for holder, b in holder_block.items():
                if holder in roles_at.get(person, ()):
                    blocks.add(b)
            if len(blocks) == 1:  # a seat attributable to two blocks is attributed to neither
                b = blocks.pop()
                count[b] = count.get(b, 0) + 1
        ranked = sorted(count.items(), key=lambda kv: (-kv[1], kv[0]))
        if not ranked:
            return None
        top, n_top = ranked[0]
        n_second = ranked[1][1] if len(ranked) > 1 else 0
        if 2 * n_top >= len(seats) and n_top > n_second:
            others = [v for b, v in votes.items() if b != top]
            return ControlLink(
                top,
                str(c),
                "board",
                votes.get(top, 0.0),
                max(others, default=0.0),
                tuple(
                    sorted(
                        (h, p)
                        for h, p in ((h, self.H[h][c]["pct"]) for h, b in holder_block.items() if b == top)
                    )
                ),
                (n_top, len(seats)),
            )
        return None

    def solve(self, nodes: Iterable[Hashable]) -> None:
        """Evaluate every not-yet-known node among ``nodes`` and their ancestors, holders first.

        Cross-holdings (strongly connected sets) are iterated from "nobody controls" until the
        answers stop changing (at most ``max_rounds`` rounds), so the result does not depend on
        the order nodes were asked for.
        """
        # one reverse BFS from all requested nodes, stopping at nodes already known: O(n + m)
        todo: set[Hashable] = {n for n in nodes if n not in self.memo and n in self.H}
        stack = list(todo)
        pred = self.H._pred
        while stack:
            x = stack.pop()
            for h in pred[x]:
                if h not in todo and h not in self.memo:
                    todo.add(h)
                    stack.append(h)
        if not todo:
            return
        for members in self._components_in_order(todo):
            if len(members) == 1:
                self.memo[members[0]] = self.evaluate(members[0])
                continue
            for m in members:
                self.memo[m] = ControlResult(str(m), None, None, ())
            for _ in range(self.max_rounds):
                changed = False
                for m in members:
                    r = self.evaluate(m)
                    if r != self.memo[m]:
                        self.memo[m] = r
                        changed = True
                if not changed:
                    break

    def _components_in_order(self, todo: set[Hashable]) -> list[list[Hashable]]:
        """Strongly connected components of H restricted to ``todo``, holders before holdings
        (scipy SCC + longest-path layering of the condensation; no networkx views)."""
        order_nodes = sorted(todo, key=str)
        idx = {n: i for i, n in enumerate(order_nodes)}
        src, dst = [], []
        pred = self.H._pred
        for v in order_nodes:
            j = idx[v]
            for h in pred[v]:
                i = idx.get(h)
                if i is not None:
                    src.append(i)
                    dst.append(j)
        n = len(order_nodes)
        a, b = np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64)
        adj = csr_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n, n))
        nc, labels = connected_components(adj, directed=True, connection="strong")
        labels = labels.astype(np.int64)
        la, lb = labels[a], labels[b]
        cross = la != lb
        keys = np.unique(la[cross] * nc + lb[cross])
        depth, _ = longest_path_layers(nc, keys // nc, keys % nc)
        comps: list[list[Hashable]] = [[] for _ in range(nc)]
        for node, lab in zip(order_nodes, labels.tolist(), strict=True):
            comps[lab].append(node)
        return [comps[c] for c in np.lexsort((np.arange(nc), depth)).tolist()]


def _make_solver(
    G: nx.DiGraph,
    *,
    pct_attr: str,
    majority: float,
    plurality: float,
    margin: float,
    positions,
    family_pairs,
    board_roles: Iterable[str],
) -> _ControlSolver:
    return _ControlSolver(
        H=_clean_holdings(G, pct_attr),
        positions=positions_by_company(positions),
        families=family_clusters(family_pairs),
        majority=majority,
        plurality=plurality,
        margin=margin,
        board_roles=frozenset(r.lower() for r in board_roles),
    )


def actual_controller(
    G: nx.DiGraph,
    company: Hashable,
    *,
    pct_attr: str = "pct",
    majority: float = 50.0,
    plurality: float = 30.0,
    margin: float = 0.0,
    positions: Iterable[tuple[str, str, str]] | nx.Graph | None = None,
    family_pairs: Iterable[tuple[str, str, str]] | None = None,
    board_roles: Iterable[str] = ("chairman", "director"),
) -> ControlResult:
    """The ultimate controller (实际控制人) of ``company`` with the control chain as evidence.

    Control is decided per company on *blocks*: each direct holder's vote goes to the block that
    ultimately controls that holder (control is transitive: A controls B controls C ⇒ A's block
    in C includes B's stake), to its family cluster if ``family_pairs`` put it in one (a couple
    holding 30% + 25% is one 55% controller), or else to the holder itself. The largest block
    controls when it is strictly larger than the next block and

    1. ``votes >= majority`` (default 50%) — "majority"; or
    2. ``votes >= plurality`` (default 30%, 上市公司收购管理办法 art. 84) and leads the next block by
       at least ``margin`` percentage points (default 0: strictly largest) — "plurality"; or
    3. failing both, it appoints at least half of the board (``board_roles`` seats in
       ``positions``; a seat belongs to a block when the director is that holder, or holds a
       position in that holder company) — "board".

    A company never controls itself: a holder that the company itself controls (cross-holding)
    votes in its own name, so two companies holding 60% of each other control each other and
    neither has an ultimate controller beyond the pair. Cross-holding sets are iterated to a fixed
    point. Ties give no controller.

    Example:
        >>> G = nx.DiGraph([("P:1", "A", {"pct": 60}), ("A", "B", {"pct": 40}), ("P:1", "B", {"pct": 15}),
        ...                 ("X", "B", {"pct": 45})])
        >>> r = actual_controller(G, "B")
        >>> r.controller, r.basis, [(l.controller, l.company, l.votes) for l in r.chain]
        (('P:1',), 'majority', [(('P:1',), 'A', 60.0), (('P:1',), 'B', 55.0)])
    """
    if company not in G:
        return ControlResult(str(company), None, None, ())
    solver = _make_solver(
        _upstream_holdings(G, company, pct_attr),
        pct_attr="pct",  # already collapsed into "pct"
        majority=majority,
        plurality=plurality,
        margin=margin,
        positions=positions,
        family_pairs=family_pairs,
        board_roles=board_roles,
    )
    solver.solve([company])
    return solver.memo[company]


def all_controllers(
    G: nx.DiGraph,
    *,
    pct_attr: str = "pct",
    majority: float = 50.0,
    plurality: float = 30.0,
    margin: float = 0.0,
    positions: Iterable[tuple[str, str, str]] | nx.Graph | None = None,
    family_pairs: Iterable[tuple[str, str, str]] | None = None,
    board_roles: Iterable[str] = ("chairman", "director"),
) -> dict[str, ControlResult]:
    """:func:`actual_controller` for every node that has holders (one pass, shared memo).

    Only controlled companies are returned: {company: ControlResult}.
    """
    solver = _make_solver(
        G,
        pct_attr=pct_attr,
        majority=majority,
        plurality=plurality,
        margin=margin,
        positions=positions,
        family_pairs=family_pairs,
        board_roles=board_roles,
    )
    solver.solve([n for n, holders in solver.H._pred.items() if holders])
    return {
        str(k): v
        for k, v in sorted(solver.memo.items(), key=lambda kv: str(kv[0]))
        if v.controller is not None
    }


# --------------------------------------------------------------------------------------------
# beneficial owners


def _meets(share: float, threshold: float, comparison: str) -> bool:
    if comparison == ">=":
        return share >= threshold - PCT_EPS
    return share > threshold + PCT_EPS


def beneficial_owners(
    G: nx.DiGraph,
    company: Hashable,
    *,
    threshold: float = 25.0,
    comparison: str = ">=",
    pct_attr: str = "pct",
    positions: Iterable[tuple[str, str, str]] | nx.Graph | None = None,
    family_pairs: Iterable[tuple[str, str, str]] | None = None,
    manager_roles: tuple[str, ...] = ("senior_manager", "legal_representative"),
    max_paths: int = 5,
    max_hops: int | None = None,
    control_kwargs: Mapping[str, object] | None = None,
) -> BeneficialOwnership:
    """Beneficial owners (受益所有人) of ``company`` by the regulatory cascade.

    1. "ownership": natural persons whose integrated share ``comparison`` ``threshold``
       (default ``>= 25``; KYC texts that say "more than 25%" use ``comparison=">"``). Shares are
       compared with a 1e-9 pp tolerance so 50% × 50% counts as exactly 25%.
    2. else "control": the natural person(s) in the ultimate controller block
       (:func:`actual_controller`, with ``control_kwargs`` passed through).
    3. else "senior_manager": persons holding the first of ``manager_roles`` present at the
       company in ``positions``.
    Otherwise ``basis="none"`` and no owners.

    Each owner carries its best ``max_paths`` ownership paths (``paths_cover`` = their summed
    product) and, for "control", the control chain.

    Example:
        >>> G = nx.DiGraph([("P:a", "H", {"pct": 50}), ("H", "X", {"pct": 50}), ("P:b", "X", {"pct": 24.99})])
        >>> [(o.person, round(o.share, 6)) for o in beneficial_owners(G, "X").owners]
        [('P:a', 25.0)]
        >>> beneficial_owners(G, "X", comparison=">").basis
        'control'
    """
    check_choice("comparison", comparison, (">=", ">"))
    if company in G:
        anc = nx.ancestors(G, company)
        if len(anc) + 1 < len(G):  # a view iterates like G itself, so G serves when it is all upstream
            G = G.subgraph(anc | {company})
    H = _upstream_holdings(G, company, pct_attr) if company in G else _holdings(G, pct_attr)
    shares = {n: 100.0 * f for n, f in _integrated_column(H, company).items()} if company in H else {}

    def owner(person: Hashable, basis: str, **kw) -> BeneficialOwner:
        paths = _ownership_paths(H, person, company, max_paths, max_hops) if person in shares else ()
        return BeneficialOwner(
            person=str(person),
            basis=basis,
            share=shares.get(person, 0.0),
            paths=paths,
            paths_cover=sum(p.product for p in paths),
            **kw,
        )

    people = sorted(
        (p for p, s in shares.items() if _is_person(H, p) and _meets(s, threshold, comparison)), key=str
    )
    if people:
        owners = tuple(sorted((owner(p, "ownership") for p in people), key=lambda o: (-o.share, o.person)))
        return BeneficialOwnership(str(company), threshold, comparison, "ownership", owners)

    ctrl = actual_controller(
        G,
        company,
        pct_attr=pct_attr,
        positions=positions,
        family_pairs=family_pairs,
        **dict(control_kwargs or {}),
    )
    if ctrl.controller is not None:
        persons = [p for p in ctrl.controller if _is_person(H, p)]
        if persons:
            owners = tuple(owner(p, "control", control_chain=ctrl.chain) for p in sorted(persons))
            return BeneficialOwnership(str(company), threshold, comparison, "control", owners)

    rows = positions_by_company(positions).get(str(company), [])
    for role in manager_roles:
        managers = sorted({p for p, r in rows if r == role.lower()})
        if managers:
            owners = tuple(owner(p, "senior_manager", role=role) for p in managers)
            return BeneficialOwnership(str(company), threshold, comparison, "senior_manager", owners)
    return BeneficialOwnership(str(company), threshold, comparison, "none", ())
