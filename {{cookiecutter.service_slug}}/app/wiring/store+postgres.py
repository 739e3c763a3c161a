"""PostgreSQL (SQLite locally) as the app opens it: the engine, the read pool, the item store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

from app.config import Settings
from app.database import create_engine, create_read_pool, is_unavailable, ping
from app.outages import Outage
from app.readiness import ReadinessCheck
from app.repositories.sql_items import SqlItemRepository


@dataclass(frozen=True, slots=True)
class Store:
    settings: Settings
    engine: AsyncEngine
    # None on SQLite: the hot reads go through the engine there.
    read_pool: asyncpg.Pool | None
    items: SqlItemRepository
    outage: Outage

    def readiness_checks(self) -> dict[str, ReadinessCheck]:
        return {"database": partial(ping, self.engine, self.settings.database_timeout_seconds)}


@asynccontextmanager
async def open_store(settings: Settings) -> AsyncIterator[Store]:
    engine = create_engine(settings)
    read_pool = await create_read_pool(settings)
    outage = Outage(
        "database",
        is_unavailable,
        partial(ping, engine, settings.database_timeout_seconds),
        retry_after_seconds=settings.outage_retry_after_seconds,
    )
    try:
        yield Store(
            settings,
            engine,
            read_pool,
            SqlItemRepository(
                engine, read_pool, read_timeout_seconds=settings.database_timeout_seconds
            ),
            outage,
        )
    finally:
        await outage.close()
        if read_pool is not None:
            await read_pool.close()
        await engine.dispose()
