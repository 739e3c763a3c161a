"""The outbox and processed-event records in MongoDB.

`MongoOutboxItemRepository` stages each event in the session of the item
change, inside a multi-document transaction, so both commit or neither does.
Transactions need a replica set (a single-node one is enough; MongoDB Atlas
always is one). Sequence numbers come from a counter document bumped in the
same transaction: concurrent changes serialize on it, which gives the outbox
the order of their commits.
Sent events and processed-event records expire through TTL indexes (app/mongo.py).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import TypeVar

import pymongo
from pymongo import ASCENDING, AsyncMongoClient, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from app.events.outbox import OutboxBatch, OutboxSignal
from app.events.schema import ItemEvent, PendingEvent, item_changed, item_deleted
from app.models.item import Item, ItemChanges, ItemId, NewItemRecord
from app.mongo import COUNTERS, OUTBOX, PROCESSED_EVENTS, Document
from app.repositories.mongo_items import MongoItemRepository

T = TypeVar("T")


class TransactionsUnsupportedError(RuntimeError):
    """The server is a standalone mongod: item changes cannot commit with their events."""


async def check_transactions(client: AsyncMongoClient[Document], timeout_seconds: float) -> None:
    """Readiness: the server is a replica set member or a mongos, so transactions work.

    On a standalone server every item write fails; this check names the cause.
    """
    async with asyncio.timeout(timeout_seconds):
        hello = await client.admin.command("hello")
    if "setName" not in hello and hello.get("msg") != "isdbgrid":
        raise TransactionsUnsupportedError(
            "MongoDB runs standalone: the outbox needs a replica set (mongod --replSet)"
        )


async def stage(
    database: AsyncDatabase[Document], session: AsyncClientSession, event: PendingEvent
) -> None:
    counter = await database[COUNTERS].find_one_and_update(
        {"_id": OUTBOX},
        {"$inc": {"value": 1}},
        upsert=True,
        return_document=ReturnDocument.AFTER,
        session=session,
    )
    assert counter is not None, "an upsert returning the document after the update"
    await database[OUTBOX].insert_one(
        {
            "_id": counter["value"],
            "event_id": str(event.event_id),
            "type": event.type,
            "item_id": event.item_id,
            "occurred_at": event.occurred_at,
            "payload": event.payload,
            "headers": event.headers,
            "sent_at": None,
        },
        session=session,
    )


class MongoOutboxItemRepository(MongoItemRepository):
    """Every change and its outbox event commit in one multi-document transaction."""

    def __init__(self, database: AsyncDatabase[Document], outbox_signal: OutboxSignal) -> None:
        super().__init__(database)
        self._database = database
        self._outbox_signal = outbox_signal

    async def add(self, new_item: NewItemRecord) -> Item:
        async def write(session: AsyncClientSession) -> Item:
            item = await self._insert(new_item, session=session)
            await stage(self._database, session, item_changed("item.created", item))
            return item

        with self._unique_name(new_item.name):
            return await self._in_transaction(write)

    async def update(self, item_id: ItemId, changes: ItemChanges) -> Item | None:
        async def write(session: AsyncClientSession) -> Item | None:
            item = await self._update(item_id, changes, session=session)
            if item is not None:
                await stage(self._database, session, item_changed("item.updated", item))
            return item

        with self._unique_name(changes.get("name")):
            return await self._in_transaction(write)

    async def delete(self, item_id: ItemId) -> bool:
        async def write(session: AsyncClientSession) -> bool:
            deleted = await self._delete(item_id, session=session)
            if deleted:
                await stage(self._database, session, item_deleted(item_id))
            return deleted

        return await self._in_transaction(write)

    async def _in_transaction(self, write: Callable[[AsyncClientSession], Awaitable[T]]) -> T:
        # with_transaction retries the whole write on transient conflicts (two
        # changes bumping the outbox counter at once).
        # Bounded by twice the server selection timeout (MONGODB_TIMEOUT_SECONDS):
        # otherwise it retries an unreachable server for 120 s while the client waits.
        client = self._database.client
        with pymongo.timeout(2 * client.options.server_selection_timeout):
            async with client.start_session() as session:
                result = await session.with_transaction(write)
        self._outbox_signal.notify()
        return result


def _to_event(document: Document) -> ItemEvent:
    return ItemEvent(
        event_id=uuid.UUID(document["event_id"]),
        type=document["type"],
        occurred_at=document["occurred_at"],
        item_id=document["item_id"],
        sequence=document["_id"],
        payload=document["payload"],
        # Documents staged before events had headers have none.
        headers=document.get("headers", {}),
    )


class MongoOutbox:
    """Every replica's relay reads the outbox; two publishing at once only duplicate events."""

    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._outbox = database[OUTBOX]

    @asynccontextmanager
    async def claim(self, limit: int) -> AsyncIterator[OutboxBatch]:
        cursor = self._outbox.find({"sent_at": None}).sort("_id", ASCENDING).limit(limit)
        batch = OutboxBatch(events=[_to_event(document) for document in await cursor.to_list()])
        yield batch
        if batch.sent:
            await self._outbox.update_many(
                {"_id": {"$in": batch.sent}}, {"$set": {"sent_at": datetime.now(UTC)}}
            )


class MongoProcessedEvents:
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._processed = database[PROCESSED_EVENTS]

    async def record(self, event_id: uuid.UUID) -> bool:
        try:
            await self._processed.insert_one(
                {"_id": str(event_id), "processed_at": datetime.now(UTC)}
            )
        except DuplicateKeyError:
            return False
        return True
