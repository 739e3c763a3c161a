"""Publishing as the upstream service does, over RabbitMQ, and finding what was parked."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from faststream.rabbit import ExchangeType, RabbitExchange

from tests.conftest import TEST_BROKER_URL


async def publish_upstream(app: FastAPI, message: dict[str, Any] | bytes) -> None:
    """Publish as the upstream service would, to the destination the consumer follows."""
    upstream = app.state.settings.broker_upstream_prefix
    exchange = RabbitExchange(upstream, type=ExchangeType.TOPIC, durable=True)
    await app.state.broker.publish(message, exchange=exchange, routing_key="items.deleted")


async def assert_parked(app: FastAPI, body: bytes) -> None:
    if TEST_BROKER_URL:
        # RabbitMQ dead-letters the rejected message into the parking queue.
        parking = await app.state.broker.declare_queue(app.state.events.bus.parking)
        parked = await parking.get(timeout=5)
        assert parked.body == body
