"""Helpers for tests of item events."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from types import TracebackType
from typing import Any

import httpx
from fastapi import FastAPI
from starlette.types import Message

from app.container import container_of_app
from app.events.schema import ItemEvent

# Generous for a real broker on a busy machine; the in-memory one answers at once.
EVENT_TIMEOUT_SECONDS = 10.0


async def next_event(queue: asyncio.Queue[ItemEvent | None]) -> ItemEvent:
    async with asyncio.timeout(EVENT_TIMEOUT_SECONDS):
        event = await queue.get()
    assert event is not None, "the hub dropped this subscriber"
    return event


async def eventually(condition: Callable[[], bool], seconds: float = EVENT_TIMEOUT_SECONDS) -> None:
    """Wait until `condition()` holds; fail the test if it does not within `seconds`."""
    async with asyncio.timeout(seconds):
        # Polling: the conditions are plain attributes of the app, with nothing to await.
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.01)


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
        async with asyncio.timeout(EVENT_TIMEOUT_SECONDS):
            await self._task

    async def send_json(self, data: Any) -> None:
        await self._to_app.put({"type": "websocket.receive", "text": json.dumps(data)})

    async def receive(self) -> Message:
        async with asyncio.timeout(EVENT_TIMEOUT_SECONDS):
            return await self._from_app.get()

    async def receive_json(self) -> Any:
        message = await self.receive()
        assert message["type"] == "websocket.send", message
        return json.loads(message["text"])


async def assert_streams_item_events(
    app: FastAPI, client: httpx.AsyncClient, session: WebSocketSession
) -> None:
    """An item created then deleted reaches the subscribed session as two events, in order."""
    await eventually(lambda: container_of_app(app).events.hub.clients == 1)
    created = (await client.post("/items", json={"name": "widget"})).json()
    await client.delete(f"/items/{created['id']}")

    first = await session.receive_json()
    second = await session.receive_json()

    assert (first["type"], first["payload"]) == ("item.created", created)
    assert (second["type"], second["item_id"]) == ("item.deleted", str(created["id"]))
    assert first["sequence"] < second["sequence"]
