"""The WebSocket feed of item events at /items/events."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from app.container import container_of_app
from tests.eventing import WebSocketSession, eventually


async def test_streams_item_events_to_a_client(app: FastAPI, client: httpx.AsyncClient) -> None:
    async with WebSocketSession(app, "/items/events") as session:
        await eventually(lambda: container_of_app(app).events.hub.clients == 1)
        created = (await client.post("/items", json={"name": "widget"})).json()
        await client.delete(f"/items/{created['id']}")

        first = await session.receive_json()
        second = await session.receive_json()

    assert (first["type"], first["payload"]) == ("item.created", created)
    assert (second["type"], second["item_id"]) == ("item.deleted", str(created["id"]))
    assert first["sequence"] < second["sequence"]
    await eventually(lambda: container_of_app(app).events.hub.clients == 0)
