"""Fixtures of the rule tests (helpers live in rulekit.py)."""

from __future__ import annotations

import pytest
from neo4j import Driver
from rulekit import GraphSpec


@pytest.fixture
def graph(clean_graph: Driver) -> GraphSpec:
    """An empty graph spec; the test fills it and calls ``graph.write(clean_graph)``."""
    return GraphSpec()
