"""cache=redis: the login throttle's counts in the cache's Redis, shared by every replica."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from limits.aio.storage import RedisStorage
from redis.asyncio import ConnectionPool

from app.config import Settings


def shared_storage(settings: Settings) -> tuple[RedisStorage, Callable[[], Awaitable[None]]]:
    """`limits` storage in the cache's Redis, and how to let go of its connections."""
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

    async def release() -> None:
        # Logins are few and each costs an argon2 hash, so a connection per attempt is
        # cheap; and none is left open when the app that made this throttle is gone.
        await pool.disconnect(inuse_connections=False)

    return storage, release
