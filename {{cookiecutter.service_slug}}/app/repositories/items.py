"""The contract every item store implements."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from app.models.item import Item, ItemId, ItemPage, NewItem


class DuplicateNameError(Exception):
    """Another item already has this name."""


class ItemRepository(Protocol):
    async def page(self, *, limit: int, offset: int) -> ItemPage: ...

    async def get(self, item_id: ItemId) -> Item | None: ...

    async def add(self, new_item: NewItem{% if cookiecutter.auth == "jwt" %}, owner_id: str{% endif %}) -> Item:
        """Store a new item; raises DuplicateNameError."""
        ...

    async def update(self, item_id: ItemId, changes: Mapping[str, Any]) -> Item | None:
        """Apply changes; None if the item does not exist; raises DuplicateNameError."""
        ...

    async def delete(self, item_id: ItemId) -> bool:
        """Remove the item; False if it did not exist."""
        ...
