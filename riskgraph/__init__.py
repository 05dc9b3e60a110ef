"""riskgraph composition root: CLI, settings and the local Neo4j runner wire the packages together."""

__version__ = "0.1.0"
