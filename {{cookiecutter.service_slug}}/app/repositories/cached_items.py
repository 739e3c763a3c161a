"""Cache-aside in front of the item store for reads by id, never stale after a write.

Each item has one Redis hash, `<prefix>:item:<id>`, with a `generation` and,
while cached, the item's JSON as `value`:

- a read fetches both in one round trip and answers from `value` if present;
- on a miss it reads the database, then stores `value` only if `generation`
  is still the one it saw before that read (one Lua script, so atomic);
- every write, after its commit and before it answers, increments
  `generation` and deletes `value` in one script.

A read that raced a write therefore cannot put the old item back: the write
changed the generation after the read saw it, and the store is refused. A
value present is always one read under the current generation, so any reader
after a write, on any replica, reads the database or the write's result.

Concurrent misses for one item and generation share one database read in this
process. While Redis is unavailable, reads go to the database uncoalesced (no
generation to tell a read from before a write on another replica from one
after it) and writes still try to invalidate.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import datetime
from typing import Any, cast

import orjson
from redis.asyncio import Redis

from app.cache import Cache, CacheUnavailable
from app.models.item import Item, ItemChanges, ItemId, NewItemRecord
from app.pagination import Position
from app.repositories.items import ItemRepository

STORE_IF_UNCHANGED = """
if (redis.call('HGET', KEYS[1], 'generation') or '0') == ARGV[1] then
  redis.call('HSET', KEYS[1], 'value', ARGV[2])
  redis.call('EXPIRE', KEYS[1], ARGV[3])
  return 1
end
return 0
"""
INVALIDATE = """
redis.call('HINCRBY', KEYS[1], 'generation', 1)
redis.call('HDEL', KEYS[1], 'value')
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 1
"""


class CachedItemRepository:
    def __init__(self, repository: ItemRepository, cache: Cache) -> None:
        self._repository = repository
        self._cache = cache
        self._store_if_unchanged = cache.client.register_script(STORE_IF_UNCHANGED)
        self._invalidate = cache.client.register_script(INVALIDATE)
        # In-flight database reads by item and the generation they were started under.
        self._loads: dict[ItemId, dict[bytes, asyncio.Task[Item | None]]] = {}

    @property
    def repository(self) -> ItemRepository:
        """The store it fronts."""
        return self._repository

    def _key(self, item_id: ItemId) -> str:
        return f"{self._cache.key_prefix}:item:{item_id}"

    async def get(self, item_id: ItemId) -> Item | None:
        key = self._key(item_id)
        try:
            generation, value = await self._cache.call("read", lambda redis: _entry(redis, key))
        except CacheUnavailable:
            return await self._repository.get(item_id)
        if value is not None:
            self._cache.metrics.hits.inc()
            return decode(value)
        self._cache.metrics.misses.inc()
        loads = self._loads.setdefault(item_id, {})
        load = loads.get(generation)
        if load is None:
            load = loads[generation] = asyncio.create_task(self._load(item_id, key, generation))
            load.add_done_callback(lambda _: self._forget(item_id, generation, load))
        # Shielded: one caller giving up must not cancel the read the others wait for.
        return await asyncio.shield(load)

    async def _load(self, item_id: ItemId, key: str, generation: bytes) -> Item | None:
        started = time.monotonic()
        item = await self._repository.get(item_id)
        # A read slower than an entry's life could see a generation that expired and
        # restarted at the same number; do not store what it found.
        if item is not None and time.monotonic() - started < self._cache.ttl_seconds / 2:
            args: list[bytes | int] = [generation, encode(item), self._cache.ttl_seconds]
            # Counted as a fallback; the next read tries again.
            with contextlib.suppress(CacheUnavailable):
                await self._cache.call(
                    "fill", lambda _: self._store_if_unchanged(keys=[key], args=args)
                )
        return item

    def _forget(self, item_id: ItemId, generation: bytes, load: asyncio.Task[Item | None]) -> None:
        loads = self._loads.get(item_id)
        if loads is not None and loads.get(generation) is load:
            del loads[generation]
            if not loads:
                del self._loads[item_id]

    async def _invalidated(self, item_id: ItemId) -> None:
        # Reads in this process that start from now on must not join a read from before.
        self._loads.pop(item_id, None)
        key = self._key(item_id)
        # Counted and logged; the entry's TTL bounds how long it can outlive the write.
        with contextlib.suppress(CacheUnavailable):
            await self._cache.call(
                "invalidate",
                lambda _: self._invalidate(keys=[key], args=[self._cache.ttl_seconds]),
            )

    async def scan(self, position: Position | None, *, limit: int) -> list[Item]:
        return await self._repository.scan(position, limit=limit)

    async def count(self) -> int:
        return await self._repository.count()

    async def add(self, new_item: NewItemRecord) -> Item:
        # Misses are not cached, so a new item has nothing to invalidate.
        return await self._repository.add(new_item)

    async def update(self, item_id: ItemId, changes: ItemChanges) -> Item | None:
        try:
            return await self._repository.update(item_id, changes)
        finally:
            # Also after a failure: the write may have committed before the error reached us.
            await self._invalidated(item_id)

    async def delete(self, item_id: ItemId) -> bool:
        try:
            return await self._repository.delete(item_id)
        finally:
            await self._invalidated(item_id)


async def _entry(redis: Redis, key: str) -> tuple[bytes, bytes | None]:
    # The client does not decode responses: fields come back as bytes.
    fields = cast("list[bytes | None]", await redis.hmget(key, ["generation", "value"]))
    generation, value = fields
    return generation or b"0", value


def encode(item: Item) -> bytes:
    return orjson.dumps(item)


def decode(value: bytes) -> Item:
    fields: dict[str, Any] = orjson.loads(value)
    fields["created_at"] = datetime.fromisoformat(fields["created_at"])
    fields["updated_at"] = datetime.fromisoformat(fields["updated_at"])
    return Item(**fields)
