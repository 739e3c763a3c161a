"""Publishing as the upstream service does, over Redis, and finding what was parked."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from app.container import container_of_app
from tests.plugins.broker import TEST_BROKER_URL


async def publish_upstream(app: FastAPI, message: dict[str, Any] | bytes) -> None:
    """Publish as the upstream service would, to the destination the consumer follows."""
    container = container_of_app(app)
    upstream = container.settings.broker_upstream_prefix
    await container.events.broker.publish(message, stream=f"{upstream}.items")


async def assert_parked(app: FastAPI, body: bytes) -> None:
    if not TEST_BROKER_URL:
        # The in-memory broker records what was published to the parking destination.
        parked = container_of_app(app).events.bus.parking.mock.call_args.args[0]
        assert parked == body
