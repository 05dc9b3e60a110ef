"""Opening a driver. The caller supplies URI and credentials (graph_model knows no settings module)."""

from __future__ import annotations

from neo4j import AsyncDriver, AsyncGraphDatabase, Driver, GraphDatabase


def open_driver(uri: str, user: str, password: str, **kwargs) -> Driver:
    """A verified synchronous driver; raises the driver's own error when the server refuses or is absent."""
    driver = GraphDatabase.driver(uri, auth=(user, password), **kwargs)
    try:
        driver.verify_connectivity()
    except Exception:
        driver.close()
        raise
    return driver


def open_async_driver(uri: str, user: str, password: str, **kwargs) -> AsyncDriver:
    return AsyncGraphDatabase.driver(uri, auth=(user, password), **kwargs)
