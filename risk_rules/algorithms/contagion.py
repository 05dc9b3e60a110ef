"""Blacklist contagion (黑名单传染/风险传导) over the linkage graph, and DebtRank on guarantees.

Linkage graph convention: ``nx.MultiDiGraph`` (any networkx graph works) whose edges carry
``rel`` in {"control", "guarantee", "shareholding", "position", "shared_contact", "family"} and
optionally ``pct`` (shareholding, 0–100) or ``weight`` (0–1, a link's own strength). A link's
weight is ``rel_weights[rel] × strength`` with strength = pct/100 for shareholding, else the
edge's ``weight`` (default 1). Default type weights encode control > guarantee > shareholding
(by %) > family > position > shared contact (:data:`DEFAULT_REL_WEIGHTS`; all parameters).

Functions:

- :func:`blacklist_contagion` — personalized PageRank from the blacklisted seeds, restricted to
  the ball of entities within ``max_hops`` (default 3) links of a seed, plus for every scored
  entity its top-k explaining paths (best products of damped link weights).
- :func:`debtrank` — DebtRank (Battiston et al. 2012) on guarantee exposures: a distressed
  borrower distresses its guarantors by ``min(1, guaranteed amount / guarantor equity)``; each
  node spreads once. With explaining paths.
- :func:`best_paths` — the top-k paths from seeds used by both (also usable alone).
- :func:`diff_snapshots` — which entities newly came within reach / fell out of reach.

References: Page, Brin, Motwani & Winograd, "The PageRank citation ranking" (1999); Haveliwala,
"Topic-sensitive PageRank", WWW 2002 (personalisation); Battiston, Puliga, Kaushik, Tasca &
Caldarelli, "DebtRank: too central to fail?", Scientific Reports 2, 541 (2012).
"""

from __future__ import annotations

import functools
import heapq
import itertools
import math
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Protocol

import networkx as nx
import numpy as np
from scipy.sparse import csr_matrix

from ._common import PCT_EPS, check_choice

__all__ = [
    "DEFAULT_REL_WEIGHTS",
    "MAJORITY_HOLDING",
    "REVERSE_RELS",
    "LinkGraph",
    "PathSearch",
    "ContagionPath",
    "ContagionScore",
    "ContagionResult",
    "DebtRankResult",
    "SnapshotDiff",
    "link_weights",
    "best_paths",
    "blacklist_contagion",
    "debtrank",
    "diff_snapshots",
]


class LinkGraph(Protocol):
    """What the contagion functions read of a link graph, when it is not an ``nx.Graph``: node
    membership and iteration, and ``edges(data=True)`` as ``(u, v, {"rel": …, "pct": …})``
    (the rules pass a lighter read-only ball of the database's links)."""

    def __contains__(self, n: object) -> bool: ...

    def __iter__(self) -> Iterator[Any]: ...

    def edges(self, data: bool = False) -> Iterable[Any]: ...


#: How :func:`blacklist_contagion` searches the explaining paths: called as
#: ``search(adj, seeds, ball, max_hops=…, k=…, damping=…)`` with the link table, the seeds' path
#: strengths and the ball {node: hops}, it returns what :func:`best_paths` returns for them (the
#: default is :func:`best_paths` itself; ``risk_rules.execution`` searches each component apart).
PathSearch = Callable[..., dict[str, tuple["ContagionPath", ...]]]


def _whole_ball_paths(
    adj: Mapping[Hashable, Mapping[Hashable, tuple[float, str]]],
    seeds: Mapping[Hashable, float],
    ball: Mapping[Hashable, int],
    **kwargs: Any,
) -> dict[str, tuple[ContagionPath, ...]]:
    """The default path search: :func:`best_paths` over the whole link table."""
    return best_paths(adj, seeds, **kwargs)


#: Per-type link weights (control > guarantee > shareholding by % > family > position > contact).
DEFAULT_REL_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {
        "control": 1.0,
        "guarantee": 0.8,
        "shareholding": 0.6,  # multiplied by pct / 100
        "family": 0.5,
        "position": 0.4,
        "shared_contact": 0.2,
    }
)

#: How a shareholding that makes its holder the controlling shareholder (控股股东) is named in a
#: path when ``majority_pct`` is given: it weighs as ``control`` (:func:`link_weights`).
MAJORITY_HOLDING = "majority_holding"

