"""The WebSocket feed of item events at /items/events."""

from __future__ import annotations

import asyncio
import json
from types import TracebackType
from typing import Any

import httpx
{%- if cookiecutter.auth == "api-key" %}
import pytest
{%- endif %}
from fastapi import FastAPI
from starlette.types import Message

{% if cookiecutter.auth == "jwt" -%}
from app.auth.scopes import ME
{% elif cookiecutter.auth == "api-key" and cookiecutter.database != "none" -%}
from app.auth.scopes import ITEMS_WRITE
{% endif -%}
from app.container import container_of_app
from app.events.hub import EventHub
from app.events.schema import item_deleted
{%- if cookiecutter.auth == "jwt" %}
from app.models.user import User
from tests.plugins.auth import bearer
{%- elif cookiecutter.auth == "api-key" and cookiecutter.database != "none" %}
from tests.plugins.auth import add_api_key
{%- endif %}
from tests.eventing import eventually

TIMEOUT_SECONDS = 10


class WebSocketSession:
    """A WebSocket client speaking ASGI directly to the app, in the test's event loop."""

    def __init__(self, app: FastAPI, path: str, headers: dict[str, str] | None = None) -> None:
        self._app = app
        self._path = path
        self._headers = [(b"host", b"test")] + [
            (name.lower().encode(), value.encode()) for name, value in (headers or {}).items()
        ]
        self._to_app: asyncio.Queue[Message] = asyncio.Queue()
        self._from_app: asyncio.Queue[Message] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> WebSocketSession:
        scope = {
            "type": "websocket",
            "asgi": {"version": "3.0"},
            "scheme": "ws",
            "path": self._path,
            "raw_path": self._path.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": self._headers,
            "client": ("127.0.0.1", 50000),
            "server": ("test", 80),
            "subprotocols": [],
        }
        self._task = asyncio.create_task(self._app(scope, self._to_app.get, self._from_app.put))
        await self._to_app.put({"type": "websocket.connect"})
        assert (await self.receive())["type"] == "websocket.accept"
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self._to_app.put({"type": "websocket.disconnect", "code": 1000})
        assert self._task is not None
        async with asyncio.timeout(TIMEOUT_SECONDS):
            await self._task

    async def send_json(self, data: Any) -> None:
        await self._to_app.put({"type": "websocket.receive", "text": json.dumps(data)})

    async def receive(self) -> Message:
        async with asyncio.timeout(TIMEOUT_SECONDS):
            return await self._from_app.get()

    async def receive_json(self) -> Any:
        message = await self.receive()
        assert message["type"] == "websocket.send", message
        return json.loads(message["text"])


{% if cookiecutter.auth == "jwt" -%}
async def sign_in(session: WebSocketSession, app: FastAPI, user: User) -> None:
    token = bearer(app, user)["Authorization"].removeprefix("Bearer ")
    await session.send_json({"token": token})


async def test_streams_item_events_to_a_signed_in_client(
    app: FastAPI, client: httpx.AsyncClient, user: User
) -> None:
    async with WebSocketSession(app, "/items/events") as session:
        await sign_in(session, app, user)
        await eventually(lambda: container_of_app(app).events.hub.clients == 1)
{%- elif cookiecutter.auth == "api-key" -%}
@pytest.mark.parametrize("in_header", [True, False], ids=["in-header", "in-first-message"])
async def test_streams_item_events_to_a_client_with_an_api_key(
    app: FastAPI, client: httpx.AsyncClient, api_key: str, in_header: bool
) -> None:
    headers = {"X-API-Key": api_key} if in_header else {}
    async with WebSocketSession(app, "/items/events", headers) as session:
        if not in_header:
            await session.send_json({"api_key": api_key})
        await eventually(lambda: container_of_app(app).events.hub.clients == 1)
{%- else -%}
async def test_streams_item_events_to_a_client(app: FastAPI, client: httpx.AsyncClient) -> None:
    async with WebSocketSession(app, "/items/events") as session:
        await eventually(lambda: container_of_app(app).events.hub.clients == 1)
{%- endif %}
        created = (await client.post("/items", json={"name": "widget"})).json()
        await client.delete(f"/items/{created['id']}")

        first = await session.receive_json()
        second = await session.receive_json()

    assert (first["type"], first["payload"]) == ("item.created", created)
    assert (second["type"], second["item_id"]) == ("item.deleted", str(created["id"]))
    assert first["sequence"] < second["sequence"]
    await eventually(lambda: container_of_app(app).events.hub.clients == 0)
{%- if cookiecutter.auth == "jwt" %}


async def test_refuses_a_client_without_a_token(app: FastAPI) -> None:
    async with WebSocketSession(app, "/items/events") as session:
        await session.send_json({"hello": "there"})
        closed = await session.receive()

    assert closed["type"] == "websocket.close"
    assert closed["code"] == 1008
    assert "token" in closed["reason"]
    assert container_of_app(app).events.hub.clients == 0


async def test_refuses_an_invalid_token(app: FastAPI) -> None:
    async with WebSocketSession(app, "/items/events") as session:
        await session.send_json({"token": "not-a-jwt"})
        closed = await session.receive()

    assert (closed["type"], closed["code"]) == ("websocket.close", 1008)
    assert closed["reason"] == "The access token is invalid or expired."


async def test_refuses_a_token_without_the_read_scope(app: FastAPI, user: User) -> None:
    token = bearer(app, user, frozenset({ME}))["Authorization"].removeprefix("Bearer ")
    async with WebSocketSession(app, "/items/events") as session:
        await session.send_json({"token": token})
        closed = await session.receive()

    assert (closed["type"], closed["code"]) == ("websocket.close", 1008)
    assert closed["reason"] == "The access token lacks the scope items:read."
{%- elif cookiecutter.auth == "api-key" %}


async def test_refuses_a_client_without_a_key(app: FastAPI) -> None:
    async with WebSocketSession(app, "/items/events") as session:
        await session.send_json({"hello": "there"})
        closed = await session.receive()

    assert (closed["type"], closed["code"]) == ("websocket.close", 1008)
    assert '{"api_key": "<key>"}' in closed["reason"]
    assert container_of_app(app).events.hub.clients == 0


async def test_refuses_a_wrong_key(app: FastAPI, api_key: str) -> None:
    wrong = api_key[:-1] + ("A" if api_key[-1] != "A" else "B")
    async with WebSocketSession(app, "/items/events", {"X-API-Key": wrong}) as session:
        closed = await session.receive()

    assert (closed["type"], closed["code"]) == ("websocket.close", 1008)
    assert closed["reason"] == "The API key is invalid or revoked."
{%- if cookiecutter.database != "none" %}


async def test_refuses_a_key_without_the_read_scope(app: FastAPI) -> None:
    writer = await add_api_key(app, ITEMS_WRITE, name="writer")
    async with WebSocketSession(app, "/items/events", {"X-API-Key": writer}) as session:
        closed = await session.receive()

    assert (closed["type"], closed["code"]) == ("websocket.close", 1008)
    assert closed["reason"] == "The API key lacks the scope items:read."
{%- endif %}
{%- endif %}


def test_a_client_that_falls_behind_is_dropped() -> None:
    hub = EventHub(queue_size=2)
    event = item_deleted({% if cookiecutter.database == "mongo" %}"6650f0c0a0b0c0d0e0f01234"{% else %}1{% endif %}).with_sequence(1)

    with hub.subscribe() as slow:
        for _ in range(3):
            hub.broadcast(event)

        assert hub.clients == 0
        assert [slow.get_nowait() for _ in range(3)] == [event, event, None]
