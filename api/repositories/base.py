"""Shared plumbing of the Neo4j repositories: reads/writes with a timeout, values made JSON-safe."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from neo4j import AsyncDriver, Query, RoutingControl
from neo4j.exceptions import DriverError, Neo4jError
from neo4j.graph import Node, Path, Relationship
from neo4j.time import Date, DateTime, Duration, Time

from api.errors import DATABASE_BUSY, DATABASE_RETRY_AFTER_S, ApiError, is_overload


def jsonable(value: Any) -> Any:
    """Neo4j values (dates, nodes…) as plain JSON types; recursive over lists and maps."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, Date | DateTime | Time):
        return value.iso_format()
    if isinstance(value, Duration):
        return str(value)
    if isinstance(value, Node | Relationship):
        return jsonable(dict(value))
    if isinstance(value, Path):
        return [jsonable(dict(n)) for n in value.nodes]
    if isinstance(value, float) and value != value:  # NaN is not JSON
        return None
    return value


def parse_json(value: Any) -> Any:
    """A JSON string property (evidence, payload …) as data; left as is when it is not JSON."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


@asynccontextmanager
async def database_errors() -> AsyncIterator[None]:
    """A query that ran out of its time budget, found no free connection or no database is a 503
    with Retry-After (the client may retry), never a 500 (:func:`api.errors.is_overload`)."""
    try:
        yield
    except (Neo4jError, DriverError) as exc:
        if not is_overload(exc):
            raise
        raise ApiError(
            503, DATABASE_BUSY, code="database-busy", headers={"Retry-After": str(DATABASE_RETRY_AFTER_S)}
        ) from None


class Neo4jRepository:
    def __init__(self, driver: AsyncDriver, database: str, timeout_s: float) -> None:
        self.driver = driver
        self.database = database
        self.timeout_s = timeout_s

    async def read(self, text: str, **params: Any) -> list[dict[str, Any]]:
        return [r.data() for r in await self.read_raw(text, **params)]

    async def read_raw(self, text: str, **params: Any) -> list[Any]:
        """Records with graph objects intact (paths, nodes)."""
        async with database_errors():
            records, _, _ = await self.driver.execute_query(
                Query(text, timeout=self.timeout_s),
                params,
                database_=self.database,
                routing_=RoutingControl.READ,
            )
        return list(records)

    async def write(self, text: str, **params: Any) -> list[dict[str, Any]]:
        async with database_errors():
            records, _, _ = await self.driver.execute_query(
                Query(text, timeout=self.timeout_s),
                params,
                database_=self.database,
                routing_=RoutingControl.WRITE,
            )
        return [r.data() for r in records]
