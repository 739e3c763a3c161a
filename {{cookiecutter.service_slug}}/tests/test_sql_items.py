"""The item store's two read paths return the same items; a page is an index range read.

With TEST_DATABASE_URL on PostgreSQL, `get` reads through a plain asyncpg pool
(app.database.create_read_pool); on SQLite there is no such pool and the
engine serves every read. Either way the result must equal SQLAlchemy's.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import make_url

from app.config import Settings
from app.container import container_of_app
from app.database import create_read_pool
from app.pagination import Bound
from app.repositories.sql_items import PAGE_READS, SqlItemRepository


def on_postgresql(app: FastAPI) -> bool:
    url = make_url(container_of_app(app).settings.database_url)
    return bool(url.get_backend_name() == "postgresql")


def engine_only(app: FastAPI) -> SqlItemRepository:
    """The same store without the driver pool: every read through SQLAlchemy."""
    return SqlItemRepository(container_of_app(app).store.engine)


async def test_the_served_read_equals_the_engine_read(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    response = await client.post("/items", json={"name": "gauge", "quantity": 7})
    item_id = response.json()["id"]

    served = await container_of_app(app).items.get(item_id)
    via_engine = await engine_only(app).get(item_id)

    assert served is not None
    assert served == via_engine
    assert served.description is None
    assert served.created_at.tzinfo is not None


async def test_a_missing_item_is_none_on_both_paths(app: FastAPI) -> None:
    assert await container_of_app(app).items.get(424242) is None
    assert await engine_only(app).get(424242) is None


async def test_postgresql_reads_go_through_the_driver_pool(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    response = await client.post("/items", json={"name": "dial", "quantity": 1})
    item_id = response.json()["id"]
    pool = container_of_app(app).store.read_pool

    if not on_postgresql(app):
        assert pool is None
        return
    assert pool is not None
    # The pool connects lazily: the read below opens its first connection.
    assert pool.get_size() == 0
    assert (await client.get(f"/items/{item_id}")).status_code == 200
    assert pool.get_size() == 1
    assert pool.get_idle_size() == 1


async def test_more_concurrent_reads_than_connections_all_succeed(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    response = await client.post("/items", json={"name": "crowd", "quantity": 3})
    item_id = response.json()["id"]
    repository = container_of_app(app).items
    readers = 3 * container_of_app(app).settings.database_pool_size

    found = await asyncio.gather(*(repository.get(item_id) for _ in range(readers)))

    assert {item.name if item else None for item in found} == {"crowd"}


async def test_the_read_pool_takes_the_engine_url_and_connects_lazily() -> None:
    # Nothing listens on port 1: creating the pool must not try to connect.
    url = "postgresql+asyncpg://user:secret@127.0.0.1:1/db?prepared_statement_cache_size=0"
    pool = await create_read_pool(Settings(environment="test", database_url=url, _env_file=None))

    assert pool is not None
    try:
        assert pool.get_size() == 0
    finally:
        await pool.close()


async def test_sqlite_has_no_read_pool(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}"
    settings = Settings(environment="test", database_url=url, _env_file=None)

    assert await create_read_pool(settings) is None


@pytest.mark.parametrize("bound", list(Bound))
async def test_a_page_walks_the_primary_key_index_without_sorting(
    app: FastAPI, bound: Bound
) -> None:
    engine = container_of_app(app).store.engine
    compiled = PAGE_READS[bound].compile(dialect=engine.dialect)
    sql = str(compiled)
    # SQLAlchemy's SQLite compiler adds `OFFSET 0` (a literal, skipping nothing).
    given = {**compiled.params, "key": 1, "limit": 21}
    values = tuple(given[name] for name in compiled.positiontup or ())

    async with engine.connect() as connection:
        if on_postgresql(app):
            # A near-empty table is cheaper to read whole; at size the planner takes the
            # ordered index scan by cost. What matters here: the index can serve the read
            # in order, so no sort and no scan of the rows before the page.
            for method in ("seqscan", "bitmapscan"):
                await connection.exec_driver_sql(f"SET LOCAL enable_{method} = off")
            rows = await connection.exec_driver_sql(f"EXPLAIN {sql}", values)
            plan = "\n".join(row[0] for row in rows)
            assert re.search(r"Index Scan (Backward )?using pk_items on items", plan), plan
        else:
            rows = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", values)
            plan = "\n".join(row[-1] for row in rows)
            assert "SEARCH items USING INTEGER PRIMARY KEY" in plan, plan
    assert "Sort" not in plan
    assert "TEMP B-TREE" not in plan
