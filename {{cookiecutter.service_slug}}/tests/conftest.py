"""Fixtures: a fresh app per test, talking to it in-process over ASGI.
{%- if cookiecutter.database == "postgres" %}

Tests never touch the development database. By default they use a throwaway
SQLite file; with TEST_DATABASE_URL=postgresql+asyncpg://USER:PASS@HOST/DB they
create a throwaway database on that server, migrate it with Alembic, and drop
it afterwards. Rows are deleted between tests, so no test sees another's data.
{%- elif cookiecutter.database == "mongo" %}

The tests need a MongoDB server: set TEST_MONGODB_URL=mongodb://HOST:27017 (for
a local one, `docker run -d -p 27017:27017 mongo:8`). They never touch the
development database: each run uses a randomly named database on that server
and drops it afterwards. Collections are emptied between tests, so no test
sees another's data.
{%- endif %}
{%- if cookiecutter.broker != "none" %}

The broker is FastStream's in-memory test broker unless TEST_BROKER_URL names
a real server; then every test uses its own topic prefix on it.
{%- endif %}
{%- if cookiecutter.database == "mongo" or cookiecutter.broker != "none" %}
{% endif %}"""

from __future__ import annotations

{% if cookiecutter.database != "none" or cookiecutter.broker != "none" -%}
import asyncio
import os
import uuid
{% endif -%}
from collections.abc import AsyncIterator{% if cookiecutter.database != "none" %}, Iterator{% endif %}
{%- if cookiecutter.broker != "none" %}
from contextlib import asynccontextmanager
{%- endif %}
{%- if cookiecutter.database == "postgres" %}
from pathlib import Path
{%- endif %}
{%- if cookiecutter.broker != "none" %}
from typing import Any
{%- endif %}

import httpx
import pytest
{%- if cookiecutter.database == "postgres" %}
from alembic import command
from alembic.config import Config
{%- endif %}
from fastapi import FastAPI
{%- if cookiecutter.broker == "rabbitmq" %}
from faststream.rabbit import TestRabbitBroker
{%- elif cookiecutter.broker == "kafka" %}
from faststream.kafka import TestKafkaBroker
{%- elif cookiecutter.broker == "redis" %}
from faststream.redis import TestRedisBroker
{%- elif cookiecutter.broker == "nats" %}
from faststream.nats import TestNatsBroker
{%- endif %}
{%- if cookiecutter.database == "mongo" %}
from pymongo import AsyncMongoClient
{%- endif %}
{%- if cookiecutter.database == "postgres" %}
from sqlalchemy import delete, make_url
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import create_async_engine
{%- endif %}

{% if cookiecutter.auth == "jwt" -%}
from app.auth.scopes import USER_SCOPES
from app.auth.tokens import create_access_token
{% elif cookiecutter.auth == "api-key" -%}
from app.auth.scopes import ITEMS_READ, ITEMS_WRITE
{%- if cookiecutter.database == "none" %}
from app.cli import new_key_entry
{%- endif %}
{% endif -%}
from app.config import Settings
from app.main import create_app
{%- if cookiecutter.auth == "jwt" %}
from app.models.user import User
{%- endif %}
{%- if cookiecutter.database == "postgres" %}
from app.repositories.tables import metadata
{%- endif %}
{%- if cookiecutter.auth == "jwt" %}
from app.services.users import UserService
{%- elif cookiecutter.auth == "api-key" and cookiecutter.database != "none" %}
from app.services.api_keys import ApiKeyService
{%- endif %}
{%- if cookiecutter.auth == "jwt" %}

# 64 bytes: long enough for every HMAC algorithm PyJWT signs with.
TEST_SECRET_KEY = "test-signing-key-" + "k" * 47
PASSWORD = "correct horse battery staple"
{%- elif cookiecutter.auth == "api-key" and cookiecutter.database == "none" %}

# Without a database keys are settings: these two are configured for every test app.
READ_WRITE_KEY, READ_WRITE_ENTRY = new_key_entry("tests", [ITEMS_READ, ITEMS_WRITE])
READ_ONLY_KEY, READ_ONLY_ENTRY = new_key_entry("reader", [ITEMS_READ])
{%- endif %}
{%- if cookiecutter.database == "postgres" %}

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
    return Settings(
        environment="test",
        database_url=database_url,
{%- if cookiecutter.auth == "jwt" %}
        secret_key=TEST_SECRET_KEY,
{%- endif %}
{%- if cookiecutter.broker != "none" %}
        **broker_settings(),
{%- endif %}
        _env_file=None,
    )
{%- elif cookiecutter.database == "mongo" %}

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
def settings(mongodb_url: str, database_name: str) -> Settings:
    return Settings(
        environment="test",
        mongodb_url=mongodb_url,
        mongodb_database=database_name,
{%- if cookiecutter.auth == "jwt" %}
        secret_key=TEST_SECRET_KEY,
{%- endif %}
{%- if cookiecutter.broker != "none" %}
        **broker_settings(),
{%- endif %}
        _env_file=None,
    )
{%- else %}


@pytest.fixture
def settings() -> Settings:
{%- if cookiecutter.broker != "none" %}
    return Settings(
        environment="test",
{%- if cookiecutter.auth == "jwt" %}
        secret_key=TEST_SECRET_KEY,
{%- elif cookiecutter.auth == "api-key" %}
        api_keys=[READ_WRITE_ENTRY, READ_ONLY_ENTRY],
{%- endif %}
        **broker_settings(),
        _env_file=None,
    )
{%- elif cookiecutter.auth == "jwt" %}
    return Settings(environment="test", secret_key=TEST_SECRET_KEY, _env_file=None)
{%- elif cookiecutter.auth == "api-key" %}
    return Settings(
        environment="test", api_keys=[READ_WRITE_ENTRY, READ_ONLY_ENTRY], _env_file=None
    )
{%- else %}
    return Settings(environment="test", _env_file=None)
{%- endif %}
{%- endif %}
{%- if cookiecutter.broker != "none" %}


