"""MongoDB as the app opens it: the client, the index setup, the item store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from app.config import Settings
from app.mongo import Document, IndexSetup, check_ready, create_client, is_unavailable, ping
from app.outages import Outage
from app.readiness import ReadinessCheck
from app.repositories.mongo_items import MongoItemRepository


@dataclass(frozen=True, slots=True)
class Store:
    settings: Settings
    client: AsyncMongoClient[Document]
    database: AsyncDatabase[Document]
    index_setup: IndexSetup
    items: MongoItemRepository
    outage: Outage

    def readiness_checks(self) -> dict[str, ReadinessCheck]:
        return {
            "database": partial(
                check_ready, self.client, self.index_setup, self.settings.mongodb_timeout_seconds
            )
        }


@asynccontextmanager
async def open_store(settings: Settings) -> AsyncIterator[Store]:
    # The client connects lazily: startup never waits for MongoDB, and requests
    # made while it is down fail until it is back, without a restart.
    client = create_client(settings)
    database = client[settings.mongodb_database]
    index_setup = IndexSetup(database, first_delay_seconds=0.5)
    index_setup.start()
    outage = Outage(
        "database",
        is_unavailable,
        partial(ping, client, settings.mongodb_timeout_seconds),
        retry_after_seconds=settings.outage_retry_after_seconds,
    )
    try:
        yield Store(settings, client, database, index_setup, MongoItemRepository(database), outage)
    finally:
        await outage.close()
        await index_setup.stop()
        await client.close()