#: How a hop against a link's stored direction is named in a path, for link types that carry
#: their own reverse weight (``reverse_weights``): the borrower → guarantor hop of a guarantee.
REVERSE_RELS: Mapping[str, str] = MappingProxyType(
    {
        "guarantee": "guaranteed_by",
        "shareholding": "held_by",
        "control": "controlled_by",
        MAJORITY_HOLDING: "majority_held_by",
    }
)


@dataclass(frozen=True)
class ContagionPath:
    """An explaining path from a seed: ``nodes[0]`` is the seed, ``rels[i]`` the link type between
    ``nodes[i]`` and ``nodes[i+1]``; ``strength`` is the product along the path (≤ 1)."""

    nodes: tuple[str, ...]
    rels: tuple[str, ...]
    strength: float

    @property
    def hops(self) -> int:
        return len(self.nodes) - 1


@dataclass(frozen=True)
class ContagionScore:
    """One reached entity: ``score`` (PPR score, or DebtRank distress h), ``hops`` to the nearest
    seed (DebtRank: hops of the best explaining path, -1 when none lies within the path bound),
    and its ``paths`` (best first). ``path_strength`` is the best path's strength (0 if none)."""

    entity: str
    score: float
    hops: int
    is_seed: bool
    paths: tuple[ContagionPath, ...]

    @property
    def path_strength(self) -> float:
        return self.paths[0].strength if self.paths else 0.0


@dataclass(frozen=True)
class ContagionResult:
    """Scores of every reached entity (sorted by score, highest first). Entities not listed were
    not reached (score 0)."""

    method: str
    seeds: tuple[str, ...]
    scores: tuple[ContagionScore, ...]
    params: tuple[tuple[str, object], ...]

    @functools.cached_property
    def _by_entity(self) -> dict[str, ContagionScore]:
        return {s.entity: s for s in self.scores}

    def get(self, entity: Hashable) -> ContagionScore | None:
        """The entity's score record, or None when it was not reached."""
        return self._by_entity.get(str(entity))

    def score_of(self, entity: Hashable) -> float:
        s = self._by_entity.get(str(entity))
        return s.score if s is not None else 0.0

    def as_dict(self) -> dict[str, float]:
        return {s.entity: s.score for s in self.scores}


@dataclass(frozen=True)
class DebtRankResult:
    """DebtRank outcome: final distress ``h`` per distressed entity (0–1], the DebtRank ``R``
    (value-weighted distress caused beyond the initial shock), rounds run, guarantors whose
    equity was missing, and explaining paths per distressed entity (in ``scores``)."""

    R: float
    rounds: int
    initial: tuple[tuple[str, float], ...]
    scores: tuple[ContagionScore, ...]
    missing_equity: tuple[str, ...]
    #: entity → the round in which it first became distressed (shocked entities: 0)
    reached_round: tuple[tuple[str, int], ...] = ()
    #: True when ``max_rounds`` stopped the cascade while someone was still distressed
    truncated: bool = False

    @functools.cached_property
    def _by_entity(self) -> dict[str, ContagionScore]:
        return {s.entity: s for s in self.scores}

    def get(self, entity: Hashable) -> ContagionScore | None:
        return self._by_entity.get(str(entity))

    def h(self, entity: Hashable) -> float:
        s = self._by_entity.get(str(entity))
        return s.score if s is not None else 0.0

    def round_of(self, entity: Hashable) -> int | None:
        """The round in which ``entity`` was first distressed (0 = shocked), None if never."""
        return dict(self.reached_round).get(str(entity))

    def as_dict(self) -> dict[str, float]:
        return {s.entity: s.score for s in self.scores}


@dataclass(frozen=True)
class SnapshotDiff:
    """Difference between two score snapshots at ``threshold`` (reached = score > threshold)."""

    threshold: float
    newly_reached: tuple[tuple[str, float], ...]  # (entity, new score)
    no_longer_reached: tuple[tuple[str, float], ...]  # (entity, old score)
    still_reached: int


# --------------------------------------------------------------------------------------------
# link weights and paths


