"""Offset paging for the admin lists (users, API keys): small tables, read by operators.

`offset` is bounded, so a deep page costs at most a bounded skip, and every page
carries the exact `total`. The items list, which grows without bound, pages by
keyset instead (app/pagination.py, decision 0025).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request
from pydantic import Field

from app.parameters import MAX_PAGE_SIZE

# Far beyond any real admin list, and inside every store's 64-bit range (SQLite, PostgreSQL,
# MongoDB).
MAX_OFFSET = 1_000_000_000

NextPage = Annotated[
    str | None, Field(description="URL of the next page, or null on the last page.")
]


@dataclass(frozen=True, slots=True)
class Pagination:
    limit: int
    offset: int


# `async def` even without awaiting anything: FastAPI runs plain `def`
# dependencies in a thread pool, a thread hop per request for no benefit.
async def get_pagination(
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size.")] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Entries to skip.")] = 0,
) -> Pagination:
    return Pagination(limit=limit, offset=offset)


PaginationDep = Annotated[Pagination, Depends(get_pagination)]


def next_page_url(request: Request, *, limit: int, offset: int, total: int) -> str | None:
    """This request one page further on; None when this page is the last."""
    next_offset = offset + limit
    if next_offset >= total:
        return None
    return str(request.url.include_query_params(limit=limit, offset=next_offset))
