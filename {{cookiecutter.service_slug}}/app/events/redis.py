"""Redis Streams through FastStream: where item events are published, and the example consumer.

- Own events: the stream `<prefix>.items` (a stream, not pub/sub, so events wait
  for consumers that are away), trimmed to about STREAM_MAX_LENGTH entries.
- Upstream deletions: the consumer group BROKER_CONSUMER_GROUP on
  `<upstream>.items`, one consumer name per process. A failing message is
  retried in process up to BROKER_MAX_DELIVERIES times, then copied to the
  stream `<upstream>.items.dlq` with the reason, and acknowledged.
- WebSocket feed: a group-less reader per process, starting at the newest entry.
"""

from __future__ import annotations

import socket

from faststream import AckPolicy
from faststream.redis import RedisBroker, StreamSub
from faststream.redis.annotations import RedisStreamMessage

from app.config import Settings
from app.events.connection import broker_logging
from app.events.consumer import UpstreamDeletions
from app.events.hub import EventHub
from app.events.retry import deliver_or_park
from app.events.schema import ItemEvent

# Approximate trimming keeps XADD cheap; consumers further behind than this lose events.
STREAM_MAX_LENGTH = 100_000

Broker = RedisBroker


def create_broker(settings: Settings) -> RedisBroker:
    return RedisBroker(
        settings.broker_url,
        socket_timeout=settings.broker_timeout_seconds,
        socket_connect_timeout=settings.broker_timeout_seconds,
        **broker_logging(__name__),
    )


class EventBus:
    def __init__(
        self,
        broker: RedisBroker,
        settings: Settings,
        hub: EventHub,
        deletions: UpstreamDeletions,
    ) -> None:
        self._hub = hub
        self._deletions = deletions
        self._attempts = settings.broker_max_deliveries
        self.stream = f"{settings.broker_topic_prefix}.items"
        self._publisher = broker.publisher(
            stream=StreamSub(self.stream, maxlen=STREAM_MAX_LENGTH),
            schema=ItemEvent,
            title=f"{self.stream}:publish",
            description="Every change of an item: created, updated, deleted.",
        )

        upstream_stream = f"{settings.broker_upstream_prefix}.items"
        self.parking_stream = f"{upstream_stream}.dlq"
        self.parking = broker.publisher(
            stream=self.parking_stream,
            title=f"{self.parking_stream}:publish",
            description="Upstream events this service could not process.",
        )
        broker.subscriber(
            stream=StreamSub(
                upstream_stream,
                group=settings.broker_consumer_group,
                consumer=socket.gethostname(),
                last_id="0",
            ),
            ack_policy=AckPolicy.ACK,
            title=f"{upstream_stream}:consume",
        )(self.on_upstream_event)

        broker.subscriber(
            stream=StreamSub(self.stream, last_id="$"), title=f"{self.stream}:websocket"
        )(self.on_own_event)

    async def declare(self) -> None:
        """Streams and groups are created on first use; nothing to declare."""

    async def publish(self, event: ItemEvent) -> None:
        await self._publisher.publish(
            event.model_dump(mode="json"),
            # Named, not left to the publisher: it would copy its StreamSub to look them up.
            stream=self.stream,
            maxlen=STREAM_MAX_LENGTH,
            correlation_id=str(event.event_id),
            headers={**event.headers, "event-type": event.type},
        )

    async def on_upstream_event(self, message: RedisStreamMessage) -> None:
        body = message.body

        async def park(reason: str) -> None:
            await self.parking.publish(body, headers={"reason": reason})

        await deliver_or_park(lambda: self._deletions.handle(body), park, attempts=self._attempts)

    async def on_own_event(self, message: RedisStreamMessage) -> None:
        self._hub.broadcast_json(message.body)
