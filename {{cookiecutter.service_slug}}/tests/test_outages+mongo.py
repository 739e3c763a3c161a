"""MongoDB outages: 503 + Retry-After and one log line each way; bugs stay 500."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator
{%- if cookiecutter.broker == "none" %}
from contextlib import AbstractAsyncContextManager, asynccontextmanager
{%- else %}
from contextlib import asynccontextmanager
{%- endif %}
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from pymongo.errors import (
    AutoReconnect,
    DuplicateKeyError,
    ExecutionTimeout,
    NetworkTimeout,
    OperationFailure,
    ServerSelectionTimeoutError,
)

from app.config import Settings
from app.main import create_app
from app.mongo import is_unavailable
from app.repositories.mongo_items import MongoItemRepository
from tests.clients import client_for
{%- if cookiecutter.broker != "none" %}
from tests.plugins.broker import started_on_test_broker as started
{%- endif %}

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
    assert response.json()["detail"] == "The database is unavailable; retry later."


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@asynccontextmanager
async def forwarding(port: int, target: str) -> AsyncIterator[None]:
    """A TCP relay from 127.0.0.1:`port` to the test server: the database coming back."""
    host, target_port = urlsplit(target).hostname, urlsplit(target).port or 27017

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    async def relay(client_reader: asyncio.StreamReader, client: asyncio.StreamWriter) -> None:
        server_reader, server = await asyncio.open_connection(host, target_port)
        await asyncio.gather(pipe(client_reader, server), pipe(server_reader, client))

    server = await asyncio.start_server(relay, "127.0.0.1", port)
    try:
        yield
    finally:
        server.close()


async def wait_for_line(caplog: pytest.LogCaptureFixture, line: str) -> None:
    for _ in range(300):
        if line in outage_lines(caplog):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {line!r} log line")


@pytest.fixture
def relay_port() -> int:
    return free_port()  # nothing listens there until the relay starts


# Created by a fixture: create_app configures logging, which would otherwise
# drop the handler pytest captures the test's log records with.
@pytest.fixture
def relayed_app(settings: Settings, relay_port: int) -> FastAPI:
    return create_app(
        settings.model_copy(
            update={
                "mongodb_url": f"mongodb://127.0.0.1:{relay_port}/?directConnection=true",
                "mongodb_timeout_seconds": 0.5,
            }
        )
    )


async def test_unreachable_server_is_503_then_back_without_restart_logged_once_each(
    relayed_app: FastAPI,
    relay_port: int,
    credentials: dict[str, str],
    mongodb_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    app, port = relayed_app, relay_port
    with caplog.at_level(logging.INFO):
        async with started(app), client_for(app, credentials) as client:
            assert_unavailable(await client.get("/items"))
            assert_unavailable(await client.post("/items", json={"name": "widget"}))
            assert_unavailable(await client.get("/items/6650f0c0a0b0c0d0e0f01234"))
            async with forwarding(port, mongodb_url):
                await wait_for_line(caplog, "database is back")
                after = await client.get("/items")

    assert after.status_code < 500, after.text
    assert outage_lines(caplog) == ["database unavailable", "database is back"]
    assert [r for r in caplog.records if r.name == "app.errors"] == []


async def test_a_refused_operation_stays_500_and_is_no_outage(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken_scan(*args: object, **kwargs: object) -> None:
        raise OperationFailure("unknown operator: $nope", code=2)

    monkeypatch.setattr(MongoItemRepository, "scan", broken_scan)
    with caplog.at_level(logging.INFO):
        response = await client.get("/items")

    assert response.status_code == 500
    assert [r.getMessage() for r in caplog.records if r.name == "app.errors"] == ["unhandled error"]
    assert outage_lines(caplog) == []


@pytest.mark.parametrize(
    ("error", "unavailable"),
    [
        (ServerSelectionTimeoutError("no server"), True),
        (AutoReconnect("connection reset"), True),
        (NetworkTimeout("timed out"), True),
        (ExecutionTimeout("operation exceeded time limit", code=50), True),
        (TimeoutError(), True),
        (OperationFailure("unknown operator", code=2), False),
        (DuplicateKeyError("duplicate", code=11000), False),
        (ValueError("a bug"), False),
    ],
)
def test_only_connection_failures_count_as_unavailable(
    error: BaseException, unavailable: bool
) -> None:
    assert is_unavailable(error) is unavailable
