"""Item store on SQLAlchemy Core (PostgreSQL via asyncpg, SQLite via aiosqlite).

Core rather than the ORM: statements are built once at import and their
compiled form is cached. On PostgreSQL the single-item read, the hot path,
skips SQLAlchemy and runs the same statement on asyncpg directly (decision 0014).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, fields
from datetime import UTC, datetime
from typing import Any

import asyncpg
from sqlalchemy import ColumnElement, Row, Select, bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.models.item import Item, ItemChanges, ItemId, NewItemRecord
from app.pagination import Bound, Position
from app.repositories.items import DuplicateNameError
from app.repositories.tables import items

# Item's fields in declaration order, so a driver row maps onto Item positionally.
_COLUMNS = [items.c[field.name] for field in fields(Item)]
_SELECT_ONE = select(*_COLUMNS).where(items.c.id == bindparam("item_id"))
_COUNT = select(func.count()).select_from(items)


def _scan(order: ColumnElement[Any], condition: ColumnElement[bool] | None = None) -> Select[Any]:
    """A range read of the primary key's index: no OFFSET, so every page costs the same."""
    statement = select(*_COLUMNS)
    if condition is not None:
        statement = statement.where(condition)
    return statement.order_by(order).limit(bindparam("limit"))


_KEY = bindparam("key", type_=items.c.id.type)
_FIRST_PAGE = _scan(items.c.id.asc())
# Public so tests/test_sql_items.py can check each one's query plan.
PAGE_READS = {
    Bound.AFTER: _scan(items.c.id.asc(), items.c.id > _KEY),
    Bound.FROM: _scan(items.c.id.asc(), items.c.id >= _KEY),
    Bound.BEFORE: _scan(items.c.id.desc(), items.c.id < _KEY),
    Bound.UP_TO: _scan(items.c.id.desc(), items.c.id <= _KEY),
}
_INSERT = insert(items).returning(*_COLUMNS)
_DELETE = delete(items).where(items.c.id == bindparam("item_id"))


def _to_item(row: Row[Any]) -> Item:
    return Item(**row._mapping)


class _DriverReads:
    """`get` straight on asyncpg: SQLAlchemy's execute costs ~3x the driver's fetchrow."""

    def __init__(self, pool: asyncpg.Pool, sql: str, *, timeout_seconds: float | None) -> None:
        self._pool = pool
        self._sql = sql
        self._timeout = timeout_seconds
        # Waiters queue at a FIFO gate sized like the pool: asyncio's Semaphore
        # serves them in arrival order, where the pool's own queue lets a newcomer
        # take the connection a waiter was just woken for (the long p99 under
        # load). Past the gate a connection is always free.
        self._gate = asyncio.Semaphore(pool.get_max_size())

    async def get(self, item_id: ItemId) -> Item | None:
        # Only a wait needs a timer (bounded like the engine's pool_timeout);
        # arming one on every call would cost ~6% of a read.
        if self._gate.locked():
            async with asyncio.timeout(self._timeout):
                await self._gate.acquire()
        else:
            await self._gate.acquire()
        try:
            async with self._pool.acquire() as connection:
                record = await connection.fetchrow(self._sql, item_id)
        finally:
            self._gate.release()
        return None if record is None else Item(*record)


class SqlItemRepository:
    """Each write is one transaction; the `_insert`/`_update`/`_delete` steps run inside one."""

    def __init__(
        self,
        engine: AsyncEngine,
        read_pool: asyncpg.Pool | None = None,
        *,
        read_timeout_seconds: float | None = None,
    ) -> None:
        self._engine = engine
        # Single-statement reads need no transaction: autocommit saves the BEGIN and
        # ROLLBACK round trips that would otherwise triple the cost of a read.
        self._reader = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._driver_reads = (
            None
            if read_pool is None
            else _DriverReads(
                read_pool,
                # The same statement, compiled once for the driver itself ($1 placeholders).
                str(_SELECT_ONE.compile(dialect=engine.dialect)),
                timeout_seconds=read_timeout_seconds,
            )
        )

    async def scan(self, position: Position | None, *, limit: int) -> list[Item]:
        if position is None:
            statement, values = _FIRST_PAGE, {"limit": limit}
        else:
            statement, values = PAGE_READS[position.bound], {"key": position.key, "limit": limit}
        async with self._reader.connect() as connection:
            rows = await connection.execute(statement, values)
            return [_to_item(row) for row in rows]

    async def count(self) -> int:
        async with self._reader.connect() as connection:
            total: int = (await connection.execute(_COUNT)).scalar_one()
            return total

    async def get(self, item_id: ItemId) -> Item | None:
        if self._driver_reads is not None:
            return await self._driver_reads.get(item_id)
        async with self._reader.connect() as connection:
            row = (await connection.execute(_SELECT_ONE, {"item_id": item_id})).first()
        return None if row is None else _to_item(row)

    async def add(self, new_item: NewItemRecord) -> Item:
        async with self._writing(new_item.name) as connection:
            return await self._insert(connection, new_item)

    async def update(self, item_id: ItemId, changes: ItemChanges) -> Item | None:
        async with self._writing(changes.get("name")) as connection:
            return await self._update(connection, item_id, changes)

    async def delete(self, item_id: ItemId) -> bool:
        async with self._engine.begin() as connection:
            return await self._delete(connection, item_id)

    @asynccontextmanager
    async def _writing(self, name: str | None) -> AsyncIterator[AsyncConnection]:
        """A transaction whose unique-name violation, at any statement or the commit, is ours."""
        try:
            async with self._engine.begin() as connection:
                yield connection
        except IntegrityError as error:
            raise DuplicateNameError(str(name)) from error

    async def _insert(self, connection: AsyncConnection, new_item: NewItemRecord) -> Item:
        now = datetime.now(UTC)
        values = {**asdict(new_item), "created_at": now, "updated_at": now}
        return _to_item((await connection.execute(_INSERT, values)).one())

    async def _update(
        self, connection: AsyncConnection, item_id: ItemId, changes: ItemChanges
    ) -> Item | None:
        statement = (
            update(items)
            .where(items.c.id == item_id)
            .values(**changes, updated_at=datetime.now(UTC))
            .returning(*_COLUMNS)
        )
        row = (await connection.execute(statement)).first()
        return None if row is None else _to_item(row)

    async def _delete(self, connection: AsyncConnection, item_id: ItemId) -> bool:
        result = await connection.execute(_DELETE, {"item_id": item_id})
        return result.rowcount > 0
