"""The WebSocket feed of item events at /items/events."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from app.container import container_of_app
from tests.eventing import WebSocketSession, assert_streams_item_events, eventually


async def test_streams_item_events_to_a_client(app: FastAPI, client: httpx.AsyncClient) -> None:
    async with WebSocketSession(app, "/items/events") as session:
        await assert_streams_item_events(app, client, session)
    await eventually(lambda: container_of_app(app).events.hub.clients == 0)
