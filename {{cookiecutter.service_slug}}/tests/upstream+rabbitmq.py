"""Publishing as the upstream service does, over RabbitMQ, and finding what was parked."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from faststream.rabbit import ExchangeType, RabbitExchange

from app.container import container_of_app
from tests.plugins.broker import TEST_BROKER_URL


async def publish_upstream(app: FastAPI, message: dict[str, Any] | bytes) -> None:
    """Publish as the upstream service would, to the destination the consumer follows."""
    container = container_of_app(app)
    upstream = container.settings.broker_upstream_prefix
    exchange = RabbitExchange(upstream, type=ExchangeType.TOPIC, durable=True)
    await container.events.broker.publish(message, exchange=exchange, routing_key="items.deleted")


async def assert_parked(app: FastAPI, body: bytes) -> None:
    if TEST_BROKER_URL:
        # RabbitMQ dead-letters the rejected message into the parking queue.
        events = container_of_app(app).events
        parking = await events.broker.declare_queue(events.bus.parking)
        parked = await parking.get(timeout=5)
        assert parked.body == body
