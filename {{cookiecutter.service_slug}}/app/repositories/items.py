"""The contract every item store implements."""

from __future__ import annotations

from typing import Protocol

from app.models.item import Item, ItemChanges, ItemId, NewItemRecord
from app.pagination import Position


class DuplicateNameError(Exception):
    """Another item already has this name."""


class ItemRepository(Protocol):
    async def scan(self, position: Position | None, *, limit: int) -> list[Item]:
        """Up to `limit` items on the position's side of its key (all if None), nearest first."""
        ...

    async def count(self) -> int: ...

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
