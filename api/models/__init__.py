"""Pydantic v2 models of requests and responses (apart from routers, as in yente)."""
