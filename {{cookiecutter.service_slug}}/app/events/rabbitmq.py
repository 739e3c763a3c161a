"""RabbitMQ through FastStream: where item events are published, and the example consumer.

- Own events: durable topic exchange named after the topic prefix, routing keys
  `items.created|updated|deleted`, persistent messages.
- Upstream deletions: a durable quorum queue `<group>.<upstream>.items.deleted`
  bound to the upstream's exchange. A failing message is redelivered up to
  BROKER_MAX_DELIVERIES times, a malformed one not at all; then RabbitMQ
  dead-letters it through `<group>.dlx` into the parking queue `<queue>.dlq`.
- WebSocket feed: an exclusive, auto-deleted queue per process on the own exchange.
"""

from __future__ import annotations

import uuid

from faststream import AckPolicy
from faststream.exceptions import RejectMessage
from faststream.rabbit import (
    Channel,
    ExchangeType,
    QueueType,
    RabbitBroker,
    RabbitExchange,
    RabbitQueue,
)
from faststream.rabbit.annotations import RabbitMessage

from app.config import Settings
from app.events.connection import broker_logging
from app.events.consumer import PoisonMessageError, UpstreamDeletions
from app.events.hub import EventHub
from app.events.schema import ItemEvent

Broker = RabbitBroker


def create_broker(settings: Settings) -> RabbitBroker:
    return RabbitBroker(
        settings.broker_url,
        timeout=settings.broker_timeout_seconds,
        **broker_logging(__name__),
    )


class EventBus:
    def __init__(
        self,
        broker: RabbitBroker,
        settings: Settings,
        hub: EventHub,
        deletions: UpstreamDeletions,
    ) -> None:
        self._broker = broker
        self._hub = hub
        self._deletions = deletions
        group = settings.broker_consumer_group
        self.exchange = RabbitExchange(
            settings.broker_topic_prefix, type=ExchangeType.TOPIC, durable=True
        )
        self._publisher = broker.publisher(
            exchange=self.exchange,
            routing_key="items.*",
            persist=True,
            # Unrouted events are fine: nobody has subscribed yet.
            mandatory=False,
            schema=ItemEvent,
            title=f"{settings.broker_topic_prefix}:items.*",
            description="Every change of an item: created, updated, deleted.",
        )

        self.dead_letters = RabbitExchange(f"{group}.dlx", type=ExchangeType.DIRECT, durable=True)
        queue_name = f"{group}.{settings.broker_upstream_prefix}.items.deleted"
        self.parking = RabbitQueue(
            f"{queue_name}.dlq", durable=True, routing_key=queue_name, queue_type=QueueType.QUORUM
        )
        upstream_queue = RabbitQueue(
            queue_name,
            durable=True,
            routing_key="items.deleted",
            queue_type=QueueType.QUORUM,
            arguments={
                "x-dead-letter-exchange": self.dead_letters.name,
                "x-dead-letter-routing-key": queue_name,
                "x-delivery-limit": settings.broker_max_deliveries,
            },
        )
        upstream_exchange = RabbitExchange(
            settings.broker_upstream_prefix, type=ExchangeType.TOPIC, durable=True
        )
        broker.subscriber(
            upstream_queue,
            upstream_exchange,
            ack_policy=AckPolicy.NACK_ON_ERROR,
            title=f"{queue_name}:consume",
        )(self.on_upstream_deleted)

        feed = RabbitQueue(
            f"{group}.websocket.{uuid.uuid4().hex[:12]}",
            exclusive=True,
            auto_delete=True,
            routing_key="items.#",
        )
        broker.subscriber(
            feed,
            self.exchange,
            # aio-pika runs each delivery as its own task: with one unacknowledged
            # message at a time, clients get the events in the order they were published.
            channel=Channel(prefetch_count=1),
            title=f"{group}.websocket:consume",
        )(self.on_own_event)

    async def declare(self) -> None:
        """Exchanges and the parking queue, so publishing and dead-lettering never hit a 404."""
        await self._broker.declare_exchange(self.exchange)
        await self._broker.declare_exchange(self.dead_letters)
        parking = await self._broker.declare_queue(self.parking)
        await parking.bind(self.dead_letters.name, routing_key=self.parking.routing())

    async def publish(self, event: ItemEvent) -> None:
        await self._publisher.publish(
            event.model_dump(mode="json"),
            routing_key=f"items.{event.action}",
            message_id=str(event.event_id),
            correlation_id=str(event.event_id),
            message_type=event.type,
            # A copy: the telemetry middleware writes its trace context into the map.
            headers=dict(event.headers),
        )

    async def on_upstream_deleted(self, message: RabbitMessage) -> None:
        try:
            await self._deletions.handle(message.body)
        except PoisonMessageError as error:
            # Rejected without requeue: RabbitMQ dead-letters it at once.
            raise RejectMessage from error

    async def on_own_event(self, message: RabbitMessage) -> None:
        self._hub.broadcast_json(message.body)
