"""PostgreSQL (SQLite locally) as the app opens it: the engine, the driver pool, the item store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

from app.config import Settings
from app.database import create_driver_pool, create_engine, is_unavailable, ping
{%- if cookiecutter.tracing == "opentelemetry" %}
from app.database_tracing import TracedDriver as Driver  # spans, as the engine's statements
{%- endif %}
from app.outages import Outage
from app.readiness import ReadinessCheck
from app.repositories.sql_items import {% if cookiecutter.tracing != "opentelemetry" %}Driver, {% endif %}SqlItemRepository


@dataclass(frozen=True, slots=True)
class Store:
    settings: Settings
    engine: AsyncEngine
    # None on SQLite: the hot reads and writes go through the engine there.
    driver_pool: asyncpg.Pool | None
    driver: Driver | None
    items: SqlItemRepository
    outage: Outage

    def readiness_checks(self) -> dict[str, ReadinessCheck]:
        return {"database": partial(ping, self.engine, self.settings.database_timeout_seconds)}


@asynccontextmanager
async def open_store(settings: Settings) -> AsyncIterator[Store]:
    engine = create_engine(settings)
    driver_pool = await create_driver_pool(settings)
    driver = (
        None
        if driver_pool is None
        else Driver(driver_pool, engine.dialect, timeout_seconds=settings.database_timeout_seconds)
    )
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
            driver_pool,
            driver,
            SqlItemRepository(engine, driver),
            outage,
        )
    finally:
        await outage.close()
        if driver_pool is not None:
            await driver_pool.close()
        await engine.dispose()