TEST_BROKER_URL = os.environ.get("TEST_BROKER_URL")
# Nothing listens on port 1: connecting is refused at once.
{%- if cookiecutter.broker == "rabbitmq" %}
UNREACHABLE_BROKER_URL = "amqp://guest:guest@127.0.0.1:1/"
{%- elif cookiecutter.broker == "kafka" %}
UNREACHABLE_BROKER_URL = "127.0.0.1:1"
{%- elif cookiecutter.broker == "redis" %}
UNREACHABLE_BROKER_URL = "redis://127.0.0.1:1/0"
{%- else %}
UNREACHABLE_BROKER_URL = "nats://127.0.0.1:1"
{%- endif %}
# Long enough for a real broker to accept the connection, declare everything and
# (Kafka) let the consumer group settle.
BROKER_CONNECT_TIMEOUT_SECONDS = 45


def broker_settings() -> dict[str, Any]:
    """On a real broker each test gets its own destinations, so no test sees another's events."""
    # Relays wake on their own app's writes; the long poll keeps a second app's
    # relay (tests that run two) away from the first one's events.
    quiet_relay = {"outbox_poll_seconds": 60, "broker_retry_max_seconds": 0.5}
    if not TEST_BROKER_URL:
        return quiet_relay
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    return quiet_relay | {
        "broker_url": TEST_BROKER_URL,
        "broker_topic_prefix": prefix,
        "broker_consumer_group": prefix,
        "broker_upstream_prefix": f"{prefix}-upstream",
    }


@asynccontextmanager
async def test_broker(application: FastAPI) -> AsyncIterator[None]:
    """FastStream's in-memory broker in place of the real one, unless TEST_BROKER_URL is set."""
    if TEST_BROKER_URL:
        yield
        return
    # connect_only: the lifespan starts the broker, as in production.
    async with {{ {"rabbitmq": "TestRabbitBroker", "kafka": "TestKafkaBroker", "redis": "TestRedisBroker", "nats": "TestNatsBroker"}[cookiecutter.broker] }}(application.state.broker, connect_only=True):
        yield
{%- endif %}


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
{%- if cookiecutter.broker != "none" %}
    async with test_broker(application), application.router.lifespan_context(application):
        async with asyncio.timeout(BROKER_CONNECT_TIMEOUT_SECONDS):
            await application.state.events.connection.connected.wait()
{%- else %}
    async with application.router.lifespan_context(application):
{%- endif %}
{%- if cookiecutter.database == "postgres" %}
        yield application
        async with application.state.engine.begin() as connection:
            for table in reversed(metadata.sorted_tables):
                await connection.execute(delete(table))
{%- elif cookiecutter.database == "mongo" %}
        async with asyncio.timeout(STARTUP_TIMEOUT_SECONDS):
            await application.state.index_setup.done.wait()
        yield application
        database = application.state.mongo_client[settings.mongodb_database]
        for name in await database.list_collection_names():
            await database[name].delete_many({})
{%- else %}
        yield application
{%- endif %}

{%- if cookiecutter.auth == "jwt" %}


async def add_user(
    app: FastAPI, email: str, *, is_superuser: bool = False, password: str = PASSWORD
) -> User:
    state = app.state
    service = UserService(state.user_repository, state.refresh_token_repository, state.settings)
    return await service.create(email, password, None, is_superuser=is_superuser)


def bearer(app: FastAPI, user: User, scopes: frozenset[str] = USER_SCOPES) -> dict[str, str]:
    """Authorization header with an access token minted directly, as a login would."""
    token = create_access_token(app.state.settings, user.id, scopes)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def user(app: FastAPI) -> User:
    return await add_user(app, "owner@example.com")


@pytest.fixture
async def anonymous_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


@pytest.fixture
async def client(app: FastAPI, user: User) -> AsyncIterator[httpx.AsyncClient]:
    """A client signed in as `user`, with the scopes of a regular user."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://test", headers=bearer(app, user)
    ) as client:
        yield client
{%- elif cookiecutter.auth == "api-key" %}
{%- if cookiecutter.database != "none" %}


async def add_api_key(app: FastAPI, *scopes: str, name: str = "tests") -> str:
    """A new key in the app's store, created as the admin endpoint would; returns the key."""
    created = await ApiKeyService(app.state.api_key_repository).create(name, scopes)
    return created.key


@pytest.fixture
async def api_key(app: FastAPI) -> str:
    return await add_api_key(app, ITEMS_READ, ITEMS_WRITE)


@pytest.fixture
async def read_only_key(app: FastAPI) -> str:
    return await add_api_key(app, ITEMS_READ, name="reader")
{%- else %}


@pytest.fixture
def api_key() -> str:
    return READ_WRITE_KEY


@pytest.fixture
def read_only_key() -> str:
    return READ_ONLY_KEY
{%- endif %}


@pytest.fixture
async def anonymous_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


@pytest.fixture
async def client(app: FastAPI, api_key: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client sending a key with items:read and items:write."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://test", headers={"X-API-Key": api_key}
    ) as client:
        yield client
{%- else %}


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client
{%- endif %}
