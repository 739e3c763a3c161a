"""The outbox and processed-event records in SQL (PostgreSQL, or SQLite for local runs).

`SqlOutboxItemRepository` stages each event with its item change, in the
change's own statement on PostgreSQL (`with_event`) and on its transaction on
SQLite (`stage`), so both commit or neither does. On PostgreSQL the relay claims the
outbox with a transaction-scoped advisory lock: with several replicas one relay
publishes at a time, which keeps the global order; the others find the lock
taken and try again at their next poll.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import (
    Row,
    Select,
    bindparam,
    cast,
    func,
    insert,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.elements import ClauseElement

from app.events.outbox import OutboxBatch, OutboxSignal
from app.events.schema import (
    ItemDeletedPayloadV1,
    ItemEvent,
    ItemPayloadV1,
    PendingEvent,
    item_changed,
    item_deleted,
    request_headers,
)
from app.models.item import Item, ItemChanges, ItemId, NewItemRecord
from app.repositories.sql_items import Driver, ReturningWrite, SqlItemRepository
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
            "headers": event.headers,
        },
    )


# The event type of each change, as a constant of the statement it is staged by.
_EVENT_TYPES = {"created": "item.created", "updated": "item.updated", "deleted": "item.deleted"}


def with_event(change: ReturningWrite, action: str) -> Select[Any]:
    """`change` plus the outbox row of its event, in one statement: both commit or neither.

    The row is selected from the change's RETURNING, so its id is drawn after the
    change took the item's row lock and per-item order holds as with `stage()`.
    The payload is the changed row as JSON; `_to_event` reads it through the
    payload model, so consumers get what `item_changed` would have built.
    """
    changed = change.cte("changed")
    payload = (
        func.json_build_object(literal_column("'id'"), changed.c.id)
        if action == "deleted"
        else func.to_json(changed.table_valued())
    )
    event = select(
        bindparam("event_id", type_=outbox.c.event_id.type),
        literal_column(f"'{_EVENT_TYPES[action]}'", outbox.c.type.type),
        cast(changed.c.id, outbox.c.item_id.type),
        bindparam("occurred_at", type_=outbox.c.occurred_at.type),
        payload,
        bindparam("headers", type_=outbox.c.headers.type),
    ).select_from(changed)
    columns = ["event_id", "type", "item_id", "occurred_at", "payload", "headers"]
    staged = insert(outbox).from_select(columns, event).cte("staged")
    return select(*changed.c).add_cte(staged)


class SqlOutboxItemRepository(SqlItemRepository):
    """Every change stages its event in the outbox: in the change's own statement on
    PostgreSQL, in its transaction on SQLite."""

    def __init__(
        self, engine: AsyncEngine, outbox_signal: OutboxSignal, driver: Driver | None = None
    ) -> None:
        super().__init__(engine, driver)
        self._outbox_signal = outbox_signal

    def _driver_write(self, change: ReturningWrite, action: str) -> ClauseElement:
        return with_event(change, action)

    def _driver_values(self) -> dict[str, object]:
        return {
            "event_id": str(uuid.uuid4()),
            "occurred_at": datetime.now(UTC),
            # asyncpg takes a JSON parameter as its text; the driver skips SQLAlchemy's encoding.
            "headers": json.dumps(request_headers()),
        }

    async def add(self, new_item: NewItemRecord) -> Item:
        if self._driver is not None:
            item = await super().add(new_item)
        else:
            async with self._writing(new_item.name) as connection:
                item = await self._insert(connection, new_item)
                await stage(connection, item_changed("item.created", item))
        self._outbox_signal.notify()
        return item

    async def update(self, item_id: ItemId, changes: ItemChanges) -> Item | None:
        if self._driver is not None:
            item = await super().update(item_id, changes)
        else:
            async with self._writing(changes.get("name")) as connection:
                item = await self._update(connection, item_id, changes)
                if item is not None:
                    await stage(connection, item_changed("item.updated", item))
        if item is not None:
            self._outbox_signal.notify()
        return item

    async def delete(self, item_id: ItemId) -> bool:
        if self._driver is not None:
            deleted = await super().delete(item_id)
        else:
            async with self._engine.begin() as connection:
                deleted = await self._delete(connection, item_id)
                if deleted:
                    await stage(connection, item_deleted(item_id))
        if deleted:
            self._outbox_signal.notify()
        return deleted


# Payloads as stored by `with_event` (the row's JSON) or `stage()`; read back as the model.
_PAYLOADS: dict[str, type[BaseModel]] = {
    "item.created": ItemPayloadV1,
    "item.updated": ItemPayloadV1,
    "item.deleted": ItemDeletedPayloadV1,
}


def _to_event(row: Row[Any]) -> ItemEvent:
    return ItemEvent(
        event_id=uuid.UUID(row.event_id),
        type=row.type,
        occurred_at=row.occurred_at,
        item_id=row.item_id,
        sequence=row.id,
        payload=_PAYLOADS[row.type].model_validate(row.payload).model_dump(mode="json"),
        headers=row.headers,
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
