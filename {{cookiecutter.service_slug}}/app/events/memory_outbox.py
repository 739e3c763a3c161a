"""The outbox and processed-event records in process memory (database=none).

The item store is in memory too, so staging an event right after the change,
with nothing suspending in between, is as atomic as the change itself. The trade-off: events
not yet published when the process stops are lost with the items (README).
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from app.events.outbox import OutboxBatch, OutboxSignal
from app.events.schema import ItemEvent, PendingEvent, item_changed, item_deleted
from app.models.item import Item, ItemChanges, ItemId, NewItemRecord
from app.repositories.memory_items import MemoryItemRepository


class MemoryOutbox:
    def __init__(self) -> None:
        self._pending: list[ItemEvent] = []
        self._sequence = itertools.count(1)

    def stage(self, event: PendingEvent) -> None:
        self._pending.append(event.with_sequence(next(self._sequence)))

    @property
    def pending(self) -> int:
        return len(self._pending)

    @asynccontextmanager
    async def claim(self, limit: int) -> AsyncIterator[OutboxBatch]:
        batch = OutboxBatch(events=self._pending[:limit])
        yield batch
        sent = set(batch.sent)
        self._pending = [event for event in self._pending if event.sequence not in sent]


class MemoryOutboxItemRepository(MemoryItemRepository):
    """The parent's methods never suspend, so no task runs between a change and its event."""

    def __init__(self, outbox: MemoryOutbox, outbox_signal: OutboxSignal) -> None:
        super().__init__()
        self._outbox = outbox
        self._outbox_signal = outbox_signal

    async def add(self, new_item: NewItemRecord) -> Item:
        item = await super().add(new_item)
        self._staged(item_changed("item.created", item))
        return item

    async def update(self, item_id: ItemId, changes: ItemChanges) -> Item | None:
        item = await super().update(item_id, changes)
        if item is not None:
            self._staged(item_changed("item.updated", item))
        return item

    async def delete(self, item_id: ItemId) -> bool:
        deleted = await super().delete(item_id)
        if deleted:
            self._staged(item_deleted(item_id))
        return deleted

    def _staged(self, event: PendingEvent) -> None:
        self._outbox.stage(event)
        self._outbox_signal.notify()


class MemoryProcessedEvents:
    def __init__(self) -> None:
        self._seen: set[uuid.UUID] = set()

    async def record(self, event_id: uuid.UUID) -> bool:
        if event_id in self._seen:
            return False
        self._seen.add(event_id)
        return True
