"""Request limits: 413 for a body over the cap, 408 for a body that stalls, before any auth."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError
from starlette.types import Message, Receive, Scope, Send

from app.config import Settings
from app.limits import RequestLimitsMiddleware
from app.main import create_app
from app.settings.common import CommonSettings
from tests.clients import client_for

LIMIT = 2048
PROBLEM = "application/problem+json"


@pytest.fixture
def limited_app(settings: Settings) -> FastAPI:
    """The app with a small body cap and a short body timeout; no lifespan is needed to refuse."""
    return create_app(
        settings.model_copy(
            update={"max_request_body_bytes": LIMIT, "request_body_timeout_seconds": 0.2}
        )
    )


def assert_problem(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert (body["status"], body["instance"]) == (status, "/items")


async def test_declared_length_over_the_cap_is_413_before_authentication(
    limited_app: FastAPI,
) -> None:
    async with client_for(limited_app) as anonymous:
        response = await anonymous.post(
            "/items", content=b"x" * (LIMIT + 1), headers={"Content-Type": "application/json"}
        )

    assert_problem(response, 413)
    assert str(LIMIT) in response.json()["detail"]


async def test_chunked_body_over_the_cap_is_413_while_it_streams(limited_app: FastAPI) -> None:
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        for _ in range(100):
            sent += 1024
            yield b" " * 1024

    async with client_for(limited_app) as anonymous:
        response = await anonymous.post(
            "/items", content=chunks(), headers={"Content-Type": "application/json"}
        )

    assert "content-length" not in response.request.headers
    assert_problem(response, 413)
    assert sent < 100 * 1024  # refused while streaming, not after reading it all


async def test_body_at_the_cap_is_parsed(limited_app: FastAPI) -> None:
    body = b'{"name": "widget"}'.ljust(LIMIT, b" ")
    async with client_for(limited_app) as anonymous:
        response = await anonymous.post(
            "/items", content=body, headers={"Content-Type": "application/json"}
        )

    # Past the limit check: refused by authentication or served, never 413.
    assert response.status_code != 413


def http_scope(path: str = "/items") -> Scope:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        # A body sent in chunks: without a length or chunking, HTTP/1.1 has no body.
        "headers": [
            (b"host", b"test"),
            (b"content-type", b"application/json"),
            (b"transfer-encoding", b"chunked"),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("test", 80),
    }


async def test_body_that_stops_arriving_is_408(limited_app: FastAPI) -> None:
    parts = [{"type": "http.request", "body": b'{"name": ', "more_body": True}]
    sent: list[Message] = []

    async def receive() -> Message:
        if parts:
            return parts.pop()
        await asyncio.Event().wait()  # the rest of the body never comes
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        sent.append(message)

    async with asyncio.timeout(5):
        await limited_app(http_scope(), receive, send)

    start = next(message for message in sent if message["type"] == "http.response.start")
    assert start["status"] == 408
    assert (b"content-type", PROBLEM.encode()) in start["headers"]


async def test_websocket_scopes_pass_through_untouched() -> None:
    seen: list[Receive] = []

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(receive)

    async def receive() -> Message:
        return {"type": "websocket.connect"}

    async def send(message: Message) -> None:
        raise AssertionError("the middleware answered a WebSocket")

    middleware = RequestLimitsMiddleware(inner, max_body_bytes=1, body_timeout_seconds=0.01)
    await middleware({"type": "websocket", "path": "/", "headers": []}, receive, send)

    assert seen == [receive]


@pytest.mark.parametrize(
    "bounds",
    [
        {"max_request_body_bytes": 10},
        {"max_request_body_bytes": 2**31},
        {"request_body_timeout_seconds": 0},
        {"outage_retry_after_seconds": 0},
    ],
)
def test_limit_settings_are_bounded(bounds: dict[str, float]) -> None:
    with pytest.raises(ValidationError):
        CommonSettings(_env_file=None, **bounds)  # type: ignore[arg-type]
