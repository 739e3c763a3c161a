"""Database outages: 503 + Retry-After and one log line each way; bugs stay 500 and hide values."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
{%- if cookiecutter.broker == "none" %}
from contextlib import AbstractAsyncContextManager
{%- endif %}
from pathlib import Path

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import exc, text

from app.config import Settings
from app.container import container_of_app
from app.database import is_unavailable
from app.logging import JsonFormatter
from app.main import create_app
from tests.clients import client_for
{%- if cookiecutter.broker != "none" %}
from tests.plugins.broker import started_on_test_broker as started
{%- endif %}
from tests.plugins.store import migrate

PROBLEM = "application/problem+json"


{%- if cookiecutter.broker == "none" %}


def started(app: FastAPI) -> AbstractAsyncContextManager[object]:
    return app.router.lifespan_context(app)
{%- endif %}


def outage_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "app.outages"]


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["retry-after"] == "5"
    body = response.json()
    assert (body["title"], body["detail"]) == (
        "Service Unavailable",
        "The database is unavailable; retry later.",
    )


# Apps are created by fixtures: create_app configures logging, which would
# otherwise drop the handler pytest captures the test's log records with.
@pytest.fixture
def unreachable_app(settings: Settings) -> FastAPI:
    # A real failure: nothing listens on port 1, so every connection is refused.
    unreachable = "postgresql+asyncpg://user:password@127.0.0.1:1/db"
    return create_app(settings.model_copy(update={"database_url": unreachable}))


@pytest.fixture
def later_url(tmp_path: Path) -> str:
    """A SQLite file in a directory that does not exist yet: cannot be opened until it does."""
    return f"sqlite+aiosqlite:///{tmp_path / 'later' / 'service.db'}"


@pytest.fixture
def later_app(settings: Settings, later_url: str) -> FastAPI:
    return create_app(settings.model_copy(update={"database_url": later_url}))


async def test_unreachable_database_is_503_with_retry_after_logged_once(
    unreachable_app: FastAPI, credentials: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    app = unreachable_app
    with caplog.at_level(logging.INFO):
        async with started(app), client_for(app, credentials) as client:
            responses = [
                await client.get("/items"),
                await client.post("/items", json={"name": "widget"}),
                await client.get("/items/1"),  # the driver-level read path
            ]

    for response in responses:
        assert_unavailable(response)
    assert outage_lines(caplog) == ["database unavailable"]
    assert [r for r in caplog.records if r.name == "app.errors"] == []
    assert "password" not in caplog.text


async def wait_for_line(caplog: pytest.LogCaptureFixture, line: str) -> None:
    for _ in range(200):
        if line in outage_lines(caplog):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {line!r} log line")


async def test_database_back_is_logged_once_and_served_without_restart(
    later_app: FastAPI,
    later_url: str,
    credentials: dict[str, str],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = later_app
    with caplog.at_level(logging.INFO):
        async with started(app), client_for(app, credentials) as client:
            for _ in range(3):
                assert_unavailable(await client.get("/items"))
            (tmp_path / "later").mkdir()
            await asyncio.to_thread(migrate, later_url)
            await wait_for_line(caplog, "database is back")
            after = await client.get("/items")

    assert after.status_code < 500, after.text
    assert outage_lines(caplog) == ["database unavailable", "database is back"]


async def test_failing_insert_is_500_and_its_log_shows_no_parameter_values(
    app: FastAPI, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    engine = container_of_app(app).store.engine
    async with engine.begin() as connection:
        await connection.execute(text("ALTER TABLE items RENAME TO items_elsewhere"))
    try:
        with caplog.at_level(logging.INFO):
            # The driver's write on PostgreSQL, the engine's on SQLite.
            response = await client.post("/items", json={"name": "parameter-marker-4711"})
        # Statements left on the engine (users, keys, migrations) hide their parameters too.
        with pytest.raises(exc.DBAPIError) as engine_failure:
            async with engine.begin() as connection:
                await connection.execute(
                    text("INSERT INTO items (name) VALUES (:name)"),
                    {"name": "parameter-marker-4711"},
                )
    finally:
        async with engine.begin() as connection:
            await connection.execute(text("ALTER TABLE items_elsewhere RENAME TO items"))

    assert response.status_code == 500
    [error] = [r for r in caplog.records if r.name == "app.errors"]
    assert "items" in json.loads(JsonFormatter().format(error))["exception"]
    assert "parameter-marker-4711" not in caplog.text
    assert "SQL parameters hidden" in str(engine_failure.value)
    assert "parameter-marker-4711" not in str(engine_failure.value)
    assert outage_lines(caplog) == []


def sqlite_error(path: str) -> sqlite3.Error:
    connection = None
    try:
        connection = sqlite3.connect(path)
        connection.execute("SELECT * FROM missing")
    except sqlite3.Error as error:
        return error
    finally:
        # Python 3.13 warns about a connection left to the garbage collector.
        if connection is not None:
            connection.close()
    raise AssertionError("no error")


def wrapped(error: Exception, *, invalidated: bool = False) -> exc.DBAPIError:
    try:
        raise exc.DBAPIError.instance(
            "SELECT 1", None, error, Exception, connection_invalidated=invalidated
        ) from error
    except exc.DBAPIError as wrapper:
        return wrapper


@pytest.mark.parametrize(
    ("error", "unavailable"),
    [
        (ConnectionRefusedError(111, "refused"), True),
        (TimeoutError(), True),
        (exc.TimeoutError("pool"), True),
        (asyncpg.CannotConnectNowError("starting up"), True),
        (asyncpg.TooManyConnectionsError("too many"), True),
        (asyncpg.ConnectionDoesNotExistError("closed"), True),
        (asyncpg.InternalClientError("another operation (2) is in progress"), True),
        (asyncpg.InterfaceError("connection is closed"), True),
        (asyncpg.InterfaceError("cannot perform operation: a bug"), False),
        (wrapped(asyncpg.AdminShutdownError("shutting down")), True),
        (wrapped(Exception("gone"), invalidated=True), True),
        (wrapped(sqlite_error("/nonexistent/directory/db")), True),
        (wrapped(sqlite_error(":memory:")), False),
        (wrapped(asyncpg.UndefinedTableError("no table")), False),
        (wrapped(asyncpg.UniqueViolationError("duplicate")), False),
        (ValueError("a bug"), False),
    ],
)
def test_only_connection_failures_count_as_unavailable(
    error: BaseException, unavailable: bool
) -> None:
    assert is_unavailable(error) is unavailable