def link_weights(
    L: nx.Graph | LinkGraph,
    *,
    rel_weights: Mapping[str, float] = DEFAULT_REL_WEIGHTS,
    directed: bool = False,
    reverse_weights: Mapping[str, float] | None = None,
    majority_pct: float | None = None,
) -> dict[Hashable, dict[Hashable, tuple[float, str]]]:
    """Adjacency {u: {v: (weight, rel)}} keeping the strongest link per pair.

    A link's weight when risk travels its stored way (controller → company, holder → company,
    guarantor → borrower) is ``rel_weights[rel]`` × strength. With ``directed=False`` (default)
    every link also counts backwards: blacklist proximity is symmetric unless ``reverse_weights``
    gives a link type its own weight against the stored direction — a guarantee carries risk
    from the borrower to the guarantor (the guarantor pays) more strongly than from a listed
    guarantor to the borrower it guarantees. A backward hop over such a type is labelled
    :data:`REVERSE_RELS` (``guarantee`` → ``guaranteed_by``), so an explanation says which way
    the risk went. Links with an unknown ``rel`` or weight 0 are skipped.

    With ``majority_pct`` (the control definition's majority, 公司法 控股股东) a shareholding of at
    least that pct which is also more than all other holders together (> 50%: no other holder can
    lead it) is a control link: the holder controls the company whatever sits above the holder,
    so it weighs ``rel_weights["control"]`` (against its way ``reverse_weights["control"]``), not
    shareholding × pct, and is named :data:`MAJORITY_HOLDING` (``majority_held_by`` backwards). A
    CONTROLS link names only the ultimate controller (实际控制人); without this, a listed holder
    of 70% whose own controller sits higher would pass on only 0.6 × 0.7 of its risk.

    Example:
        >>> L = nx.MultiDiGraph([("P:1", "C:1", {"rel": "shareholding", "pct": 50}),
        ...                      ("P:1", "C:1", {"rel": "control"}), ("C:1", "C:2", {"rel": "unknown"})])
        >>> link_weights(L)["C:1"]
        {'P:1': (1.0, 'control')}
        >>> G = nx.MultiDiGraph([("C:guarantor", "C:borrower", {"rel": "guarantee"})])
        >>> adj = link_weights(G, rel_weights={"guarantee": 0.3}, reverse_weights={"guarantee": 0.8})
        >>> adj["C:borrower"], adj["C:guarantor"]
        ({'C:guarantor': (0.8, 'guaranteed_by')}, {'C:borrower': (0.3, 'guarantee')})
        >>> H = nx.MultiDiGraph([("C:parent", "C:sub", {"rel": "shareholding", "pct": 70}),
        ...                      ("C:parent", "C:assoc", {"rel": "shareholding", "pct": 40})])
        >>> adj = link_weights(H, majority_pct=50.0)
        >>> adj["C:parent"]
        {'C:sub': (1.0, 'majority_holding'), 'C:assoc': (0.24, 'shareholding')}
        >>> adj["C:sub"]
        {'C:parent': (1.0, 'majority_holding')}
    """
    reverse = reverse_weights or {}
    adj: dict[Hashable, dict[Hashable, tuple[float, str]]] = {n: {} for n in L}
    shared: dict[tuple[float, str], tuple[float, str]] = {}  # one tuple per distinct (weight, rel)

    def put(a: Hashable, b: Hashable, w: float, rel: str) -> None:
        if w <= 0:
            return
        wr = shared.setdefault((w, rel), (w, rel))
        cur = adj[a].get(b)
        if cur is None or w > cur[0] or (w == cur[0] and rel < cur[1]):
            adj[a][b] = wr

    for u, v, d in L.edges(data=True):
        if u == v:
            continue
        rel: str | None = d.get("rel")
        if rel is None or rel not in rel_weights:
            continue
        weight_of = rel  # the type whose weights apply
        if rel == "shareholding":
            pct = float(d.get("pct", 100.0))
            strength = pct / 100.0
            if _is_majority(pct, majority_pct) and "control" in rel_weights:
                rel, weight_of, strength = MAJORITY_HOLDING, "control", 1.0
        else:
            strength = float(d.get("weight", 1.0))
        strength = min(max(strength, 0.0), 1.0)
        put(u, v, float(rel_weights[weight_of]) * strength, rel)
        if directed:
            continue
        if weight_of in reverse:
            put(v, u, float(reverse[weight_of]) * strength, REVERSE_RELS.get(rel, f"{rel}_reverse"))
        else:
            put(v, u, float(rel_weights[weight_of]) * strength, rel)
    return adj


