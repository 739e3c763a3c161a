"""Events without a database: an in-memory outbox, lost on restart like the items (see README)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from app.config import Settings
from app.events import {{ cookiecutter.broker }}
from app.events.memory_outbox import MemoryOutbox, MemoryOutboxItemRepository, MemoryProcessedEvents
from app.events.outbox import OutboxSignal
from app.events.runtime import EventRuntime, OpenedEvents
from app.wiring.store import Store


@asynccontextmanager
async def open_events(
    settings: Settings, broker: {{ cookiecutter.broker }}.Broker, store: Store
) -> AsyncIterator[OpenedEvents]:
    outbox, signal = MemoryOutbox(), OutboxSignal()
    runtime = EventRuntime(settings, broker, outbox, MemoryProcessedEvents(), signal)
    runtime.start()
    try:
        yield OpenedEvents(
            runtime, MemoryOutboxItemRepository(outbox, signal), {"broker": runtime.connection.ping}
        )
    finally:
        await runtime.stop()
