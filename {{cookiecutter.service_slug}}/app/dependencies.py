"""Dependencies for routers, as Annotated aliases: `service: ItemServiceDep`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Query, Request

from app.models.item import ItemId
from app.services.items import ItemService

MAX_PAGE_SIZE = 100
{%- if cookiecutter.database == "mongo" %}
# The canonical form of a MongoDB ObjectId; anything else could never match.
ITEM_ID_PATTERN = "^[0-9a-f]{24}$"
{%- else %}
# Ids are 64-bit in the database; larger values could never match.
MAX_ITEM_ID = 2**63 - 1
{%- endif %}


# Dependencies are `async def` even without awaiting anything: FastAPI runs plain
# `def` dependencies in a thread pool, a thread hop per request for no benefit.


async def get_item_service(request: Request) -> ItemService:
    return ItemService(request.app.state.item_repository)


@dataclass(frozen=True, slots=True)
class Pagination:
    limit: int
    offset: int


async def get_pagination(
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size.")] = 20,
    offset: Annotated[int, Query(ge=0, description="Items to skip.")] = 0,
) -> Pagination:
    return Pagination(limit=limit, offset=offset)


ItemServiceDep = Annotated[ItemService, Depends(get_item_service)]
PaginationDep = Annotated[Pagination, Depends(get_pagination)]
{%- if cookiecutter.database == "mongo" %}
ItemIdPath = Annotated[
    ItemId, Path(pattern=ITEM_ID_PATTERN, description="Item id: 24 lowercase hex digits.")
]
{%- else %}
ItemIdPath = Annotated[ItemId, Path(ge=1, le=MAX_ITEM_ID, description="Item id.")]
{%- endif %}
