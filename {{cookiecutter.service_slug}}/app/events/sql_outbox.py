"""The outbox and processed-event records in SQL (PostgreSQL, or SQLite for local runs).

`SqlOutboxItemRepository` stages each event on the connection of the item
change, so both commit or neither does. On PostgreSQL the relay claims the
outbox with a transaction-scoped advisory lock: with several replicas one relay
publishes at a time, which keeps the global order; the others find the lock
taken and try again at their next poll.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import asyncpg
from sqlalchemy import Row, bindparam, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.events.outbox import OutboxBatch, OutboxSignal
from app.events.schema import ItemEvent, PendingEvent, item_changed, item_deleted
from app.models.item import Item, ItemChanges, ItemId, NewItemRecord
from app.repositories.sql_items import SqlItemRepository
from app.repositories.tables import outbox, processed_events

# Any constant shared by every replica of this service; the bytes spell "outbox".
RELAY_LOCK_KEY = 0x6F7574626F78
_TRY_LOCK = text("SELECT pg_try_advisory_xact_lock(:key)").bindparams(key=RELAY_LOCK_KEY)
_PENDING = (
    select(outbox).where(outbox.c.sent_at.is_(None)).order_by(outbox.c.id).limit(bindparam("limit"))
)
_INSERT = insert(outbox)
_RECORD = insert(processed_events)


async def stage(connection: AsyncConnection, event: PendingEvent) -> None:
    """Add the event to the outbox inside the caller's transaction.

    Call it after the item write: the row lock that write holds makes a later
    change of the same item get a larger outbox id, so per-item order holds.
    """
    await connection.execute(
        _INSERT,
        {
            "event_id": str(event.event_id),
            "type": event.type,
            "item_id": event.item_id,
            "occurred_at": event.occurred_at,
            "payload": event.payload,
        },
    )


class SqlOutboxItemRepository(SqlItemRepository):
    """Every change stages its event in the outbox, in the change's transaction."""

    def __init__(
        self,
        engine: AsyncEngine,
        outbox_signal: OutboxSignal,
        read_pool: asyncpg.Pool | None = None,
        *,
        read_timeout_seconds: float | None = None,
    ) -> None:
        super().__init__(engine, read_pool, read_timeout_seconds=read_timeout_seconds)
        self._outbox_signal = outbox_signal

    async def add(self, new_item: NewItemRecord) -> Item:
        async with self._writing(new_item.name) as connection:
            item = await self._insert(connection, new_item)
            await stage(connection, item_changed("item.created", item))
        self._outbox_signal.notify()
        return item

    async def update(self, item_id: ItemId, changes: ItemChanges) -> Item | None:
        async with self._writing(changes.get("name")) as connection:
            item = await self._update(connection, item_id, changes)
            if item is None:
                return None
            await stage(connection, item_changed("item.updated", item))
        self._outbox_signal.notify()
        return item

    async def delete(self, item_id: ItemId) -> bool:
        async with self._engine.begin() as connection:
            if not await self._delete(connection, item_id):
                return False
            await stage(connection, item_deleted(item_id))
        self._outbox_signal.notify()
        return True


def _to_event(row: Row[Any]) -> ItemEvent:
    return ItemEvent(
        event_id=uuid.UUID(row.event_id),
        type=row.type,
        occurred_at=row.occurred_at,
        item_id=row.item_id,
        sequence=row.id,
        payload=row.payload,
    )


class SqlOutbox:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @asynccontextmanager
    async def claim(self, limit: int) -> AsyncIterator[OutboxBatch]:
        async with self._engine.begin() as connection:
            if (
                connection.dialect.name == "postgresql"
                and not (await connection.execute(_TRY_LOCK)).scalar_one()
            ):
                yield OutboxBatch(events=[])
                return
            rows = await connection.execute(_PENDING, {"limit": limit})
            batch = OutboxBatch(events=[_to_event(row) for row in rows])
            yield batch
            if batch.sent:
                await connection.execute(
                    update(outbox)
                    .where(outbox.c.id.in_(batch.sent))
                    .values(sent_at=datetime.now(UTC))
                )


class SqlProcessedEvents:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def record(self, event_id: uuid.UUID) -> bool:
        try:
            async with self._engine.begin() as connection:
                await connection.execute(
                    _RECORD, {"event_id": str(event_id), "processed_at": datetime.now(UTC)}
                )
        except IntegrityError:
            return False
        return True
