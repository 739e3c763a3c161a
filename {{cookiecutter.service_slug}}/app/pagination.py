"""Links between the pages of a list: every list response points to its next page the same way."""

from __future__ import annotations

from typing import Annotated

from fastapi import Request
from pydantic import Field

NextPage = Annotated[
    str | None, Field(description="URL of the next page, or null on the last page.")
]


def next_page_url(request: Request, *, limit: int, offset: int, total: int) -> str | None:
    """This request one page further on; None when this page is the last."""
    next_offset = offset + limit
    if next_offset >= total:
        return None
    return str(request.url.include_query_params(limit=limit, offset=next_offset))
