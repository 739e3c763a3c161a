"""Redis as a cache the service can do without: every call bounded, a pause after a failure.

Each call waits at most CACHE_TIMEOUT_SECONDS. After one fails, reads skip Redis
for CACHE_RETRY_SECONDS and go straight to the database (each counted as a
fallback); the first read after the pause tries Redis again, so the cache comes
back without a restart. Invalidations are never skipped: a write always tries
to invalidate, since a skipped one could leave other replicas a stale entry.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import Literal, TypeVar

from prometheus_client import CollectorRegistry, Counter
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from app.config import Settings
from app.readiness import Degraded

logger = logging.getLogger(__name__)

# A ping is /ready's probe: never skipped, and not a fallback when it fails.
Operation = Literal["read", "fill", "invalidate", "ping"]
T = TypeVar("T")


class CacheUnavailable(Exception):
    """Redis failed, was too slow, or is paused after a failure: use the database."""


class CacheMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self._registry = registry
        self.hits = Counter(
            "cache_hits_total", "Item reads answered from the cache.", registry=registry
        )
        self.misses = Counter(
            "cache_misses_total", "Item reads the cache did not hold.", registry=registry
        )
        self.fallbacks = Counter(
            "cache_fallbacks_total",
            "Cache calls that failed, timed out or were skipped while Redis was down.",
            ["operation"],
            registry=registry,
        )

    def unregister(self) -> None:
        for collector in (self.hits, self.misses, self.fallbacks):
            self._registry.unregister(collector)


class Cache:
    def __init__(
        self,
        client: Redis,
        settings: Settings,
        metrics: CacheMetrics,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.metrics = metrics
        self.key_prefix = settings.cache_key_prefix
        self.ttl_seconds = settings.cache_ttl_seconds
        self._timeout = settings.cache_timeout_seconds
        self._retry_seconds = settings.cache_retry_seconds
        self._clock = clock
        self._paused_until = -math.inf

    @property
    def paused(self) -> bool:
        return self._clock() < self._paused_until

    async def call(self, operation: Operation, call: Callable[[Redis], Awaitable[T]]) -> T:
        """One bounded call; raises CacheUnavailable, counted as a fallback, instead of failing."""
        if operation in ("read", "fill") and self.paused:
            self.metrics.fallbacks.labels(operation).inc()
            raise CacheUnavailable
        try:
            async with asyncio.timeout(self._timeout):
                result = await call(self.client)
        except (RedisError, OSError, TimeoutError) as error:
            self._failed(operation, error)
            raise CacheUnavailable from error
        self._paused_until = -math.inf
        return result

    async def check(self) -> None:
        """/ready: raises Degraded while Redis does not answer; a success ends the pause."""
        try:
            await self.call("ping", _ping)
        except CacheUnavailable as error:
            raise Degraded("reads go to the database") from error

    def _failed(self, operation: Operation, error: BaseException) -> None:
        if operation != "ping":
            self.metrics.fallbacks.labels(operation).inc()
        if not self.paused:
            logger.warning(
                "cache unavailable, using the database",
                extra={"operation": operation, "error": repr(error)},
            )
        self._paused_until = self._clock() + self._retry_seconds


async def _ping(client: Redis) -> None:
    await client.ping()


def create_client(settings: Settings, *, name: str) -> Redis:
    """A client whose connections are named `name` in Redis's CLIENT LIST."""
    timeout = settings.cache_timeout_seconds
{%- if cookiecutter.tracing == "opentelemetry" %}
    from app.cache_tracing import TracedRedis  # a client span per command, inside a trace

    return TracedRedis.from_url(
{%- else %}
    return Redis.from_url(
{%- endif %}
        settings.cache_url.get_secret_value(),
        client_name=name,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        # Retrying would multiply the bounded wait; the pause decides when to try again.
        retry=Retry(NoBackoff(), retries=0),
    )
