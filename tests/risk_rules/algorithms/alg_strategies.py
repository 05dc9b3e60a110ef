"""Hypothesis strategies shared by the algorithm tests (random ownership graphs)."""

from __future__ import annotations

import networkx as nx
from hypothesis import strategies as st


@st.composite
def ownership_graphs(draw, max_nodes: int = 7, dag: bool = True, max_total: float = 100.0):
    """Random holdings; every company's holders sum to at most ``max_total`` pct."""
    n = draw(st.integers(2, max_nodes))
    names = [f"N{i}" for i in range(n)]
    G = nx.DiGraph()
    for i, name in enumerate(names):
        G.add_node(name, kind="person" if draw(st.booleans()) and i < n // 2 else "company")
    for j in range(n):
        if G.nodes[names[j]]["kind"] == "person":
            continue
        cands = [i for i in range(n) if i != j and (not dag or i < j)]
        if not cands:
            continue
        holders = draw(st.lists(st.sampled_from(cands), max_size=3, unique=True))
        raw = [draw(st.integers(1, 100)) for _ in holders]
        scale = min(1.0, max_total / sum(raw)) if raw else 1.0
        for i, r in zip(holders, raw, strict=True):
            G.add_edge(names[i], names[j], pct=r * scale)
    return G
