"""cache=redis: hits, read-your-writes across two instances, one store read per miss, Redis down.

The tests that need a real Redis take `redis_url` (TEST_REDIS_URL; see
tests/plugins/cache.py). The second service instance is a second cache layer,
with its own Redis client and in-flight reads, over the same store.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import CollectorRegistry
from pydantic import SecretStr

from app.cache import Cache, CacheMetrics, create_client
from app.config import Settings
from app.container import container_of_app
from app.models.item import Item, ItemChanges, ItemId, NewItemRecord
from app.pagination import Position
from app.readiness import Degraded
from app.repositories.cached_items import CachedItemRepository
from app.repositories.items import ItemRepository
from tests.plugins.cache import NO_REDIS


async def create(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    response = await client.post("/items", json={"name": "widget", **fields})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def sample(client: httpx.AsyncClient, name: str) -> float:
    """The value of an unlabelled counter (or the sum of its labels) in /metrics."""
    text = (await client.get("/metrics")).text
    return sum(
        float(line.rpartition(" ")[2])
        for line in text.splitlines()
        if line.split("{")[0].split(" ")[0] == name
    )


def fronted_store(app: FastAPI) -> ItemRepository:
    """The item store the app's cache fronts (with a broker, the one staging events)."""
    items = container_of_app(app).items
    assert isinstance(items, CachedItemRepository)
    return items.repository


@contextlib.asynccontextmanager
async def cache_for(settings: Settings, **changes: Any) -> AsyncIterator[Cache]:
    settings = settings.model_copy(update=changes)
    client = create_client(settings, name="tests")
    try:
        yield Cache(client, settings, CacheMetrics(CollectorRegistry()))
    finally:
        await client.aclose()


class CountingItems:
    """The real store, counting reads by id and holding each a moment so misses overlap."""

    def __init__(self, repository: ItemRepository) -> None:
        self._repository = repository
        self.reads = 0

    async def get(self, item_id: ItemId) -> Item | None:
        self.reads += 1
        await asyncio.sleep(0.05)
        return await self._repository.get(item_id)

    async def scan(self, position: Position | None, *, limit: int) -> list[Item]:
        return await self._repository.scan(position, limit=limit)

    async def count(self) -> int:
        return await self._repository.count()

    async def add(self, new_item: NewItemRecord) -> Item:
        return await self._repository.add(new_item)

    async def update(self, item_id: ItemId, changes: ItemChanges) -> Item | None:
        return await self._repository.update(item_id, changes)

    async def delete(self, item_id: ItemId) -> bool:
        return await self._repository.delete(item_id)


class HeldItems(CountingItems):
    """The real store, whose reads by id, once done, wait to be released before they return."""

    def __init__(self, repository: ItemRepository) -> None:
        super().__init__(repository)
        self.read_done = asyncio.Event()
        self.release = asyncio.Event()

    async def get(self, item_id: ItemId) -> Item | None:
        item = await self._repository.get(item_id)
        self.read_done.set()
        await self.release.wait()
        return item


