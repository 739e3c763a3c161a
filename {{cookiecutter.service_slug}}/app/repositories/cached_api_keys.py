"""A per-process cache in front of the API key store, so authenticating costs no round trip.

Verified keys are kept for API_KEY_CACHE_SECONDS. Revoking through this process
evicts the key at once and tells the other processes caching keys (its peers:
the other replicas, the CLI) to evict it too; where no peer can hear (no shared
Redis, or it is down) a key revoked elsewhere still works here until its entry
expires. Last-used times are written at most once per API_KEY_LAST_USED_SECONDS
per key, in this process and, when peers share a Redis, across all of them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Protocol

from app.auth.key_cache_peers import open_key_cache_peers
from app.config import Settings
from app.models.api_key import ApiKey, ApiKeyId, ApiKeyPage, NewApiKey
from app.models.api_key_credential import Credential
from app.repositories.api_keys import ApiKeyRepository

# Unknown lookup ids are cached too (a client retrying a wrong key costs one
# query per TTL); the bound keeps random ids from growing the cache without end.
MAX_ENTRIES = 10_000

logger = logging.getLogger(__name__)


class KeyCachePeers(Protocol):
    """The other processes caching the same keys, as far as this one can reach them."""

    async def announce_revocation(self, lookup_id: str) -> None:
        """Tell every peer to evict the key; must not raise."""

    async def claim_last_use(self, key_id: ApiKeyId) -> bool:
        """True if this process should write the key's last use now; must not raise."""


class CachedApiKeyRepository:
    def __init__(
        self,
        repository: ApiKeyRepository,
        peers: KeyCachePeers,
        *,
        cache_seconds: float,
        last_used_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._repository = repository
        self._peers = peers
        self._cache_seconds = cache_seconds
        self._last_used_seconds = last_used_seconds
        self._clock = clock
        self._entries: dict[str, tuple[float, Credential | None]] = {}
        self._last_written: dict[ApiKeyId, float] = {}
        # Counts evictions: a lookup that overlapped one must not cache what it read.
        self._evictions = 0

    @property
    def repository(self) -> ApiKeyRepository:
        """The store it fronts."""
        return self._repository

    async def find_credential(self, lookup_id: str) -> Credential | None:
        now = self._clock()
        entry = self._entries.get(lookup_id)
        if entry is not None and entry[0] > now:
            return entry[1]
        evictions = self._evictions
        credential = await self._repository.find_credential(lookup_id)
        if evictions != self._evictions:
            # A revocation may have committed after our read: its credential is old.
            return credential
        self._entries.pop(lookup_id, None)
        if len(self._entries) >= MAX_ENTRIES:
            # Dicts keep insertion order: this drops the oldest entry.
            del self._entries[next(iter(self._entries))]
        self._entries[lookup_id] = (now + self._cache_seconds, credential)
        return credential

    def evict(self, lookup_id: str) -> None:
        self._evictions += 1
        self._entries.pop(lookup_id, None)

    def evict_all(self) -> None:
        """Forget every entry: for when revocations may have gone unheard."""
        self._evictions += 1
        self._entries.clear()

    async def record_use(self, key_id: ApiKeyId, when: datetime) -> None:
        now = self._clock()
        last = self._last_written.get(key_id)
        if last is not None and now - last < self._last_used_seconds:
            return
        # Noted before the write, so concurrent requests do not all write.
        self._last_written[key_id] = now
        if not await self._peers.claim_last_use(key_id):
            return
        try:
            await self._repository.record_use(key_id, when)
        except Exception:
            # Bookkeeping: failing to record it must not fail an authenticated request.
            logger.warning("recording the last use of an API key failed", exc_info=True)

    async def add(self, new_key: NewApiKey) -> ApiKey:
        api_key = await self._repository.add(new_key)
        # The id may have been looked up (and cached as unknown) before it existed.
        self.evict(api_key.lookup_id)
        return api_key

    async def page(self, *, limit: int, offset: int) -> ApiKeyPage:
        return await self._repository.page(limit=limit, offset=offset)

    async def revoke(self, key_id: ApiKeyId, when: datetime) -> ApiKey | None:
        api_key = await self._repository.revoke(key_id, when)
        if api_key is not None:
            self.evict(api_key.lookup_id)
            await self._peers.announce_revocation(api_key.lookup_id)
        return api_key


@asynccontextmanager
async def open_cached_api_keys(
    repository: ApiKeyRepository, settings: Settings
) -> AsyncIterator[CachedApiKeyRepository]:
    """The cache in front of `repository`, evicting what its peers announce while open."""
    async with open_key_cache_peers(settings) as peers:
        cached = CachedApiKeyRepository(
            repository,
            peers,
            cache_seconds=settings.api_key_cache_seconds,
            last_used_seconds=settings.api_key_last_used_seconds,
        )
        async with peers.listening(cached):
            yield cached
