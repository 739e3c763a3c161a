"""Item store on SQLAlchemy Core (PostgreSQL via asyncpg, SQLite via aiosqlite).

Core rather than the ORM: statements are built once at import and their
compiled form is cached. On PostgreSQL the item reads (one item, a page, the
count) and every write, the hot paths, skip SQLAlchemy's execute and run the
same statements on asyncpg directly, one round trip each (decisions 0014 and 0027).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Callable, Hashable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

import asyncpg
from sqlalchemy import (
    ColumnElement,
    Dialect,
    Row,
    Select,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import ReturningDelete, ReturningInsert, ReturningUpdate
from sqlalchemy.sql.elements import ClauseElement

from app.models.item import Item, ItemChanges, ItemId, NewItemRecord
from app.pagination import Bound, Position
from app.repositories.items import DuplicateNameError
from app.repositories.tables import items

# Item's fields in declaration order, so a driver row maps onto Item positionally.
_COLUMNS = [items.c[field.name] for field in fields(Item)]
_NEW_ITEM_FIELDS = tuple(field.name for field in fields(NewItemRecord))
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
# Every write returns what it changed: a missing row comes back as no row.
_INSERT = (
    insert(items)
    .values({column.name: bindparam(column.name, type_=column.type) for column in _COLUMNS[1:]})
    .returning(*_COLUMNS)
)
_DELETE = delete(items).where(items.c.id == bindparam("item_id")).returning(items.c.id)
ReturningWrite = ReturningInsert[Any] | ReturningUpdate[Any] | ReturningDelete[Any]


@functools.cache
def _update_of(keys: tuple[str, ...]) -> ReturningUpdate[Any]:
    """The UPDATE of these columns (and `updated_at`): one statement per set of changed fields."""
    return (
        update(items)
        .where(items.c.id == bindparam("item_id"))
        .values({key: bindparam(key, type_=items.c[key].type) for key in (*keys, "updated_at")})
        .returning(*_COLUMNS)
    )


def _to_item(row: Row[Any]) -> Item:
    return Item(**row._mapping)


@dataclass(frozen=True, slots=True)
class DriverStatement:
    """A Core statement compiled once for asyncpg: `$n` placeholders and their names in order."""

    sql: str
    names: tuple[str, ...]

    @classmethod
    def of(cls, statement: ClauseElement, dialect: Dialect) -> DriverStatement:
        compiled = statement.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)  # a statement compiles to SQL
        return cls(str(compiled), tuple(compiled.positiontup or ()))

    def arguments(self, values: Mapping[str, object]) -> list[object]:
        return [values[name] for name in self.names]


class Driver:
    """Single statements straight on asyncpg, in autocommit: one round trip each.

    SQLAlchemy's execute costs ~3x the driver's fetchrow, and its `begin()`
    adds BEGIN and COMMIT round trips that a single statement does not need.
    """

    def __init__(
        self, pool: asyncpg.Pool, dialect: Dialect, *, timeout_seconds: float | None
    ) -> None:
        self._pool = pool
        self._dialect = dialect
        self._timeout = timeout_seconds
        self._statements: dict[Hashable, DriverStatement] = {}
        # Waiters queue at a FIFO gate sized like the pool: asyncio's Semaphore
        # serves them in arrival order, where the pool's own queue lets a newcomer
        # take the connection a waiter was just woken for (the long p99 under
        # load). Past the gate a connection is always free.
        self._gate = asyncio.Semaphore(pool.get_max_size())

    def statement(self, key: Hashable, build: Callable[[], ClauseElement]) -> DriverStatement:
        """The compiled form of the statement `build` makes, compiled on first use."""
        statement = self._statements.get(key)
        if statement is None:
            statement = self._statements[key] = DriverStatement.of(build(), self._dialect)
        return statement

    async def fetchrow(
        self, statement: DriverStatement, values: Mapping[str, object]
    ) -> asyncpg.Record | None:
        await self._pass_gate()
        try:
            async with self._pool.acquire() as connection:
                record: asyncpg.Record | None = await connection.fetchrow(
                    statement.sql, *statement.arguments(values)
                )
        finally:
            self._gate.release()
        return record

    async def fetch(
        self, statement: DriverStatement, values: Mapping[str, object]
    ) -> list[asyncpg.Record]:
        await self._pass_gate()
        try:
            async with self._pool.acquire() as connection:
                records: list[asyncpg.Record] = await connection.fetch(
                    statement.sql, *statement.arguments(values)
                )
        finally:
            self._gate.release()
        return records

    async def _pass_gate(self) -> None:
        # Only a wait needs a timer (bounded like the engine's pool_timeout);
        # arming one on every call would cost ~6% of a read. Plain awaits, not
        # a generator-based context manager: that costs another ~5% of a read.
        if self._gate.locked():
            async with asyncio.timeout(self._timeout):
                await self._gate.acquire()
        else:
            await self._gate.acquire()


class SqlItemRepository:
    """Each read and write is one statement on PostgreSQL; a write is one transaction on SQLite.

    On PostgreSQL (`driver` given) a write is a single statement in autocommit,
    atomic on its own; the outbox repository adds its event to that same
    statement. On SQLite the `_insert`/`_update`/`_delete` steps run inside one
    engine transaction.
    """

    def __init__(self, engine: AsyncEngine, driver: Driver | None = None) -> None:
        self._engine = engine
        # Single-statement reads need no transaction: autocommit saves the BEGIN and
        # ROLLBACK round trips that would otherwise triple the cost of a read.
        self._reader = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._driver = driver

    async def scan(self, position: Position | None, *, limit: int) -> list[Item]:
        if position is None:
            key, statement, values = None, _FIRST_PAGE, {"limit": limit}
        else:
            key, statement = position.bound, PAGE_READS[position.bound]
            values = {"key": position.key, "limit": limit}
        if (driver := self._driver) is not None:
            compiled = driver.statement(("scan", key), lambda: statement)
            return [Item(*record) for record in await driver.fetch(compiled, values)]
        async with self._reader.connect() as connection:
            rows = await connection.execute(statement, values)
            return [_to_item(row) for row in rows]

    async def count(self) -> int:
        if (driver := self._driver) is not None:
            record = await driver.fetchrow(driver.statement("count", lambda: _COUNT), {})
            assert record is not None  # count(*) always returns its row
            return int(record[0])
        async with self._reader.connect() as connection:
            total: int = (await connection.execute(_COUNT)).scalar_one()
            return total

    async def get(self, item_id: ItemId) -> Item | None:
        if (driver := self._driver) is not None:
            statement = driver.statement("get", lambda: _SELECT_ONE)
            record = await driver.fetchrow(statement, {"item_id": item_id})
            return None if record is None else Item(*record)
        async with self._reader.connect() as connection:
            row = (await connection.execute(_SELECT_ONE, {"item_id": item_id})).first()
        return None if row is None else _to_item(row)

    async def add(self, new_item: NewItemRecord) -> Item:
        if (driver := self._driver) is not None:
            values = _new_values(new_item)
            record = await self._drive(driver, "created", _INSERT, values, new_item.name)
            assert record is not None  # an INSERT returns the row it added
            return Item(*record)
        async with self._writing(new_item.name) as connection:
            return await self._insert(connection, new_item)

    async def update(self, item_id: ItemId, changes: ItemChanges) -> Item | None:
        if (driver := self._driver) is not None:
            values = {**changes, "updated_at": datetime.now(UTC), "item_id": item_id}
            key = ("updated", *changes)
            change = _update_of(tuple(changes))
            record = await self._drive(driver, key, change, values, changes.get("name"))
            return None if record is None else Item(*record)
        async with self._writing(changes.get("name")) as connection:
            return await self._update(connection, item_id, changes)

    async def delete(self, item_id: ItemId) -> bool:
        if (driver := self._driver) is not None:
            return await self._drive(driver, "deleted", _DELETE, {"item_id": item_id}) is not None
        async with self._engine.begin() as connection:
            return await self._delete(connection, item_id)

    def _driver_write(self, change: ReturningWrite, action: str) -> ClauseElement:
        """The statement a driver write runs: the change itself (the outbox adds its event)."""
        return change

    def _driver_values(self) -> dict[str, object]:
        """Values the statements of `_driver_write` need beyond the change's own."""
        return {}

    async def _drive(
        self,
        driver: Driver,
        key: str | tuple[str, ...],
        change: ReturningWrite,
        values: Mapping[str, object],
        name: str | None = None,
    ) -> asyncpg.Record | None:
        action = key if isinstance(key, str) else key[0]
        statement = driver.statement(key, lambda: self._driver_write(change, action))
        try:
            return await driver.fetchrow(statement, {**values, **self._driver_values()})
        except asyncpg.UniqueViolationError as error:
            raise DuplicateNameError(str(name)) from error

    @asynccontextmanager
    async def _writing(self, name: str | None) -> AsyncIterator[AsyncConnection]:
        """A transaction whose unique-name violation, at any statement or the commit, is ours."""
        try:
            async with self._engine.begin() as connection:
                yield connection
        except IntegrityError as error:
            raise DuplicateNameError(str(name)) from error

    async def _insert(self, connection: AsyncConnection, new_item: NewItemRecord) -> Item:
        return _to_item((await connection.execute(_INSERT, _new_values(new_item))).one())

    async def _update(
        self, connection: AsyncConnection, item_id: ItemId, changes: ItemChanges
    ) -> Item | None:
        values = {**changes, "updated_at": datetime.now(UTC), "item_id": item_id}
        row = (await connection.execute(_update_of(tuple(changes)), values)).first()
        return None if row is None else _to_item(row)

    async def _delete(self, connection: AsyncConnection, item_id: ItemId) -> bool:
        return (await connection.execute(_DELETE, {"item_id": item_id})).first() is not None


def _new_values(new_item: NewItemRecord) -> dict[str, object]:
    now = datetime.now(UTC)
    # Not dataclasses.asdict: it walks and copies every value on each write.
    values: dict[str, object] = {name: getattr(new_item, name) for name in _NEW_ITEM_FIELDS}
    values["created_at"] = values["updated_at"] = now
    return values
