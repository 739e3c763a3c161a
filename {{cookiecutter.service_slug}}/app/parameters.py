"""Query and path parameters every router shares, as Annotated aliases."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Query

from app.models.item import ItemId

MAX_PAGE_SIZE = 100
# Far beyond any real list, and inside every store's 64-bit range (SQLite, PostgreSQL, MongoDB).
MAX_OFFSET = 1_000_000_000


@dataclass(frozen=True, slots=True)
class Pagination:
    limit: int
    offset: int


# `async def` even without awaiting anything: FastAPI runs plain `def`
# dependencies in a thread pool, a thread hop per request for no benefit.
async def get_pagination(
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size.")] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip.")] = 0,
) -> Pagination:
    return Pagination(limit=limit, offset=offset)


PaginationDep = Annotated[Pagination, Depends(get_pagination)]
{%- if cookiecutter.database == "mongo" %}
# The canonical form of a MongoDB ObjectId; anything else could never match.
ItemIdPath = Annotated[
    ItemId, Path(pattern="^[0-9a-f]{24}$", description="Item id: 24 lowercase hex digits.")
]
{%- else %}
# Ids are 64-bit in the database; larger values could never match.
ItemIdPath = Annotated[ItemId, Path(ge=1, le=2**63 - 1, description="Item id.")]
{%- endif %}
