"""cache=redis: the Redis client for the app's lifetime, and the item store it fronts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from app.cache import Cache, CacheMetrics, create_client
from app.config import Settings
from app.metrics import HttpMetrics
from app.readiness import ReadinessCheck
from app.repositories.cached_items import CachedItemRepository
from app.repositories.items import ItemRepository


@dataclass(frozen=True, slots=True)
class OpenedCache:
    cache: Cache

    @property
    def readiness_checks(self) -> dict[str, ReadinessCheck]:
        # Reported as degraded, never unavailable: the service works without Redis.
        return {"cache": self.cache.check}

    def items(self, items: ItemRepository) -> CachedItemRepository:
        return CachedItemRepository(items, self.cache)


@asynccontextmanager
async def open_cache(settings: Settings, metrics: HttpMetrics) -> AsyncIterator[OpenedCache]:
    client = create_client(settings, name=f"{settings.cache_key_prefix}:cache")
    cache_metrics = CacheMetrics(metrics.registry)
    try:
        yield OpenedCache(Cache(client, settings, cache_metrics))
    finally:
        # The registry outlives this lifespan; a second start registers them anew.
        cache_metrics.unregister()
        await client.aclose()
