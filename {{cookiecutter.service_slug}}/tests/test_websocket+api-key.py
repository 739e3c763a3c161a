"""The WebSocket feed of item events at /items/events, for API key holders."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

{% if cookiecutter.database != "none" -%}
from app.auth.scopes import ITEMS_WRITE
{% endif -%}
from app.container import container_of_app
from tests.eventing import WebSocketSession, assert_streams_item_events, eventually
{%- if cookiecutter.database != "none" %}
from tests.plugins.auth import add_api_key
{%- endif %}


@pytest.mark.parametrize("in_header", [True, False], ids=["in-header", "in-first-message"])
async def test_streams_item_events_to_a_client_with_an_api_key(
    app: FastAPI, client: httpx.AsyncClient, api_key: str, in_header: bool
) -> None:
    headers = {"X-API-Key": api_key} if in_header else {}
    async with WebSocketSession(app, "/items/events", headers) as session:
        if not in_header:
            await session.send_json({"api_key": api_key})
        await assert_streams_item_events(app, client, session)
    await eventually(lambda: container_of_app(app).events.hub.clients == 0)


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
