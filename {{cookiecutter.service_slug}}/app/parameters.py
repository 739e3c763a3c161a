"""Query and path parameters every router shares, as Annotated aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query
from pydantic import Field, TypeAdapter

from app.models.item import ItemId
from app.pagination import CURSOR_PATTERN, MAX_CURSOR_LENGTH, PageRequest, cursor_parameter

MAX_PAGE_SIZE = 100
{%- if cookiecutter.database == "mongo" %}
# The canonical form of a MongoDB ObjectId; anything else could never match.
ItemIdPath = Annotated[
    ItemId, Path(pattern="^[0-9a-f]{24}$", description="Item id: 24 lowercase hex digits.")
]
ITEM_KEY: TypeAdapter[ItemId] = TypeAdapter(
    Annotated[ItemId, Field(strict=True, pattern="^[0-9a-f]{24}$")]
)
{%- else %}
# Ids are 64-bit in the database; larger values could never match.
ItemIdPath = Annotated[ItemId, Path(ge=1, le=2**63 - 1, description="Item id.")]
ITEM_KEY: TypeAdapter[ItemId] = TypeAdapter(
    Annotated[ItemId, Field(strict=True, ge=1, le=2**63 - 1)]
)
{%- endif %}


# `async def` even without awaiting anything: FastAPI runs plain `def`
# dependencies in a thread pool, a thread hop per request for no benefit.
async def get_item_page_request(
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size.")] = 20,
    cursor: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=MAX_CURSOR_LENGTH,
            pattern=CURSOR_PATTERN,
            description="`next_cursor` or `prev_cursor` of a previous page; omit for the first.",
        ),
    ] = None,
    include_total: Annotated[
        bool, Query(description="Count every item too (a full count: slow on large lists).")
    ] = False,
) -> PageRequest:
    position = cursor_parameter(cursor, ITEM_KEY)
    return PageRequest(limit=limit, position=position, include_total=include_total)


ItemPageRequest = Annotated[PageRequest, Depends(get_item_page_request)]