def _is_majority(pct: float, majority_pct: float | None) -> bool:
    """A holding of ``pct`` makes its holder the controlling shareholder on its own: at least the
    majority, and more than every other holder can hold (the control definition's strict lead)."""
    if majority_pct is None:
        return False
    return pct >= majority_pct - PCT_EPS and pct > _HALF + PCT_EPS


#: More than half of a company's capital: no other holder can hold as much (not a setting).
_HALF = 50.0


def best_paths(
    adj: Mapping[Hashable, Mapping[Hashable, tuple[float, str]]],
    seeds: Mapping[Hashable, float],
    *,
    max_hops: int = 3,
    k: int = 3,
    damping: float = 1.0,
) -> dict[str, tuple[ContagionPath, ...]]:
    """Top-``k`` simple paths from any seed to every node within ``max_hops``.

    Strength of a path = seed strength × Π (damping × link weight). Best-first label-setting
    search: labels are popped in decreasing strength and each (node, hop count) keeps at most
    ``k`` labels. The first path per node is the strongest simple path within the hop bound (a
    stronger label that blocked its prefix would give a stronger path after removing loops); the
    next ones are the ``k`` strongest in all property tests against enumeration, though the
    per-(node, hops) cap is not proven exact for them. Cost O(k · max_hops · Σ degree · log).

    Example:
        >>> adj = {"S": {"A": (0.5, "guarantee")}, "A": {"S": (0.5, "guarantee"), "B": (1.0, "control")},
        ...        "B": {"A": (1.0, "control")}}
        >>> best_paths(adj, {"S": 1.0})["B"]
        (ContagionPath(nodes=('S', 'A', 'B'), rels=('guarantee', 'control'), strength=0.5),)
    """
    counter = itertools.count()
    heap: list = []
    for s, strength in seeds.items():
        if s in adj and strength > 0:
            heap.append((-float(strength), next(counter), s, (s,), ()))
    heapq.heapify(heap)
    pops: dict[tuple[Hashable, int], int] = {}
    out: dict[Hashable, list[ContagionPath]] = {}
    # string ids (the rules' case): a label's node tuple is already the path's, no copy per label
    as_str = all(type(x) is str for x in adj) and all(type(w) is str for nb in adj.values() for w in nb)
    while heap:
        neg, _, v, nodes, rels = heapq.heappop(heap)
        h = len(nodes) - 1
        key = (v, h)
        if pops.get(key, 0) >= k:
            continue
        pops[key] = pops.get(key, 0) + 1
        lst = out.setdefault(v, [])
        if len(lst) < k:
            lst.append(ContagionPath(nodes if as_str else tuple(str(x) for x in nodes), rels, -neg))
        if h >= max_hops:
            continue
        # Labels that could change nothing when popped are not pushed (the result is the same,
        # the heap much smaller): a (node, hops) pair already popped k times skips them, and a
        # last-hop label of a node that already has k paths neither adds a path nor expands.
        last = h + 1 >= max_hops
        for w, (wt, rel) in adj[v].items():
            if w in nodes or pops.get((w, h + 1), 0) >= k:
                continue
            if last and len(out.get(w, ())) >= k:
                continue
            heapq.heappush(heap, (neg * damping * wt, next(counter), w, nodes + (w,), rels + (rel,)))
    return {str(v): tuple(p) for v, p in out.items()}


def _ball(
    adj: Mapping[Hashable, Mapping[Hashable, object]], seeds: Iterable[Hashable], max_hops: int
) -> dict[Hashable, int]:
    """Multi-source BFS: {node: hops to nearest seed} for nodes within ``max_hops``."""
    dist = {s: 0 for s in seeds if s in adj}
    queue = deque(dist)
    while queue:
        u = queue.popleft()
        if dist[u] >= max_hops:
            continue
        for w in adj[u]:
            if w not in dist:
                dist[w] = dist[u] + 1
                queue.append(w)
    return dist


# --------------------------------------------------------------------------------------------
# personalized PageRank


