"""Actual controller (实际控制人): who ultimately controls a company, and the chain proving it.

Control is decided on voting blocks (majority, plurality with a margin, or half the board), with
families voting as one block and control passed up through controlled holders (公司法;
上市公司收购管理办法 art. 84; 集团客户授信业务风险管理指引 art. 3).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from .._common import PCT_EPS, check_choice, longest_path_layers, pred_dicts
from .holdings import (
    FAMILY_SCOPES,
    FamilyTies,
    clean_holdings,
    family_clusters,
    near_relatives,
    positions_by_company,
    upstream_holdings,
)

#: The control thresholds' defaults, for every way in: majority (公司法 控股股东), plurality
#: (上市公司收购管理办法 art. 84), the lead a plurality needs over the next block, and the board
#: roles whose seats count.
MAJORITY = 50.0
PLURALITY = 30.0
MARGIN = 0.0
BOARD_ROLES = ("chairman", "director")
#: The keyword arguments of those thresholds (what :func:`control_solver` takes besides the data).
CONTROL_THRESHOLDS = frozenset({"majority", "plurality", "margin", "board_roles"})


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


@dataclass
class ControlSolver:
    """Evaluates control for many companies, memoised; see :func:`actual_controller`."""

    H: nx.DiGraph
    positions: dict[str, list[tuple[str, str]]]
    families: dict[str, tuple[str, ...]]
    majority: float
    plurality: float
    margin: float
    board_roles: frozenset[str]
    memo: dict[Hashable, ControlResult] = field(default_factory=dict)
    near: Mapping[str, frozenset[str]] = field(default_factory=dict)
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

    def _near_blocks(self, units: dict[tuple[str, ...], float]) -> dict[tuple[str, ...], tuple[str, ...]]:
        """Join voting units into near-family blocks (family scope "near").

        Units are taken largest first (votes, then id). A unit whose persons have near relatives
        heads a block: it takes every not-yet-joined unit made only of persons who are near
        relatives of *each* of the head's persons (or the head's persons themselves). So the
        family member holding most votes anchors the family with his or her own near relatives;
        an in-law (the head's spouse's sibling) is never joined through the spouse.
        """
        near = self.near
        out = {u: u for u in units}
        if not any(x in near for u in units for x in u):
            return out
        taken: set[tuple[str, ...]] = set()
        for head in sorted(units, key=lambda u: (-units[u], u)):
            if head in taken or not any(x in near for x in head):
                continue
            taken.add(head)
            fam = set.intersection(*({x, *near.get(x, ())} for x in head))
            members = [u for u in sorted(units) if u not in taken and u[0] in fam and set(u) <= fam]
            if not members:
                continue
            block = tuple(sorted({x for u in (head, *members) for x in u}))
            for u in (head, *members):
                out[u] = block
                taken.add(u)
        return out

    def evaluate(self, c: Hashable) -> ControlResult:
        votes: dict[tuple[str, ...], float] = {}
        contrib: dict[tuple[str, ...], list[tuple[str, float]]] = {}
        holder_block: dict[str, tuple[str, ...]] = {}
        for h, d in pred_dicts(self.H)[c].items():
            p = d["pct"]
            b = self.block_of(h)
            if str(c) in b:
                # h is itself controlled by c (cross-holding): c cannot control itself, so h's
                # stake counts in h's own name — mutual 60/60 holders then control each other.
                b = (str(h),)
            holder_block[str(h)] = b
            contrib.setdefault(b, []).append((str(h), p))
        if self.near:
            joined = self._near_blocks({b: math.fsum(p for _, p in cs) for b, cs in contrib.items()})
            if any(k != v for k, v in joined.items()):
                merged: dict[tuple[str, ...], list[tuple[str, float]]] = {}
                for b, cs in contrib.items():
                    merged.setdefault(joined[b], []).extend(cs)
                contrib = merged
                holder_block = {h: joined[b] for h, b in holder_block.items()}
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
        pred = pred_dicts(self.H)
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
        pred = pred_dicts(self.H)
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


def control_solver(
    H: nx.DiGraph,
    *,
    positions: dict[str, list[tuple[str, str]]],
    families: dict[str, tuple[str, ...]],
    near: Mapping[str, frozenset[str]],
    majority: float = MAJORITY,
    plurality: float = PLURALITY,
    margin: float = MARGIN,
    board_roles: Iterable[str] = BOARD_ROLES,
) -> ControlSolver:
    """A :class:`ControlSolver` over collapsed holdings ``H`` (:func:`~.holdings.holdings`), with
    positions and family blocks built already (:func:`~.holdings.positions_by_company`,
    :func:`family_blocks`): the one place the thresholds' defaults are applied, for a caller that
    solves many subgraphs over the same positions and families."""
    return ControlSolver(
        H=H,
        positions=positions,
        families=families,
        near=near,
        majority=float(majority),
        plurality=float(plurality),
        margin=float(margin),
        board_roles=frozenset(r.lower() for r in board_roles),
    )


def _make_solver(
    G: nx.DiGraph,
    *,
    pct_attr: str,
    positions,
    family_pairs,
    family_scope: str = "near",
    **thresholds: Any,
) -> ControlSolver:
    families, near = family_blocks(family_pairs, family_scope)
    return control_solver(
        clean_holdings(G, pct_attr),
        positions=positions_by_company(positions),
        families=families,
        near=near,
        **thresholds,
    )


def family_blocks(
    family_pairs: Iterable[tuple[str, str, str]] | FamilyTies | None, family_scope: str
) -> tuple[dict[str, tuple[str, ...]], Mapping[str, frozenset[str]]]:
    """(clusters, near) for a :class:`ControlSolver`: "extended" gives fixed clusters (every chain
    of near-relative ties), "near" gives each person's own near relatives, joined per company
    (the index of a :class:`~.holdings.FamilyTies` passed in, not a new one)."""
    check_choice("family_scope", family_scope, FAMILY_SCOPES)
    if family_scope == "extended":
        return family_clusters(family_pairs), {}
    return {}, near_relatives(family_pairs)


def actual_controller(
    G: nx.DiGraph,
    company: Hashable,
    *,
    pct_attr: str = "pct",
    majority: float = MAJORITY,
    plurality: float = PLURALITY,
    margin: float = MARGIN,
    positions: Iterable[tuple[str, str, str]] | nx.Graph | None = None,
    family_pairs: Iterable[tuple[str, str, str]] | FamilyTies | None = None,
    board_roles: Iterable[str] = BOARD_ROLES,
    family_scope: str = "near",
) -> ControlResult:
    """The ultimate controller (实际控制人) of ``company`` with the control chain as evidence.

    Control is decided per company on *blocks*: each direct holder's vote goes to the block that
    ultimately controls that holder (control is transitive: A controls B controls C ⇒ A's block
    in C includes B's stake), joined with near relatives' votes when ``family_pairs`` are given
    (a couple holding 30% + 25% is one 55% controller), or else to the holder itself. With
    ``family_scope="near"`` (default) a block is a person with his or her own near relatives
    holding votes in the company (:meth:`ControlSolver._near_blocks`); ``"extended"`` merges
    every chain of near-relative ties (in-laws included) into one fixed cluster. The largest block
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
        upstream_holdings(G, company, pct_attr),
        pct_attr="pct",  # already collapsed into "pct"
        majority=majority,
        plurality=plurality,
        margin=margin,
        positions=positions,
        family_pairs=family_pairs,
        board_roles=board_roles,
        family_scope=family_scope,
    )
    solver.solve([company])
    return solver.memo[company]


def all_controllers(
    G: nx.DiGraph,
    *,
    pct_attr: str = "pct",
    majority: float = MAJORITY,
    plurality: float = PLURALITY,
    margin: float = MARGIN,
    positions: Iterable[tuple[str, str, str]] | nx.Graph | None = None,
    family_pairs: Iterable[tuple[str, str, str]] | FamilyTies | None = None,
    board_roles: Iterable[str] = BOARD_ROLES,
    family_scope: str = "near",
) -> dict[str, ControlResult]:
    """:func:`actual_controller` for every node that has holders (one pass, shared memo).

    Only controlled companies are returned: {company: ControlResult}.

    Example:
        >>> G = nx.DiGraph([("P:1", "A", {"pct": 60}), ("A", "B", {"pct": 51}), ("P:2", "C", {"pct": 20})])
        >>> {c: (r.controller, r.basis) for c, r in all_controllers(G).items()}
        {'A': (('P:1',), 'majority'), 'B': (('P:1',), 'majority')}
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
        family_scope=family_scope,
    )
    solver.solve([n for n, holders in pred_dicts(solver.H).items() if holders])
    return {
        str(k): v
        for k, v in sorted(solver.memo.items(), key=lambda kv: str(kv[0]))
        if v.controller is not None
    }
