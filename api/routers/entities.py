"""Investigation: search, entity detail, neighbourhood, shortest paths."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request

from api.dependencies import Repos, request_context, require, sync_driver
from api.errors import ApiError
from api.models.common import ENTITY_ID_PATTERN, PROBLEM_RESPONSES, PageInfo
from api.models.entities import EntityDetail, Neighbourhood, Paths, SearchResults
from api.pagination import decode_cursor, encode_cursor
from api.repositories.entities import LINK_TYPES, MAX_PATH_HOPS
from api.services.as_of import entity_as_of, past_date
from api.services.network_styling import node_styling, styled
from api.services.preloan import CheckBounds, rules_config
from graph_model import schema

ENTITY_LABELS = (schema.COMPANY, schema.PERSON)

router = APIRouter(prefix="/v1/entities", tags=["entities"], responses=PROBLEM_RESPONSES)
EntityId = Annotated[
    str,
    Path(
        pattern=ENTITY_ID_PATTERN,
        examples=["C:000123"],
        description="riskgraph entity id (C:… company, P:… person)",
    ),
]
LinkType = Literal[LINK_TYPES]  # type: ignore[valid-type]


def not_found(entity_id: str) -> ApiError:
    return ApiError(404, f"实体不存在：{entity_id} / No such entity: {entity_id}")


@router.get(
    "/search",
    response_model=SearchResults,
    summary="Fuzzy search by name, USCC or resident ID",
    dependencies=[Depends(require("entity:read"))],
)
async def search(
    r: Repos,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=100,
            description="name (简/繁), USCC, resident ID or entity id",
            examples=["杭州某某科技有限公司"],
        ),
    ],
    kind: Annotated[Literal["company", "person"] | None, Query()] = None,
    region: Annotated[str | None, Query(max_length=50, description="region prefix filter")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> SearchResults:
    filters = {"q": q, "kind": kind, "region": region}
    offset = decode_cursor(cursor, filters) or 0
    if not isinstance(offset, int) or offset < 0 or offset > 10_000:
        raise ApiError(400, "分页游标无效。/ Invalid pagination cursor.", code="invalid-cursor")
    found = await r.entities.search(q, kind, limit + 1, offset, region=region)
    more = len(found.hits) > limit
    from api.repositories.entities import classify_query

    return SearchResults.model_validate(
        {
            "query_kind": found.query_kind,
            "normalized_query": classify_query(q)[1] if found.query_kind == "name" else found.query_kind,
            "results": found.hits[:limit],
            "page": PageInfo(
                next_cursor=encode_cursor(offset + limit, filters) if more else None,
                limit=limit,
                total=found.total,
                offset=offset,
                total_at_least=found.total_at_least or None,
            ),
        }
    )


@router.get(
    "/{entity_id}",
    response_model=EntityDetail,
    summary="Entity detail with provenance (source records) and entity-resolution evidence",
    dependencies=[Depends(require("entity:read"))],
)
async def entity_detail(
    r: Repos,
    entity_id: EntityId,
    request: Request,
    as_of: Annotated[
        dt.date | None,
        Query(
            description="a past date: the risk profile, alerts and score as of then (snapshot or computed)"
        ),
    ] = None,
) -> EntityDetail:
    day = past_date(as_of)
    detail = await r.entities.detail(entity_id)
    if detail is None:
        raise not_found(entity_id)
    request_context(request).touch(entity_id)
    if day is not None:
        s = request.app.state.settings
        detail.update(
            await entity_as_of(
                r.snapshots,
                sync_driver(request),
                s.neo4j_database,
                entity_id,
                rules_config(str(s.rules_config) if s.rules_config else None),
                day,
                CheckBounds(supernode_degree=s.api_supernode_degree).live,
            )
        )
    return EntityDetail(**detail)


@router.get(
    "/{entity_id}/neighbourhood",
    response_model=Neighbourhood,
    summary="Neighbourhood up to N hops, filtered by relationship type, capped",
    dependencies=[Depends(require("entity:read"))],
)
async def neighbourhood(
    r: Repos,
    entity_id: EntityId,
    request: Request,
    hops: Annotated[int, Query(ge=1, le=3)] = 1,
    types: Annotated[
        list[LinkType] | None, Query(description="relationship types to follow (default all)")
    ] = None,
    max_nodes: Annotated[int | None, Query(ge=1, le=2000)] = None,
) -> Neighbourhood:
    s = request.app.state.settings
    result = await r.entities.neighbourhood(
        entity_id,
        hops,
        sorted(set(types or LINK_TYPES)),
        max_nodes or s.api_neighbourhood_max_nodes,
        s.api_supernode_degree,
    )
    if result is None:
        raise not_found(entity_id)
    ids = [n["id"] for n in result["nodes"] if n["label"] in ENTITY_LABELS]
    styling = node_styling(
        await r.entities.styling_facts(ids), rules_config(str(s.rules_config) if s.rules_config else None)
    )
    return Neighbourhood(**{**result, "nodes": styled(result["nodes"], styling)})


@router.get(
    "/{entity_id}/paths/{other_id}",
    response_model=Paths,
    summary="All shortest paths between two entities",
    dependencies=[Depends(require("entity:read"))],
)
async def shortest_paths(
    r: Repos,
    entity_id: EntityId,
    other_id: EntityId,
    max_hops: Annotated[int, Query(ge=1, le=MAX_PATH_HOPS)] = 4,
    types: Annotated[list[LinkType] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> Paths:
    for eid in (entity_id, other_id):
        if not await r.entities.exists(eid):
            raise not_found(eid)
    if entity_id == other_id:
        raise ApiError(400, "起点与终点相同。/ Source and target are the same entity.")
    paths = await r.entities.shortest_paths(
        entity_id, other_id, max_hops, sorted(set(types or LINK_TYPES)), limit
    )
    return Paths.model_validate(
        {"source": entity_id, "target": other_id, "max_hops": max_hops, "paths": paths}
    )
