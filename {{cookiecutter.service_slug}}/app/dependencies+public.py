"""Dependencies for routers, as Annotated aliases: `service: ItemReader`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.container import container_of
from app.services.items import ItemService


# `async def` even without awaiting anything: FastAPI runs plain `def`
# dependencies in a thread pool, a thread hop per request for no benefit.
async def get_item_service(request: Request) -> ItemService:
    return ItemService(container_of(request).items)


# Every endpoint is public: reading and writing need the same nothing.
ItemReader = Annotated[ItemService, Depends(get_item_service)]
ItemWriter = ItemReader
