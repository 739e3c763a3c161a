"""The WebSocket feed of item events at /items/events, for signed-in users."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from app.auth.scopes import ME
from app.container import container_of_app
from app.models.user import User
from tests.eventing import WebSocketSession, assert_streams_item_events, eventually
from tests.plugins.auth import bearer


async def sign_in(session: WebSocketSession, app: FastAPI, user: User) -> None:
    token = bearer(app, user)["Authorization"].removeprefix("Bearer ")
    await session.send_json({"token": token})


async def test_streams_item_events_to_a_signed_in_client(
    app: FastAPI, client: httpx.AsyncClient, user: User
) -> None:
    async with WebSocketSession(app, "/items/events") as session:
        await sign_in(session, app, user)
        await assert_streams_item_events(app, client, session)
    await eventually(lambda: container_of_app(app).events.hub.clients == 0)


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
