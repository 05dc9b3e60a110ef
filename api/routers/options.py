"""``OPTIONS`` on any path: ``204`` with the ``Allow`` header naming the methods the path answers.

Mounted last, so every other route is matched first; a path no route knows gets 404. OPTIONS needs
no credentials (it names methods, never data) and is audited like every request.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from fastapi import APIRouter, Response
from fastapi.routing import APIRoute
from starlette.routing import compile_path

from api.errors import ApiError


def options_router(routes: Iterable[object]) -> APIRouter:
    table: list[tuple[re.Pattern[str], frozenset[str]]] = []
    for route in routes:
        if isinstance(route, APIRoute):
            regex, _, _ = compile_path(route.path)
            table.append((regex, frozenset(route.methods or ())))
    router = APIRouter()

    @router.options("/{path:path}", include_in_schema=False)
    async def allowed_methods(path: str) -> Response:
        full = "/" + path
        methods: set[str] = set()
        for regex, route_methods in table:
            if regex.match(full):
                methods |= route_methods
        if not methods:
            raise ApiError(404, f"路径不存在：{full} / No such path: {full}")
        methods |= {"OPTIONS"} | ({"HEAD"} if "GET" in methods else set())
        return Response(status_code=204, headers={"Allow": ", ".join(sorted(methods))})

    return router
