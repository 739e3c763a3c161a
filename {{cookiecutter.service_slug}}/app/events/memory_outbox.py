"""The outbox and processed-event records in process memory (database=none).

The item store is in memory too, so staging an event next to the change, with
no await in between, is as atomic as the change itself. The trade-off: events
not yet published when the process stops are lost with the items (README).
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from app.events.outbox import OutboxBatch
from app.events.schema import ItemEvent, PendingEvent


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


class MemoryProcessedEvents:
    def __init__(self) -> None:
        self._seen: set[uuid.UUID] = set()

    async def record(self, event_id: uuid.UUID) -> bool:
        if event_id in self._seen:
            return False
        self._seen.add(event_id)
        return True
