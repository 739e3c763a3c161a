"""Item store on SQLAlchemy Core (PostgreSQL via asyncpg, SQLite via aiosqlite).

Core rather than the ORM: statements are built once at import and their
compiled form is cached. On PostgreSQL the single-item read, the hot path,
skips SQLAlchemy and runs the same statement on asyncpg directly (decision 0014).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import fields
from datetime import UTC, datetime
from typing import Any

import asyncpg
from sqlalchemy import Row, bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

{% if cookiecutter.broker != "none" -%}
from app.events import sql_outbox
from app.events.outbox import OutboxSignal
from app.events.schema import item_changed, item_deleted
{% endif -%}
from app.models.item import Item, ItemId, ItemPage, NewItem
from app.repositories.items import DuplicateNameError
from app.repositories.tables import items

# Item's fields in declaration order, so a driver row maps onto Item positionally.
_SELECT_ONE = select(*(items.c[field.name] for field in fields(Item))).where(
    items.c.id == bindparam("item_id")
)
_SELECT_PAGE = (
    select(items).order_by(items.c.id).limit(bindparam("limit")).offset(bindparam("offset"))
)
_COUNT = select(func.count()).select_from(items)
_INSERT = insert(items).returning(*items.c)
_DELETE = delete(items).where(items.c.id == bindparam("item_id"))


def _to_item(row: Row[Any]) -> Item:
    return Item(
        id=row.id,
        name=row.name,
        description=row.description,
        quantity=row.quantity,
        created_at=row.created_at,
        updated_at=row.updated_at,
{%- if cookiecutter.auth == "jwt" %}
        owner_id=row.owner_id,
{%- endif %}
    )


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
{%- if cookiecutter.broker != "none" %}
    """Every change stages its event in the outbox, in the change's transaction."""
{% endif %}
    def __init__(
        self,
        engine: AsyncEngine,
{%- if cookiecutter.broker != "none" %}
        outbox_signal: OutboxSignal,
{%- endif %}
        read_pool: asyncpg.Pool | None = None,
        *,
        read_timeout_seconds: float | None = None,
    ) -> None:
        self._engine = engine
{%- if cookiecutter.broker != "none" %}
        self._outbox_signal = outbox_signal
{%- endif %}
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

    async def page(self, *, limit: int, offset: int) -> ItemPage:
        # One transaction so the total and the page come from the same snapshot.
        async with self._engine.connect() as connection:
            total = (await connection.execute(_COUNT)).scalar_one()
            rows = await connection.execute(_SELECT_PAGE, {"limit": limit, "offset": offset})
            return ItemPage(
                items=[_to_item(row) for row in rows], total=total, limit=limit, offset=offset
            )

    async def get(self, item_id: ItemId) -> Item | None:
        if self._driver_reads is not None:
            return await self._driver_reads.get(item_id)
        async with self._reader.connect() as connection:
            row = (await connection.execute(_SELECT_ONE, {"item_id": item_id})).first()
        return None if row is None else _to_item(row)

    async def add(self, new_item: NewItem{% if cookiecutter.auth == "jwt" %}, owner_id: str{% endif %}) -> Item:
        now = datetime.now(UTC)
        values = {
            "name": new_item.name,
            "description": new_item.description,
            "quantity": new_item.quantity,
            "created_at": now,
            "updated_at": now,
{%- if cookiecutter.auth == "jwt" %}
            "owner_id": owner_id,
{%- endif %}
        }
        try:
            async with self._engine.begin() as connection:
                row = (await connection.execute(_INSERT, values)).one()
{%- if cookiecutter.broker != "none" %}
                await sql_outbox.stage(connection, item_changed("item.created", _to_item(row)))
{%- endif %}
        except IntegrityError as error:
            raise DuplicateNameError(new_item.name) from error
{%- if cookiecutter.broker != "none" %}
        self._outbox_signal.notify()
{%- endif %}
        return _to_item(row)

    async def update(self, item_id: ItemId, changes: Mapping[str, Any]) -> Item | None:
        statement = (
            update(items)
            .where(items.c.id == item_id)
            .values(**changes, updated_at=datetime.now(UTC))
            .returning(*items.c)
        )
        try:
            async with self._engine.begin() as connection:
                row = (await connection.execute(statement)).first()
{%- if cookiecutter.broker != "none" %}
                if row is None:
                    return None
                await sql_outbox.stage(connection, item_changed("item.updated", _to_item(row)))
        except IntegrityError as error:
            raise DuplicateNameError(str(changes.get("name"))) from error
        self._outbox_signal.notify()
        return _to_item(row)
{%- else %}
        except IntegrityError as error:
            raise DuplicateNameError(str(changes.get("name"))) from error
        return None if row is None else _to_item(row)
{%- endif %}

    async def delete(self, item_id: ItemId) -> bool:
        async with self._engine.begin() as connection:
            result = await connection.execute(_DELETE, {"item_id": item_id})
{%- if cookiecutter.broker != "none" %}
            if result.rowcount == 0:
                return False
            await sql_outbox.stage(connection, item_deleted(item_id))
        self._outbox_signal.notify()
        return True
{%- else %}
        return result.rowcount > 0
{%- endif %}
