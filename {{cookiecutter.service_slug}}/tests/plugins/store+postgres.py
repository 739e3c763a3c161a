"""The database the tests use: a throwaway SQLite file, or a throwaway PostgreSQL database.

Tests never touch the development database. By default they use a throwaway
SQLite file; with TEST_DATABASE_URL=postgresql+asyncpg://USER:PASS@HOST/DB they
create a throwaway database on that server, migrate it with Alembic, and drop
it afterwards. Rows are deleted between tests, so no test sees another's data.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from fastapi import FastAPI
from sqlalchemy import delete, make_url
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import create_async_engine

from app.container import container_of_app
from app.repositories.tables import metadata

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent


def alembic_config(url: str) -> Config:
    config = Config(PROJECT_ROOT / "alembic.ini")
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["configure_logger"] = False
    return config


def migrate(url: str) -> None:
    command.upgrade(alembic_config(url), "head")


async def _execute_autocommit(server_url: URL, statement: str) -> None:
    engine = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.exec_driver_sql(statement)
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = os.environ.get("TEST_DATABASE_URL")
    if not server:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        migrate(url)
        yield url
        return
    server_url = make_url(server)
    name = f"test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_execute_autocommit(server_url, f'CREATE DATABASE "{name}"'))
    test_url = server_url.set(database=name).render_as_string(hide_password=False)
    try:
        migrate(test_url)
        yield test_url
    finally:
        asyncio.run(_execute_autocommit(server_url, f'DROP DATABASE "{name}" WITH (FORCE)'))


@pytest.fixture
def store_settings(database_url: str) -> dict[str, Any]:
    return {"database_url": database_url}


@asynccontextmanager
async def store_under_test(app: FastAPI) -> AsyncIterator[None]:
    """Yields once the app is started; empties every table afterwards."""
    yield
    async with container_of_app(app).store.engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            await connection.execute(delete(table))
