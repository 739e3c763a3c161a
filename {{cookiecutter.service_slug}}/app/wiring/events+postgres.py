"""Events on PostgreSQL (SQLite locally): the outbox and processed-events tables, the relay."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from app.config import Settings
from app.events import {{ cookiecutter.broker }}
from app.events.outbox import OutboxSignal
from app.events.runtime import EventRuntime, OpenedEvents
from app.events.sql_outbox import SqlOutbox, SqlOutboxItemRepository, SqlProcessedEvents
from app.wiring.store import Store


@asynccontextmanager
async def open_events(
    settings: Settings, broker: {{ cookiecutter.broker }}.Broker, store: Store
) -> AsyncIterator[OpenedEvents]:
    signal = OutboxSignal()
    items = SqlOutboxItemRepository(store.engine, signal, store.driver)
    runtime = EventRuntime(
        settings, broker, SqlOutbox(store.engine), SqlProcessedEvents(store.engine), signal
    )
    runtime.start()
    try:
        yield OpenedEvents(runtime, items, {"broker": runtime.connection.ping})
    finally:
        await runtime.stop()
