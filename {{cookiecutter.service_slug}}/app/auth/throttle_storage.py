"""cache=redis: the login throttle's counts in the cache's Redis, shared by every replica."""

from __future__ import annotations

from limits.aio.storage import RedisStorage
from redis.asyncio import ConnectionPool

from app.config import Settings


def limits_storage(settings: Settings) -> tuple[RedisStorage, ConnectionPool]:
    """`limits` storage in the cache's Redis, on a pool the caller may empty."""
    pool = ConnectionPool.from_url(
        settings.cache_url.get_secret_value(),
        socket_timeout=settings.cache_timeout_seconds,
        socket_connect_timeout=settings.cache_timeout_seconds,
    )
    storage = RedisStorage(
        "async+redis://",
        wrap_exceptions=True,
        implementation="redispy",
        key_prefix=f"{settings.cache_key_prefix}:limits",
        # limits types its options as scalars, yet hands this one to the client.
        connection_pool=pool,  # type: ignore[arg-type]
    )
    return storage, pool
