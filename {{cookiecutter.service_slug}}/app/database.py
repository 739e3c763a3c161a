"""Database engine: PostgreSQL (asyncpg) in deployment, SQLite (aiosqlite) for zero-setup runs."""

from __future__ import annotations

import asyncio

from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from app.config import Settings


def create_engine(settings: Settings) -> AsyncEngine:
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        return create_async_engine(url, connect_args={"timeout": settings.database_timeout_seconds})
    return create_async_engine(
        url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        pool_timeout=settings.database_timeout_seconds,
        pool_recycle=1800,
        connect_args={"timeout": settings.database_timeout_seconds},
    )


async def ping(engine: AsyncEngine, timeout_seconds: float) -> None:
    """Raise if the database does not answer a trivial query in time."""
    async with asyncio.timeout(timeout_seconds), engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
