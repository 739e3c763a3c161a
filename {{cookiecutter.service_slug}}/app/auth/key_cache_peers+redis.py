"""cache=redis: every process's API-key cache hears each revocation through the cache's Redis.

Revoking a key publishes its lookup id on `<prefix>:api-key-revocations`; each
subscribed process evicts it, so a revoked key stops working on every replica
within a round trip rather than API_KEY_CACHE_SECONDS. A process whose
subscription broke may have missed some, so on subscribing again it drops
every entry. While Redis is down nothing can be heard and entries expire as
they would without a cache. The last use of a key is claimed with SET NX: one
process per interval writes it, not every replica.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.cache import create_client
from app.config import Settings
from app.models.api_key import ApiKeyId

if TYPE_CHECKING:
    from app.repositories.cached_api_keys import CachedApiKeyRepository

logger = logging.getLogger(__name__)

# How long a wait for a revocation may block before it checks for cancellation.
LISTEN_SECONDS = 1.0


class RedisKeyCachePeers:
    def __init__(self, client: Redis, settings: Settings) -> None:
        self._client = client
        self.channel = f"{settings.cache_key_prefix}:api-key-revocations"
        self._claims = f"{settings.cache_key_prefix}:api-key-used"
        self._claim_milliseconds = int(settings.api_key_last_used_seconds * 1000)
        self._timeout = settings.cache_timeout_seconds
        self._retry_seconds = settings.cache_retry_seconds
        self._subscribed = False

    async def announce_revocation(self, lookup_id: str) -> None:
        try:
            async with asyncio.timeout(self._timeout):
                await self._client.publish(self.channel, lookup_id)
        except (RedisError, OSError, TimeoutError) as error:
            logger.warning(
                "API key revocation not announced: other processes refuse the key"
                " when their cache entry expires",
                extra={"error": repr(error)},
            )

    async def claim_last_use(self, key_id: ApiKeyId) -> bool:
        if self._claim_milliseconds <= 0:
            return True
        try:
            async with asyncio.timeout(self._timeout):
                claimed = await self._client.set(
                    f"{self._claims}:{key_id}", b"1", nx=True, px=self._claim_milliseconds
                )
        except (RedisError, OSError, TimeoutError):
            # Bookkeeping: better written twice than not at all.
            return True
        return bool(claimed)

    @asynccontextmanager
    async def listening(self, cache: CachedApiKeyRepository) -> AsyncIterator[None]:
        listener = asyncio.create_task(self._listen(cache))
        try:
            yield
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener

    async def _listen(self, cache: CachedApiKeyRepository) -> None:
        outage_logged = False
        while True:
            self._subscribed = False
            try:
                await self._evict_what_is_announced(cache)
            except (RedisError, OSError, TimeoutError) as error:
                # Logged once per outage, not on every retry.
                outage_logged = outage_logged and not self._subscribed
                if not outage_logged:
                    logger.warning(
                        "not hearing API key revocations; cache entries expire instead",
                        extra={"error": repr(error), "retry_seconds": self._retry_seconds},
                    )
                    outage_logged = True
            await asyncio.sleep(self._retry_seconds)

    async def _evict_what_is_announced(self, cache: CachedApiKeyRepository) -> None:
        async with self._client.pubsub() as pubsub:
            await pubsub.subscribe(self.channel)
            if await pubsub.get_message(timeout=self._timeout) is None:
                raise TimeoutError("Redis did not confirm the subscription")
            # Subscribed from here on; what was announced before may have gone unheard.
            cache.evict_all()
            self._subscribed = True
            while True:
                message = await pubsub.get_message(
                    ignore_subscribe_messages=True, timeout=LISTEN_SECONDS
                )
                if message is not None:
                    cache.evict(message["data"].decode())


@asynccontextmanager
async def open_key_cache_peers(settings: Settings) -> AsyncIterator[RedisKeyCachePeers]:
    client = create_client(settings, name=f"{settings.cache_key_prefix}:api-key-peers")
    try:
        yield RedisKeyCachePeers(client, settings)
    finally:
        await client.aclose()
