"""What the lifespan starts and stops for events: broker connection, relay, consumer, feed."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from faststream.specification import AsyncAPI

from app.config import Settings
from app.events import {{ cookiecutter.broker }}
from app.events.connection import BrokerConnection
from app.events.consumer import UpstreamDeletions
from app.events.hub import EventHub
from app.events.outbox import Outbox, OutboxSignal, ProcessedEvents
from app.events.relay import Relay, RelayPolicy
from app.events.schema import ItemEvent
from app.readiness import ReadinessCheck
from app.repositories.items import ItemRepository


class EventRuntime:
    def __init__(
        self,
        settings: Settings,
        broker: {{ cookiecutter.broker }}.Broker,
        outbox: Outbox,
        processed: ProcessedEvents,
        outbox_signal: OutboxSignal,
    ) -> None:
        self._settings = settings
        self.outbox = outbox
        self.hub = EventHub()
        self.broker = broker
        self.deletions = UpstreamDeletions(processed, settings.broker_upstream_prefix)
        self.bus = {{ cookiecutter.broker }}.EventBus(self.broker, settings, self.hub, self.deletions)
        self.connection = BrokerConnection(
            self.broker,
            timeout_seconds=settings.broker_timeout_seconds,
            connect_timeout_seconds=settings.broker_connect_timeout_seconds,
            max_retry_seconds=settings.broker_retry_max_seconds,
            after_start=self.bus.declare,
            # A backlog built up while the broker was away goes out right away.
            on_connected=outbox_signal.notify,
        )
        self.relay = Relay(
            outbox,
            self.publish,
            outbox_signal,
            RelayPolicy(
                batch_size=settings.outbox_batch_size,
                concurrency=settings.outbox_publish_concurrency,
                poll_seconds=settings.outbox_poll_seconds,
                max_retry_seconds=settings.broker_retry_max_seconds,
            ),
        )
        self.asyncapi = AsyncAPI(
            self.broker,
            title=f"{settings.broker_topic_prefix} events",
            version="{{ cookiecutter.version }}",
            description="Item events this service publishes and the events it consumes.",
        )

    async def publish(self, event: ItemEvent) -> None:
        self.connection.ensure_connected()
        # A broker that accepts the connection but never confirms must not stall the relay.
        async with asyncio.timeout(self._settings.broker_timeout_seconds):
            await self.bus.publish(event)

    def start(self) -> None:
        """Never waits for the broker: startup succeeds while it is down."""
        self.connection.start()
        self.relay.start()

    async def stop(self) -> None:
        await self.relay.stop(self._settings.outbox_flush_seconds)
        await self.connection.stop()


@dataclass(frozen=True, slots=True)
class OpenedEvents:
    """The events side once started: its runtime, and the item store that stages events."""

    runtime: EventRuntime
    items: ItemRepository
    readiness_checks: dict[str, ReadinessCheck]
