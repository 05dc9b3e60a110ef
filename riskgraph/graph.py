"""The one place the CLI and services turn settings into a Neo4j driver."""

from __future__ import annotations

from neo4j import Driver

from graph_model.connection import open_driver
from riskgraph.settings import Settings, get_settings


def driver_from_settings(settings: Settings | None = None) -> Driver:
    s = settings or get_settings()
    return open_driver(s.bolt_uri, s.neo4j_user, s.resolved_password())
