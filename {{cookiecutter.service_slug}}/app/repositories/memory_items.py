"""In-process item store: zero setup, but data lives only as long as the process.

Each worker process has its own copy, so run one worker when you rely on it.
Swap in a database-backed repository for anything beyond demos and tests.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

{% if cookiecutter.broker != "none" -%}
from app.events.memory_outbox import MemoryOutbox
from app.events.outbox import OutboxSignal
from app.events.schema import item_changed, item_deleted
{% endif -%}
from app.models.item import Item, ItemId, ItemPage, NewItem
from app.repositories.items import DuplicateNameError


class MemoryItemRepository:
{%- if cookiecutter.broker != "none" %}
    """Each change stages its event with no await in between: nothing else runs in the gap."""

    def __init__(self, outbox: MemoryOutbox, outbox_signal: OutboxSignal) -> None:
        self._items: dict[ItemId, Item] = {}
        self._ids = itertools.count(1)
        self._outbox = outbox
        self._outbox_signal = outbox_signal
{%- else %}
    def __init__(self) -> None:
        self._items: dict[ItemId, Item] = {}
        self._ids = itertools.count(1)
{%- endif %}

    async def page(self, *, limit: int, offset: int) -> ItemPage:
        ordered = sorted(self._items.values(), key=lambda item: item.id)
        return ItemPage(
            items=ordered[offset : offset + limit], total=len(ordered), limit=limit, offset=offset
        )

    async def get(self, item_id: ItemId) -> Item | None:
        return self._items.get(item_id)

    async def add(self, new_item: NewItem{% if cookiecutter.auth == "jwt" %}, owner_id: str{% endif %}) -> Item:
        self._ensure_name_free(new_item.name, owner=None)
        now = datetime.now(UTC)
        item = Item(
            id=next(self._ids),
            name=new_item.name,
            description=new_item.description,
            quantity=new_item.quantity,
            created_at=now,
            updated_at=now,
{%- if cookiecutter.auth == "jwt" %}
            owner_id=owner_id,
{%- endif %}
        )
        self._items[item.id] = item
{%- if cookiecutter.broker != "none" %}
        self._outbox.stage(item_changed("item.created", item))
        self._outbox_signal.notify()
{%- endif %}
        return item

    async def update(self, item_id: ItemId, changes: Mapping[str, Any]) -> Item | None:
        current = self._items.get(item_id)
        if current is None:
            return None
        if "name" in changes:
            self._ensure_name_free(changes["name"], owner=item_id)
        updated = replace(current, **changes, updated_at=datetime.now(UTC))
        self._items[item_id] = updated
{%- if cookiecutter.broker != "none" %}
        self._outbox.stage(item_changed("item.updated", updated))
        self._outbox_signal.notify()
{%- endif %}
        return updated

    async def delete(self, item_id: ItemId) -> bool:
{%- if cookiecutter.broker != "none" %}
        if self._items.pop(item_id, None) is None:
            return False
        self._outbox.stage(item_deleted(item_id))
        self._outbox_signal.notify()
        return True
{%- else %}
        return self._items.pop(item_id, None) is not None
{%- endif %}

    def _ensure_name_free(self, name: str, owner: ItemId | None) -> None:
        if any(item.name == name and item.id != owner for item in self._items.values()):
            raise DuplicateNameError(name)
