"""cache=none: no Redis shared with the other processes, so none of them can be told anything.

A key revoked through another process (another replica, the CLI) still works
here until its cache entry expires (API_KEY_CACHE_SECONDS), and each process
writes a key's last use once per interval of its own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from app.config import Settings
from app.models.api_key import ApiKeyId

if TYPE_CHECKING:
    from app.repositories.cached_api_keys import CachedApiKeyRepository


class UnreachablePeers:
    async def announce_revocation(self, lookup_id: str) -> None:
        return None

    async def claim_last_use(self, key_id: ApiKeyId) -> bool:
        return True

    @asynccontextmanager
    async def listening(self, cache: CachedApiKeyRepository) -> AsyncIterator[None]:
        yield


@asynccontextmanager
async def open_key_cache_peers(settings: Settings) -> AsyncIterator[UnreachablePeers]:
    yield UnreachablePeers()