def blacklist_contagion(
    L: nx.Graph | LinkGraph,
    seeds: Iterable[Hashable] | Mapping[Hashable, float],
    *,
    rel_weights: Mapping[str, float] = DEFAULT_REL_WEIGHTS,
    max_hops: int = 3,
    damping: float = 0.85,
    directed: bool = False,
    top_k_paths: int = 3,
    tol: float = 1e-12,
    max_iter: int = 1000,
    reverse_weights: Mapping[str, float] | None = None,
    majority_pct: float | None = None,
    path_search: PathSearch | None = None,
) -> ContagionResult:
    """Blacklist proximity by personalized PageRank restricted to the hop-bounded ball.

    Definition: let B be the entities within ``max_hops`` links of a seed (links as in
    :func:`link_weights`), W the link-weight matrix on B and P its row-normalised transition
    matrix. The score vector solves ``r = (1 − damping) · s + damping · Pᵀ r`` with ``s`` the seed
    distribution (uniform, or proportional to the given seed weights); a walker on a node without
    links in B jumps back to the seeds. Restricting to B is deliberate: an entity more than
    ``max_hops`` links from every blacklisted entity scores exactly 0 and is not listed, so the
    bound is a hard policy line, not a numerical tail; walks inside B cannot leave it, so B's
    border nodes keep the mass a global PageRank would have let escape. Scores sum to 1 over B.

    Each entity also gets its ``top_k_paths`` explaining paths (:func:`best_paths` with the same
    ``damping`` per hop), so ``paths[0].strength`` is a second, path-based proximity measure. A
    path starts at its seed's weight (capped at 1): a listing kind that weighs 0.3 reaches its
    neighbours with 0.3 × the link product, so weak listings alert fewer entities.
    ``reverse_weights`` gives link types a weight against their stored direction
    (:func:`link_weights`), e.g. a guarantee's borrower → guarantor hop; with ``majority_pct`` a
    majority shareholding weighs as control (:func:`link_weights`). ``path_search`` says how the
    paths are searched (:data:`PathSearch`; any search must give :func:`best_paths`' answer).

    Example:
        >>> L = nx.MultiDiGraph()
        >>> L.add_edges_from([("P:bad", "C:1", {"rel": "control"}), ("C:1", "C:2", {"rel": "guarantee"})])
        [0, 0]
        >>> r = blacklist_contagion(L, ["P:bad"])
        >>> [(s.entity, s.hops) for s in r.scores]  # the hub C:1 outranks the seed itself
        [('C:1', 1), ('P:bad', 0), ('C:2', 2)]
        >>> r.scores[2].paths[0]
        ContagionPath(nodes=('P:bad', 'C:1', 'C:2'), rels=('control', 'guarantee'), strength=0.578)
    """
    if not 0 < damping < 1:
        raise ValueError(f"damping 必须在 (0,1) 内 / damping must be in (0, 1): {damping}")
    seed_w = _seed_weights(seeds, L)
    adj = link_weights(
        L,
        rel_weights=rel_weights,
        directed=directed,
        reverse_weights=reverse_weights,
        majority_pct=majority_pct,
    )
    dist = _ball(adj, seed_w, max_hops)
    params = (
        ("damping", damping),
        ("directed", directed),
        ("majority_pct", majority_pct),
        ("max_hops", max_hops),
        ("rel_weights", dict(rel_weights)),
        ("reverse_weights", dict(reverse_weights or {})),
    )
    if not dist:
        return ContagionResult("personalized_pagerank", tuple(sorted(map(str, seed_w))), (), params)
    nodes = sorted(dist, key=str)
    idx = {n: i for i, n in enumerate(nodes)}
    rows, cols, vals = [], [], []
    for u in nodes:
        for w, (wt, _) in adj[u].items():
            if w in idx:
                rows.append(idx[u])
                cols.append(idx[w])
                vals.append(wt)
    n = len(nodes)
    W = csr_matrix((vals, (rows, cols)), shape=(n, n))
    out_w = np.asarray(W.sum(axis=1)).ravel()
    dangling = out_w == 0
    inv = np.where(dangling, 0.0, 1.0 / np.where(dangling, 1.0, out_w))
    PT = (csr_matrix((inv, (np.arange(n), np.arange(n))), shape=(n, n)) @ W).T.tocsr()
    s = np.zeros(n)
    for seed, wgt in seed_w.items():
        if seed in idx:
            s[idx[seed]] = wgt
    s /= s.sum()
    r = s.copy()
    for _ in range(max_iter):
        r_new = (1 - damping) * s + damping * (PT @ r + r[dangling].sum() * s)
        if np.abs(r_new - r).sum() < tol:
            r = r_new
            break
        r = r_new
    paths = (path_search or _whole_ball_paths)(
        adj,
        {x: min(1.0, w) for x, w in seed_w.items() if x in adj},
        dist,
        max_hops=max_hops,
        k=top_k_paths,
        damping=damping,
    )
    scores = [
        ContagionScore(str(v), float(r[idx[v]]), dist[v], v in seed_w, paths.get(str(v), ())) for v in nodes
    ]
    scores.sort(key=lambda x: (-x.score, x.entity))
    return ContagionResult("personalized_pagerank", tuple(sorted(map(str, seed_w))), tuple(scores), params)


