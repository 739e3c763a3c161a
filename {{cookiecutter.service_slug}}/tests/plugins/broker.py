"""The broker the tests use: FastStream's in-memory test broker, or TEST_BROKER_URL's server.

On a real broker every test gets its own topic prefix, so no test sees another's events.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from faststream.{{ {"rabbitmq": "rabbit"}.get(cookiecutter.broker, cookiecutter.broker) }} import {{ {"rabbitmq": "TestRabbitBroker", "kafka": "TestKafkaBroker", "redis": "TestRedisBroker", "nats": "TestNatsBroker"}.get(cookiecutter.broker, "") }} as TestBroker

from app.container import container_of_app
from app.wiring import wiring_of

TEST_BROKER_URL = os.environ.get("TEST_BROKER_URL")
# Nothing listens on port 1: connecting is refused at once.
UNREACHABLE_BROKER_URL = {{ {"rabbitmq": "amqp://guest:guest@127.0.0.1:1/", "kafka": "127.0.0.1:1", "redis": "redis://127.0.0.1:1/0", "nats": "nats://127.0.0.1:1"}.get(cookiecutter.broker, "") | tojson }}
# Long enough for a real broker to accept the connection, declare everything and
# (Kafka) let the consumer group settle.
BROKER_CONNECT_TIMEOUT_SECONDS = 45


@pytest.fixture
def broker_settings() -> dict[str, Any]:
    """On a real broker each test gets its own destinations, so no test sees another's events."""
    # Relays wake on their own app's writes; the long poll keeps a second app's
    # relay (tests that run two) away from the first one's events.
    quiet_relay = {"outbox_poll_seconds": 60, "broker_retry_max_seconds": 0.5}
    if not TEST_BROKER_URL:
        # Apps made outside the in-memory broker (the CLI's) try the default URL, where
        # nothing listens; each would wait the default 5 s for that attempt on shutdown.
        return quiet_relay | {"broker_timeout_seconds": 1}
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    return quiet_relay | {
        "broker_url": TEST_BROKER_URL,
        "broker_topic_prefix": prefix,
        "broker_consumer_group": prefix,
        "broker_upstream_prefix": f"{prefix}-upstream",
    }


@asynccontextmanager
async def in_memory_broker(app: FastAPI) -> AsyncIterator[None]:
    """FastStream's in-memory broker in place of the real one, unless TEST_BROKER_URL is set."""
    if TEST_BROKER_URL:
        yield
        return
    # connect_only: the lifespan starts the broker, as in production.
    async with TestBroker(wiring_of(app).broker, connect_only=True):
        yield


@asynccontextmanager
async def started_on_test_broker(app: FastAPI) -> AsyncIterator[None]:
    """The app's lifespan, on the test broker, once the broker connection is up."""
    async with in_memory_broker(app), app.router.lifespan_context(app):
        async with asyncio.timeout(BROKER_CONNECT_TIMEOUT_SECONDS):
            await container_of_app(app).events.connection.connected.wait()
        yield
