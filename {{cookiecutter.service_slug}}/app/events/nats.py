"""NATS JetStream through FastStream: where item events are published, and the example consumer.

- Own events: the JetStream stream `<PREFIX>` (upper case, `-` → `_`) holding
  `<prefix>.items.>`; subjects `<prefix>.items.created|updated|deleted`. The
  publish waits for JetStream's acknowledgement, so a sent event is stored.
- Upstream deletions: the durable consumer BROKER_CONSUMER_GROUP on
  `<upstream>.items.deleted` in the upstream's stream. A failing message is
  negatively acknowledged and redelivered; at its BROKER_MAX_DELIVERIES-th
  delivery (or at once when malformed) it is copied to the subject
  `<group>.dlq.<original subject>`, kept by the stream `<GROUP>_DLQ`, and acknowledged.
- WebSocket feed: an ephemeral JetStream consumer per process, from the newest event on.
"""

from __future__ import annotations

from faststream import AckPolicy
from faststream.nats import ConsumerConfig, DeliverPolicy, JStream, NatsBroker, PullSub
from faststream.nats.annotations import NatsMessage

from app.config import Settings
from app.events.connection import broker_logging
from app.events.consumer import PoisonMessageError, UpstreamDeletions
from app.events.hub import EventHub
from app.events.schema import ItemEvent

Broker = NatsBroker


def stream_name(prefix: str) -> str:
    return prefix.upper().replace("-", "_").replace(".", "_")


def create_broker(settings: Settings) -> NatsBroker:
    return NatsBroker(
        settings.broker_url,
        connect_timeout=max(1, round(settings.broker_timeout_seconds)),
        # Keep reconnecting for as long as the process lives; the relay holds events meanwhile.
        max_reconnect_attempts=-1,
        **broker_logging(__name__),
    )


class EventBus:
    def __init__(
        self,
        broker: NatsBroker,
        settings: Settings,
        hub: EventHub,
        deletions: UpstreamDeletions,
    ) -> None:
        self._hub = hub
        self._deletions = deletions
        self._max_deliveries = settings.broker_max_deliveries
        prefix = settings.broker_topic_prefix
        group = settings.broker_consumer_group
        self.stream = JStream(stream_name(prefix), subjects=[f"{prefix}.items.>"])
        self._subjects = {
            action: f"{prefix}.items.{action}" for action in ("created", "updated", "deleted")
        }
        self._publishers = {
            action: broker.publisher(
                subject,
                stream=self.stream,
                schema=ItemEvent,
                title=f"{subject}:publish",
                description=f"An item was {action}.",
            )
            for action, subject in self._subjects.items()
        }

        upstream = settings.broker_upstream_prefix
        self.parking_prefix = f"{group}.dlq"
        self.parking = broker.publisher(
            f"{self.parking_prefix}.>",
            stream=JStream(f"{stream_name(group)}_DLQ", subjects=[f"{self.parking_prefix}.>"]),
            title=f"{self.parking_prefix}.>:publish",
            description="Upstream events this service could not process.",
        )
        broker.subscriber(
            f"{upstream}.items.deleted",
            stream=JStream(stream_name(upstream), subjects=[f"{upstream}.items.>"]),
            durable=group,
            pull_sub=PullSub(batch_size=10),
            config=ConsumerConfig(max_deliver=settings.broker_max_deliveries),
            ack_policy=AckPolicy.NACK_ON_ERROR,
            title=f"{upstream}.items.deleted:consume",
        )(self.on_upstream_deleted)

        # An ephemeral consumer per process, from the next event on.
        broker.subscriber(
            f"{prefix}.items.>",
            stream=self.stream,
            deliver_policy=DeliverPolicy.NEW,
            title=f"{prefix}.items.>:websocket",
        )(self.on_own_event)

    async def declare(self) -> None:
        """The streams are declared by FastStream when the broker starts."""

    async def publish(self, event: ItemEvent) -> None:
        await self._publishers[event.action].publish(
            event.model_dump(mode="json"),
            # Named, not left to the publisher: it would parse its subject again each time.
            subject=self._subjects[event.action],
            correlation_id=str(event.event_id),
            # JetStream drops a second publish with the same id within its duplicate window.
            headers={**event.headers, "Nats-Msg-Id": str(event.event_id), "event-type": event.type},
        )

    async def on_upstream_deleted(self, message: NatsMessage) -> None:
        try:
            await self._deletions.handle(message.body)
        except PoisonMessageError as error:
            await self._park(message, f"malformed: {error}")
        except Exception as error:
            if message.raw_message.metadata.num_delivered < self._max_deliveries:
                raise
            await self._park(message, f"failed {self._max_deliveries} times: {error!r}")

    async def _park(self, message: NatsMessage, reason: str) -> None:
        await self.parking.publish(
            message.body,
            subject=f"{self.parking_prefix}.{message.raw_message.subject}",
            headers={"reason": reason},
        )

    async def on_own_event(self, message: NatsMessage) -> None:
        self._hub.broadcast_json(message.body)
