"""The item store's driver and engine paths agree; a page is an index range read.

With TEST_DATABASE_URL on PostgreSQL, `get` and every write run on a plain
asyncpg pool (app.database.create_driver_pool); on SQLite there is no such
pool and the engine serves everything. Either way the result must equal SQLAlchemy's.
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
from app.database import create_driver_pool
from app.pagination import Bound
from app.repositories.sql_items import PAGE_READS, SqlItemRepository
from app.schemas.item import ItemRead


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


async def test_postgresql_item_reads_and_writes_go_through_the_driver_pool(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    pool = container_of_app(app).store.driver_pool
    if not on_postgresql(app):
        assert pool is None
        return
    assert pool is not None
    # The pool connects lazily: the write below opens its first connection.
    assert pool.get_size() == 0
    response = await client.post("/items", json={"name": "dial", "quantity": 1})
    assert response.status_code == 201
    assert pool.get_size() == 1
    assert (await client.get(f"/items/{response.json()['id']}")).status_code == 200
    assert pool.get_size() == 1
    assert pool.get_idle_size() == 1


async def test_the_written_item_is_what_the_engine_reads(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    created = (await client.post("/items", json={"name": "lever", "quantity": 2})).json()
    path = f"/items/{created['id']}"
    patched = (await client.patch(path, json={"description": "long"})).json()

    via_engine = await engine_only(app).get(created["id"])

    assert via_engine is not None
    assert ItemRead.model_validate(via_engine).model_dump(mode="json") == patched
    assert patched["quantity"] == 2
    assert patched["updated_at"] > created["updated_at"]


async def test_writes_of_a_missing_item_change_nothing(app: FastAPI) -> None:
    items = container_of_app(app).items

    assert await items.update(424242, {"quantity": 1}) is None
    assert await items.delete(424242) is False
    assert await engine_only(app).get(424242) is None


async def test_more_concurrent_writes_than_connections_all_succeed(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    writers = 3 * container_of_app(app).settings.database_pool_size

    responses = await asyncio.gather(
        *(client.post("/items", json={"name": f"rush-{n}", "quantity": n}) for n in range(writers))
    )

    assert [response.status_code for response in responses] == [201] * writers
    assert len({response.json()["id"] for response in responses}) == writers


async def test_more_concurrent_reads_than_connections_all_succeed(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    response = await client.post("/items", json={"name": "crowd", "quantity": 3})
    item_id = response.json()["id"]
    repository = container_of_app(app).items
    readers = 3 * container_of_app(app).settings.database_pool_size

    found = await asyncio.gather(*(repository.get(item_id) for _ in range(readers)))

    assert {item.name if item else None for item in found} == {"crowd"}


async def test_the_driver_pool_takes_the_engine_url_and_connects_lazily() -> None:
    # Nothing listens on port 1: creating the pool must not try to connect.
    url = "postgresql+asyncpg://user:secret@127.0.0.1:1/db?prepared_statement_cache_size=0"
    pool = await create_driver_pool(Settings(environment="test", database_url=url, _env_file=None))

    assert pool is not None
    try:
        assert pool.get_size() == 0
    finally:
        await pool.close()


async def test_sqlite_has_no_driver_pool(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}"
    settings = Settings(environment="test", database_url=url, _env_file=None)

    assert await create_driver_pool(settings) is None


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
