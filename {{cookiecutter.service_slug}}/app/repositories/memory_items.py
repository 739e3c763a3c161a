"""In-process item store: zero setup, but data lives only as long as the process.

Each worker process has its own copy, so run one worker when you rely on it.
Swap in a database-backed repository for anything beyond demos and tests.
"""

from __future__ import annotations

import itertools
from bisect import bisect_left, bisect_right
from dataclasses import asdict, replace
from datetime import UTC, datetime

from app.models.item import Item, ItemChanges, ItemId, NewItemRecord
from app.pagination import Bound, Position
from app.repositories.items import DuplicateNameError


class MemoryItemRepository:
    """No method awaits anything: each runs to its end before another task can look."""

    def __init__(self) -> None:
        self._items: dict[ItemId, Item] = {}
        self._ids = itertools.count(1)

    async def scan(self, position: Position | None, *, limit: int) -> list[Item]:
        # Ids only grow and an update keeps its key's place, so the dict is in id order.
        ids = list(self._items)
        if position is None:
            chosen = ids[:limit]
        elif not position.bound.backward:
            start = (bisect_right if position.bound is Bound.AFTER else bisect_left)(
                ids, position.key
            )
            chosen = ids[start : start + limit]
        else:
            end = (bisect_left if position.bound is Bound.BEFORE else bisect_right)(
                ids, position.key
            )
            chosen = ids[max(end - limit, 0) : end][::-1]
        return [self._items[item_id] for item_id in chosen]

    async def count(self) -> int:
        return len(self._items)

    async def get(self, item_id: ItemId) -> Item | None:
        return self._items.get(item_id)

    async def add(self, new_item: NewItemRecord) -> Item:
        self._ensure_name_free(new_item.name, owner=None)
        now = datetime.now(UTC)
        item = Item(id=next(self._ids), **asdict(new_item), created_at=now, updated_at=now)
        self._items[item.id] = item
        return item

    async def update(self, item_id: ItemId, changes: ItemChanges) -> Item | None:
        current = self._items.get(item_id)
        if current is None:
            return None
        if "name" in changes:
            self._ensure_name_free(changes["name"], owner=item_id)
        updated = replace(current, **changes, updated_at=datetime.now(UTC))
        self._items[item_id] = updated
        return updated

    async def delete(self, item_id: ItemId) -> bool:
        return self._items.pop(item_id, None) is not None

    def _ensure_name_free(self, name: str, owner: ItemId | None) -> None:
        if any(item.name == name and item.id != owner for item in self._items.values()):
            raise DuplicateNameError(name)
