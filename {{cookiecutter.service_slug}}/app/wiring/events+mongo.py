"""Events on MongoDB: the outbox and processed-events collections (transactions), the relay."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from app.config import Settings
from app.events import {{ cookiecutter.broker }}
from app.events.mongo_outbox import (
    MongoOutbox,
    MongoOutboxItemRepository,
    MongoProcessedEvents,
    check_transactions,
)
from app.events.outbox import OutboxSignal
from app.events.runtime import EventRuntime, OpenedEvents
from app.readiness import ReadinessCheck
from app.wiring.store import Store


@asynccontextmanager
async def open_events(
    settings: Settings, broker: {{ cookiecutter.broker }}.Broker, store: Store
) -> AsyncIterator[OpenedEvents]:
    signal = OutboxSignal()
    runtime = EventRuntime(
        settings, broker, MongoOutbox(store.database), MongoProcessedEvents(store.database), signal
    )
    readiness_checks: dict[str, ReadinessCheck] = {
        "broker": runtime.connection.ping,
        # The outbox needs multi-document transactions: a standalone server cannot take writes.
        "transactions": partial(check_transactions, store.client, settings.mongodb_timeout_seconds),
    }
    runtime.start()
    try:
        items = MongoOutboxItemRepository(store.database, signal)
        yield OpenedEvents(runtime, items, readiness_checks)
    finally:
        await runtime.stop()