class Gate:
    """A TCP forwarder to Redis that can be cut and restored: Redis going away and coming back."""

    def __init__(self, redis_url: str) -> None:
        target = urlsplit(redis_url)
        self._target = (target.hostname or "127.0.0.1", target.port or 6379)
        self._path_and_db = target.path
        self.open = True
        self._writers: list[asyncio.StreamWriter] = []
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> str:
        self._server = await asyncio.start_server(self._forward, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        return f"redis://127.0.0.1:{port}{self._path_and_db}"

    async def __aexit__(self, *_: object) -> None:
        self.cut()
        assert self._server is not None
        self._server.close()

    def cut(self) -> None:
        self.open = False
        for writer in self._writers:
            writer.close()
        self._writers.clear()

    async def _forward(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.open:
            writer.close()
            return
        upstream_reader, upstream_writer = await asyncio.open_connection(*self._target)
        self._writers += [writer, upstream_writer]
        await asyncio.gather(
            _pump(reader, upstream_writer), _pump(upstream_reader, writer), return_exceptions=True
        )


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    finally:
        writer.close()


async def test_a_second_read_of_an_item_is_a_cache_hit(
    redis_url: str, client: httpx.AsyncClient
) -> None:
    item = await create(client, quantity=3)

    first = await client.get(f"/items/{item['id']}")
    second = await client.get(f"/items/{item['id']}")

    assert first.json() == second.json() == item
    assert await sample(client, "cache_misses_total") == 1
    assert await sample(client, "cache_hits_total") == 1


async def test_each_instance_reads_the_other_instances_writes_while_reads_race_them(
    redis_url: str, app: FastAPI, client: httpx.AsyncClient, settings: Settings
) -> None:
    item = await create(client, quantity=0)
    path = f"/items/{item['id']}"
    item_id: ItemId = item["id"]
    async with cache_for(settings) as other_cache:
        other = CachedItemRepository(fronted_store(app), other_cache)
        racing = asyncio.Event()

        async def race() -> None:
            while not racing.is_set():
                await asyncio.gather(other.get(item_id), client.get(path))

        racers = [asyncio.create_task(race()) for _ in range(3)]
        try:
            for quantity in range(1, 21):
                if quantity % 2:
                    assert await other.update(item_id, {"quantity": quantity}) is not None
                else:
                    written = await client.patch(path, json={"quantity": quantity})
                    assert written.status_code == 200, written.text
                assert (await client.get(path)).json()["quantity"] == quantity
                read = await other.get(item_id)
                assert read is not None
                assert read.quantity == quantity
        finally:
            racing.set()
            await asyncio.gather(*racers)

        assert await other.delete(item_id)
        assert (await client.get(path)).status_code == 404
    assert await sample(client, "cache_hits_total") > 0


async def test_a_read_that_raced_a_write_cannot_put_the_old_item_back(
    redis_url: str, app: FastAPI, client: httpx.AsyncClient, settings: Settings
) -> None:
    item = await create(client, quantity=1)
    path = f"/items/{item['id']}"
    held = HeldItems(fronted_store(app))
    async with cache_for(settings) as other_cache:
        other = CachedItemRepository(held, other_cache)
        raced = asyncio.create_task(other.get(item["id"]))
        await held.read_done.wait()  # it has read quantity 1 from the store, not yet cached it

        written = await client.patch(path, json={"quantity": 2})
        held.release.set()
        raced_read = await raced

        assert written.status_code == 200, written.text
        assert raced_read is not None
        assert raced_read.quantity == 1  # concurrent with the write: either value is right
        assert (await client.get(path)).json()["quantity"] == 2
        after = await other.get(item["id"])
        assert after is not None
        assert after.quantity == 2


async def test_concurrent_misses_for_one_item_make_one_store_read(
    redis_url: str, app: FastAPI, client: httpx.AsyncClient, settings: Settings
) -> None:
    item = await create(client)
    counting = CountingItems(fronted_store(app))
    async with cache_for(settings) as cache:
        items = CachedItemRepository(counting, cache)
        reads = await asyncio.gather(*(items.get(item["id"]) for _ in range(20)))

    assert counting.reads == 1
    assert {read.name if read else None for read in reads} == {"widget"}


async def test_with_redis_unreachable_reads_and_writes_use_the_store_and_count_fallbacks(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings
) -> None:
    item = await create(client, quantity=1)
    async with cache_for(settings, cache_url=SecretStr(NO_REDIS)) as down:
        items = CachedItemRepository(fronted_store(app), down)

        read = await items.get(item["id"])
        updated = await items.update(item["id"], {"quantity": 2})
        with pytest.raises(Degraded):
            await down.check()

        assert read is not None
        assert read.quantity == 1
        assert updated is not None
        assert updated.quantity == 2
        assert down.metrics.fallbacks.labels("read")._value.get() == 1
        assert down.metrics.fallbacks.labels("invalidate")._value.get() == 1


async def test_ready_reports_an_unreachable_cache_as_degraded_and_stays_ready(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings
) -> None:
    async with cache_for(settings, cache_url=SecretStr(NO_REDIS)) as down:
        container_of_app(app).readiness_checks["cache"] = down.check

        response = await client.get("/ready")

    assert response.status_code == 200, response.text
    assert response.json()["checks"]["cache"] == "degraded"


async def test_the_cache_comes_back_without_a_restart_when_redis_does(
    redis_url: str, app: FastAPI, client: httpx.AsyncClient, settings: Settings
) -> None:
    item = await create(client)
    gate = Gate(redis_url)
    async with (
        gate as gated_url,
        cache_for(settings, cache_url=SecretStr(gated_url), cache_retry_seconds=0.05) as cache,
    ):
        items = CachedItemRepository(fronted_store(app), cache)
        assert await items.get(item["id"]) is not None
        gate.cut()

        assert await items.get(item["id"]) is not None
        gate.open = True
        await asyncio.sleep(0.1)
        await cache.check()
        assert await items.get(item["id"]) is not None

    fallbacks = cache.metrics.fallbacks.labels("read")._value.get()
    assert fallbacks == 1
    assert cache.metrics.hits._value.get() == 1
{%- if cookiecutter.auth == "jwt" %}


async def test_login_throttles_share_counts_in_redis_and_count_alone_while_it_is_unreachable(
    redis_url: str, settings: Settings
) -> None:
    from app.auth.throttle import LoginThrottle, LoginThrottled

    unreachable = settings.model_copy(update={"cache_url": SecretStr(NO_REDIS)})
    alone = LoginThrottle(unreachable)
    for first, second in [(LoginThrottle(settings), LoginThrottle(settings)), (alone, alone)]:
        for _ in range(settings.login_failures_per_account):
            await first.admit("ann@example.com", "192.0.2.1")
            await first.failed("ann@example.com", "192.0.2.1")

        with pytest.raises(LoginThrottled):
            await second.admit("ann@example.com", "192.0.2.1")
{%- endif %}
