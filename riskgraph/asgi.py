"""The ASGI entry point every API worker process imports: ``riskgraph.asgi:create_app`` (a factory).

Why a module of its own: with several workers uvicorn starts each process from an import string, so
the app cannot be an object built in the parent. Each worker builds it from the same settings (the
environment and ``.env`` it inherits) and opens its own Neo4j driver and its own audit chain.
"""

from __future__ import annotations

import os

from fastapi import FastAPI

from riskgraph.settings import get_settings

#: with ``api_workers = 0``: one worker per CPU core, at most this many
AUTO_WORKERS_MAX = 4


def create_app() -> FastAPI:
    from api.app import create_app as build

    return build(get_settings())


def resolve_workers(configured: int) -> int:
    """``configured`` when positive, else one per CPU core capped at :data:`AUTO_WORKERS_MAX`."""
    if configured > 0:
        return configured
    return max(1, min(AUTO_WORKERS_MAX, os.cpu_count() or 1))
