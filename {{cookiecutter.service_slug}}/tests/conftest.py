"""Fixtures: a fresh app per test, talking to it in-process over ASGI.
{%- if cookiecutter.database == "postgres" %}

Tests never touch the development database. By default they use a throwaway
SQLite file; with TEST_DATABASE_URL=postgresql+asyncpg://USER:PASS@HOST/DB they
create a throwaway database on that server, migrate it with Alembic, and drop
it afterwards. Rows are deleted between tests, so no test sees another's data.
{% endif %}"""

from __future__ import annotations

{% if cookiecutter.database == "postgres" -%}
import asyncio
import os
import uuid
{% endif -%}
from collections.abc import AsyncIterator{% if cookiecutter.database == "postgres" %}, Iterator{% endif %}
{%- if cookiecutter.database == "postgres" %}
from pathlib import Path
{%- endif %}

import httpx
import pytest
{%- if cookiecutter.database == "postgres" %}
from alembic import command
from alembic.config import Config
{%- endif %}
from fastapi import FastAPI
{%- if cookiecutter.database == "postgres" %}
from sqlalchemy import delete, make_url
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import create_async_engine
{%- endif %}

from app.config import Settings
from app.main import create_app
{%- if cookiecutter.database == "postgres" %}
from app.repositories.tables import metadata

PROJECT_ROOT = Path(__file__).resolve().parent.parent


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
def settings(database_url: str) -> Settings:
    return Settings(environment="test", database_url=database_url, _env_file=None)
{%- else %}


@pytest.fixture
def settings() -> Settings:
    return Settings(environment="test", _env_file=None)
{%- endif %}


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
{%- if cookiecutter.database == "postgres" %}
        yield application
        async with application.state.engine.begin() as connection:
            for table in reversed(metadata.sorted_tables):
                await connection.execute(delete(table))
{%- else %}
        yield application
{%- endif %}


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client
