"""The contract every item store implements."""

from __future__ import annotations

from typing import Protocol

from app.models.item import Item, ItemChanges, ItemId, ItemPage, NewItemRecord


class DuplicateNameError(Exception):
    """Another item already has this name."""


class ItemRepository(Protocol):
    async def page(self, *, limit: int, offset: int) -> ItemPage: ...

    async def get(self, item_id: ItemId) -> Item | None: ...

    async def add(self, new_item: NewItemRecord) -> Item:
        """Store a new item; raises DuplicateNameError."""
        ...

    async def update(self, item_id: ItemId, changes: ItemChanges) -> Item | None:
        """Apply changes; None if the item does not exist; raises DuplicateNameError."""
        ...

    async def delete(self, item_id: ItemId) -> bool:
        """Remove the item; False if it did not exist."""
        ...