def _seed_weights(seeds, L: nx.Graph | LinkGraph) -> dict[Hashable, float]:
    if isinstance(seeds, Mapping):
        out = {s: float(w) for s, w in seeds.items() if s in L and float(w) > 0}
    else:
        out = {s: 1.0 for s in seeds if s in L}
    return out


# --------------------------------------------------------------------------------------------
# DebtRank


def debtrank(
    G: nx.DiGraph,
    shocks: Iterable[Hashable] | Mapping[Hashable, float],
    *,
    amount_attr: str = "amount",
    equity_attr: str = "equity",
    value_attr: str | None = None,
    missing_equity: str = "skip",
    max_rounds: int = 1000,
    top_k_paths: int = 3,
    max_path_hops: int = 6,
) -> DebtRankResult:
    """DebtRank (Battiston et al. 2012) on a guarantee/exposure graph (edges exposed → obligor).

    An edge g → b says g loses ``amount`` when b defaults: g guarantees b's debt for that amount,
    or g holds an exposure of that size to b (a stake, a loan); the edge's ``rel`` (default
    ``"guarantee"``) names it in the explaining paths. Impact matrix: a distressed b hits g with
    ``W[b, g] = min(1, amount(g → b) / equity(g))`` (parallel contracts summed). Guarantors with
    non-positive equity get W = 1; with missing equity W = 0 (``missing_equity="skip"``, listed in
    the result) or W = 1 (``"full"``, conservative). Dynamics, from h(1) = shocks (1.0 for ids
    given without a level), states Undistressed/Distressed/Inactive:

        h_i(t) = min(1, h_i(t−1) + Σ_{j distressed at t−1} W[j, i] · h_j(t−1))

    a node distressed at t−1 becomes inactive at t (it spreads exactly once), a node with
    h > 0 that was undistressed becomes distressed. Stops when nobody is distressed.
    ``R = Σ_j v_j h_j(T) − Σ_j v_j h_j(1)`` with v the relative economic value (``value_attr``
    normalised, default uniform over the graph).

    Every distressed entity gets up to ``top_k_paths`` explaining paths: the strongest chains
    shock → … → entity by product of W (at most ``max_path_hops`` links; deeper effects still
    count in h but show no path).

    Example:
        >>> G = nx.DiGraph([("G1", "B", {"amount": 50.0}), ("G2", "G1", {"amount": 10.0})])
        >>> nx.set_node_attributes(G, {"G1": 100.0, "G2": 20.0, "B": 10.0}, "equity")
        >>> r = debtrank(G, ["B"])
        >>> r.h("G1"), r.h("G2"), r.scores[1].paths[0].nodes
        (0.5, 0.25, ('B', 'G1'))
        >>> r.round_of("G1"), r.round_of("G2"), r.rounds
        (1, 2, 3)
    """
    check_choice("missing_equity", missing_equity, ("skip", "full"))
    nodes = sorted(G.nodes, key=str)  # stable order: equal results on equal input
    idx = {n: i for i, n in enumerate(nodes)}
    n = len(nodes)
    amounts: dict[tuple[Hashable, Hashable], float] = {}
    rel_of: dict[tuple[Hashable, Hashable], str] = {}
    for g, b, d in G.edges(data=True):
        if g != b:
            amounts[(g, b)] = amounts.get((g, b), 0.0) + float(d.get(amount_attr) or 0.0)
            rel_of[(g, b)] = min(rel_of.get((g, b), d.get("rel", "guarantee")), d.get("rel", "guarantee"))
    missing: set[str] = set()
    rows, cols, vals = [], [], []
    adj: dict[Hashable, dict[Hashable, tuple[float, str]]] = {v: {} for v in nodes}
    for (g, b), a in amounts.items():
        eq = G.nodes[g].get(equity_attr)
        if eq is None or (isinstance(eq, float) and math.isnan(eq)):
            missing.add(str(g))
            w = 1.0 if missing_equity == "full" else 0.0
        elif float(eq) <= 0:
            w = 1.0
        else:
            w = min(1.0, a / float(eq))
        if w > 0:
            rows.append(idx[b])
            cols.append(idx[g])
            vals.append(w)
            adj[b][g] = (w, rel_of[(g, b)])
    W = csr_matrix((vals, (rows, cols)), shape=(n, n))
    WT = W.T.tocsr()
    h = np.zeros(n)
    initial: dict[Hashable, float] = {}
    for s, lvl in _seed_weights(shocks, G).items():
        h[idx[s]] = min(1.0, lvl)
        initial[s] = min(1.0, lvl)
    h1 = h.copy()
    state = np.where(h > 0, 1, 0)  # 0 = U, 1 = D, 2 = I
    reached = np.where(h > 0, 0, -1)
    rounds = 0
    while (state == 1).any() and rounds < max_rounds:
        rounds += 1
        distressed = state == 1
        h_new = np.minimum(1.0, h + WT @ (h * distressed))
        new_state = state.copy()
        new_state[distressed] = 2
        fresh = (state == 0) & (h_new > 0)
        new_state[fresh] = 1
        reached[fresh] = rounds
        h, state = h_new, new_state
    if value_attr is None:
        v = np.full(n, 1.0 / n) if n else np.zeros(0)
    else:
        v = np.array([float(G.nodes[x].get(value_attr) or 0.0) for x in nodes])
        v = v / v.sum() if v.sum() > 0 else v
    R = float(v @ h - v @ h1)
    paths = best_paths(adj, initial, max_hops=max_path_hops, k=top_k_paths)
    scores = [
        ContagionScore(
            str(nodes[i]),
            float(h[i]),
            (paths[str(nodes[i])][0].hops if str(nodes[i]) in paths else -1),
            nodes[i] in initial,
            paths.get(str(nodes[i]), ()),
        )
        for i in np.flatnonzero(h > 0)
    ]
    scores.sort(key=lambda x: (-x.score, x.entity))
    return DebtRankResult(
        R=R,
        rounds=rounds,
        initial=tuple(sorted((str(k), v) for k, v in initial.items())),
        scores=tuple(scores),
        missing_equity=tuple(sorted(missing)),
        reached_round=tuple(sorted((str(nodes[i]), int(reached[i])) for i in np.flatnonzero(reached >= 0))),
        truncated=bool((state == 1).any()),
    )


