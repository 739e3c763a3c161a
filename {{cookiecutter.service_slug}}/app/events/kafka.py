"""Kafka through FastStream: where item events are published, and the example consumer.

- Own events: topic `<prefix>.items`, keyed by item id, so every event of one
  item lands on one partition and keeps its order.
- Upstream deletions: the consumer group BROKER_CONSUMER_GROUP reads
  `<upstream>.items` and handles `item.deleted` events. Kafka does not
  redeliver a single message, so a failing one is retried in process up to
  BROKER_MAX_DELIVERIES times, then parked on `<upstream>.items.dlq` (with the
  reason in a header) and the offset moves on.
- WebSocket feed: a group-less consumer per process, starting at the newest event.
"""

from __future__ import annotations

from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from app.config import Settings
from app.events.connection import broker_logging
from app.events.consumer import UpstreamDeletions
from app.events.hub import EventHub
from app.events.retry import deliver_or_park
from app.events.schema import ItemEvent

Broker = KafkaBroker


def create_broker(settings: Settings) -> KafkaBroker:
    # aiokafka's own request timeout stays at its default: joining a consumer group
    # legitimately waits for the rebalance. Publishing is bounded by the relay instead.
    return KafkaBroker(
        [server.strip() for server in settings.broker_url.split(",")],
        **broker_logging(__name__),
    )


class EventBus:
    def __init__(
        self,
        broker: KafkaBroker,
        settings: Settings,
        hub: EventHub,
        deletions: UpstreamDeletions,
    ) -> None:
        self._hub = hub
        self._deletions = deletions
        self._attempts = settings.broker_max_deliveries
        self.topic = f"{settings.broker_topic_prefix}.items"
        self._publisher = broker.publisher(
            self.topic,
            schema=ItemEvent,
            title=f"{self.topic}:publish",
            description="Every change of an item: created, updated, deleted; key = item id.",
        )

        upstream_topic = f"{settings.broker_upstream_prefix}.items"
        self.parking_topic = f"{upstream_topic}.dlq"
        self.parking = broker.publisher(
            self.parking_topic,
            title=f"{self.parking_topic}:publish",
            description="Upstream events this service could not process.",
        )
        broker.subscriber(
            upstream_topic,
            group_id=settings.broker_consumer_group,
            auto_offset_reset="earliest",
            ack_policy=AckPolicy.ACK,
            title=f"{upstream_topic}:consume",
        )(self.on_upstream_event)

        broker.subscriber(
            self.topic,
            auto_offset_reset="latest",
            title=f"{self.topic}:websocket",
        )(self.on_own_event)

    async def declare(self) -> None:
        """Kafka creates topics on first use (auto.create.topics.enable); nothing to declare."""

    async def publish(self, event: ItemEvent) -> None:
        await self._publisher.publish(
            event.model_dump(mode="json"),
            key=event.item_id.encode(),
            correlation_id=str(event.event_id),
            headers={**event.headers, "event-type": event.type},
        )

    async def on_upstream_event(self, message: KafkaMessage) -> None:
        body = message.body

        async def park(reason: str) -> None:
            await self.parking.publish(body, headers={"reason": reason})

        await deliver_or_park(lambda: self._deletions.handle(body), park, attempts=self._attempts)

    async def on_own_event(self, message: KafkaMessage) -> None:
        self._hub.broadcast_json(message.body)
