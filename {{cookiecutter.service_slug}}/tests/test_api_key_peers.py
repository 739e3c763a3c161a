"""auth=api-key with cache=redis: every process's key cache hears revocations through Redis.

The other process is a second key cache over the same store, with its own Redis
connections and subscription, as another replica or the CLI would have.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from redis.asyncio import Redis

from app.auth.scopes import ADMIN, ITEMS_READ
from app.config import Settings
from app.container import container_of_app
from app.repositories.api_keys import ApiKeyRepository
from app.repositories.cached_api_keys import CachedApiKeyRepository, open_cached_api_keys
from app.services.api_key_auth import ApiKeyAuthenticator
from app.services.api_keys import ApiKeyService
from tests.plugins.auth import add_api_key
from tests.plugins.cache import NO_REDIS


def uncached(app: FastAPI) -> ApiKeyRepository:
    """The app's key store without its cache: what another process reads and writes."""
    cached = container_of_app(app).auth.api_keys
    assert isinstance(cached, CachedApiKeyRepository)
    return cached.repository


@asynccontextmanager
async def other_process(app: FastAPI, settings: Settings) -> AsyncIterator[ApiKeyRepository]:
    """A second key cache on the app's store, subscribed to revocations before it is used."""
    async with (
        open_cached_api_keys(uncached(app), settings) as cached,
        Redis.from_url(settings.cache_url.get_secret_value()) as redis,
    ):
        channel = f"{settings.cache_key_prefix}:api-key-revocations"
        # The app's own cache is subscribed too: wait until both are.
        await eventually(lambda: subscribers(redis, channel, at_least=2))
        yield cached


async def subscribers(redis: Redis, channel: str, *, at_least: int) -> bool:
    counts = await redis.pubsub_numsub(channel)
    return int(counts[0][1]) >= at_least


async def eventually(condition: Callable[[], Awaitable[bool]], seconds: float = 3.0) -> float:
    """Seconds until `condition` held; fails the test if it did not within `seconds`."""
    started = time.monotonic()
    while not await condition():
        assert time.monotonic() - started < seconds, f"not within {seconds}s"
        await asyncio.sleep(0.01)
    return time.monotonic() - started


async def last_used(keys: ApiKeyRepository, key_id: str) -> Any:
    page = await keys.page(limit=100, offset=0)
    return next(key.last_used_at for key in page.api_keys if key.id == key_id)


async def test_a_key_revoked_through_one_instance_is_refused_by_the_other_at_once(
    redis_url: str, app: FastAPI, anonymous_client: httpx.AsyncClient, settings: Settings
) -> None:
    admin = {"X-API-Key": await add_api_key(app, ADMIN, name="admin")}
    created = await ApiKeyService(uncached(app)).create("billing", [ITEMS_READ])
    async with other_process(app, settings) as other:
        authenticator = ApiKeyAuthenticator(other)
        assert await authenticator.authenticate(created.key) is not None

        response = await anonymous_client.delete(f"/api-keys/{created.api_key.id}", headers=admin)
        assert response.status_code == 204
        seconds = await eventually(
            lambda: refused(authenticator, created.key), settings.api_key_cache_seconds / 10
        )

    # Without the announcement the other cache would answer from its entry for 30 s.
    assert seconds < settings.api_key_cache_seconds / 10


async def refused(authenticator: ApiKeyAuthenticator, key: str) -> bool:
    return await authenticator.authenticate(key) is None


async def test_after_its_subscription_broke_an_instance_drops_every_cached_key(
    redis_url: str, app: FastAPI, settings: Settings
) -> None:
    settings = settings.model_copy(update={"cache_retry_seconds": 0.05})
    created = await ApiKeyService(uncached(app)).create("billing", [ITEMS_READ])
    async with (
        other_process(app, settings) as other,
        Redis.from_url(settings.cache_url.get_secret_value()) as redis,
    ):
        authenticator = ApiKeyAuthenticator(other)
        assert await authenticator.authenticate(created.key) is not None
        # Revoked where nobody announces it, then the subscriptions break: it may
        # have been announced while they were down.
        await ApiKeyService(uncached(app)).revoke(created.api_key.id)
        name = f"{settings.cache_key_prefix}:api-key-peers"
        for client in await redis.client_list(_type="pubsub"):
            if client["name"] == name:
                await redis.client_kill_filter(_id=client["id"])

        await eventually(lambda: refused(authenticator, created.key))


async def test_one_instance_per_interval_writes_a_keys_last_use(
    redis_url: str, app: FastAPI, settings: Settings
) -> None:
    created = await ApiKeyService(uncached(app)).create("billing", [ITEMS_READ])
    async with other_process(app, settings) as other:
        await ApiKeyAuthenticator(container_of_app(app).auth.api_keys).authenticate(created.key)
        first = await last_used(uncached(app), created.api_key.id)
        await ApiKeyAuthenticator(other).authenticate(created.key)
        after_the_other = await last_used(uncached(app), created.api_key.id)

    assert first is not None
    assert after_the_other == first


async def test_with_redis_unreachable_each_instance_still_records_use_and_revokes(
    app: FastAPI, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    unreachable = settings.model_copy(update={"cache_url": SecretStr(NO_REDIS)})
    created = await ApiKeyService(uncached(app)).create("billing", [ITEMS_READ])
    async with open_cached_api_keys(uncached(app), unreachable) as alone:
        assert await ApiKeyAuthenticator(alone).authenticate(created.key) is not None
        recorded = await last_used(uncached(app), created.api_key.id)
        with caplog.at_level(logging.WARNING):
            revoked = await ApiKeyService(alone).revoke(created.api_key.id)

    assert recorded is not None
    assert revoked.revoked_at is not None
    assert "API key revocation not announced" in caplog.text