# --------------------------------------------------------------------------------------------
# snapshots


def diff_snapshots(
    old: Mapping[str, float] | ContagionResult | DebtRankResult,
    new: Mapping[str, float] | ContagionResult | DebtRankResult,
    threshold: float = 0.0,
) -> SnapshotDiff:
    """Entities that newly came within reach (score > ``threshold`` now, not before) and those no
    longer reached, between two runs. Missing entities count as score 0.

    Example:
        >>> d = diff_snapshots({"A": 0.2, "B": 0.01}, {"A": 0.3, "C": 0.5}, threshold=0.05)
        >>> d.newly_reached, d.no_longer_reached, d.still_reached
        ((('C', 0.5),), (), 1)
    """
    o = old.as_dict() if hasattr(old, "as_dict") else dict(old)
    nw = new.as_dict() if hasattr(new, "as_dict") else dict(new)
    o_set = {k for k, s in o.items() if s > threshold}
    n_set = {k for k, s in nw.items() if s > threshold}
    return SnapshotDiff(
        threshold=threshold,
        newly_reached=tuple(sorted(((k, nw[k]) for k in n_set - o_set), key=lambda kv: (-kv[1], kv[0]))),
        no_longer_reached=tuple(sorted(((k, o[k]) for k in o_set - n_set), key=lambda kv: (-kv[1], kv[0]))),
        still_reached=len(o_set & n_set),
    )
