"""The database the tests use: a randomly named one on the TEST_MONGODB_URL server.

The tests need a MongoDB server: set TEST_MONGODB_URL=mongodb://HOST:27017 (for
a local one, `docker run -d -p 27017:27017 mongo:8`). They never touch the
development database: each run uses a randomly named database on that server
and drops it afterwards. Collections are emptied between tests, so no test
sees another's data.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from pymongo import AsyncMongoClient

from app.container import container_of_app

# Long enough for a busy server, short enough that a stuck start-up fails the test.
STARTUP_TIMEOUT_SECONDS = 10


@pytest.fixture(scope="session")
def mongodb_url() -> str:
    url = os.environ.get("TEST_MONGODB_URL")
    if not url:
        pytest.fail(
            "TEST_MONGODB_URL is not set: the tests need a MongoDB server, e.g. "
            "`docker run -d -p 27017:27017 mongo:8` and "
            "TEST_MONGODB_URL=mongodb://127.0.0.1:27017",
            pytrace=False,
        )
    return url


async def _drop_database(url: str, name: str) -> None:
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(url)
    try:
        await client.drop_database(name)
    finally:
        await client.close()


@pytest.fixture(scope="session")
def database_name(mongodb_url: str) -> Iterator[str]:
    name = f"test_{uuid.uuid4().hex[:12]}"
    yield name
    asyncio.run(_drop_database(mongodb_url, name))


@pytest.fixture
def store_settings(mongodb_url: str, database_name: str) -> dict[str, Any]:
    return {"mongodb_url": mongodb_url, "mongodb_database": database_name}


@asynccontextmanager
async def store_under_test(app: FastAPI) -> AsyncIterator[None]:
    """Yields once the indexes exist; empties every collection afterwards."""
    store = container_of_app(app).store
    async with asyncio.timeout(STARTUP_TIMEOUT_SECONDS):
        await store.index_setup.done.wait()
    yield
    for name in await store.database.list_collection_names():
        await store.database[name].delete_many({})
