from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.errors import ConflictError, NotFoundError
from app.models.item import Item, ItemId, ItemPage, NewItem
from app.repositories.items import DuplicateNameError, ItemRepository


class ItemService:
    def __init__(self, repository: ItemRepository) -> None:
        self._repository = repository

    async def list_items(self, *, limit: int, offset: int) -> ItemPage:
        return await self._repository.page(limit=limit, offset=offset)

    async def get_item(self, item_id: ItemId) -> Item:
        item = await self._repository.get(item_id)
        if item is None:
            raise _not_found(item_id)
        return item

    async def create_item(self, new_item: NewItem) -> Item:
        try:
            return await self._repository.add(new_item)
        except DuplicateNameError:
            raise _name_taken(new_item.name) from None

    async def replace_item(self, item_id: ItemId, replacement: NewItem) -> Item:
        return await self.update_item(
            item_id,
            {
                "name": replacement.name,
                "description": replacement.description,
                "quantity": replacement.quantity,
            },
        )

    async def update_item(self, item_id: ItemId, changes: Mapping[str, Any]) -> Item:
        if not changes:
            return await self.get_item(item_id)
        try:
            item = await self._repository.update(item_id, changes)
        except DuplicateNameError:
            raise _name_taken(changes["name"]) from None
        if item is None:
            raise _not_found(item_id)
        return item

    async def delete_item(self, item_id: ItemId) -> None:
        if not await self._repository.delete(item_id):
            raise _not_found(item_id)


def _not_found(item_id: ItemId) -> NotFoundError:
    return NotFoundError(f"Item {item_id} does not exist.")


def _name_taken(name: str) -> ConflictError:
    return ConflictError(f"An item named {name!r} already exists.")
