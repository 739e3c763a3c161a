"""Plain clients for the brokers in tests/services.py, independent of the rendered code.

A `Queue` is one durable destination on one broker: `prepare()` declares it (and
its consumer state) so that it outlives a broker restart where the broker keeps
data, `send()` publishes raw bytes and `receive()` takes what arrived, acknowledging
it, until `count` messages or the timeout.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Awaitable, Callable

import aio_pika
import nats
import redis.asyncio as aioredis
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from nats.js.api import ConsumerConfig, StorageType
from nats.js.errors import NotFoundError

from tests.polling import WaitTimeout, wait_until_async


class Queue:
    def __init__(self, url: str, name: str) -> None:
        self.url, self.name = url, name

    async def prepare(self) -> None:
        """Declare the destination and a consumer that keeps its place."""

    async def send(self, body: bytes) -> None:
        raise NotImplementedError

    async def receive(self, count: int, timeout: float = 30) -> list[bytes]:
        raise NotImplementedError


class RabbitMQQueue(Queue):
    """A durable queue; messages are persistent, so they survive a broker restart.

    With `exchange`, the queue is bound to that durable topic exchange with `binding`.
    """

    def __init__(
        self, url: str, name: str, exchange: str | None = None, binding: str = "#"
    ) -> None:
        super().__init__(url, name)
        self.exchange, self.binding = exchange, binding

    async def prepare(self) -> None:
        connection = await aio_pika.connect(self.url)
        async with connection:
            channel = await connection.channel()
            queue = await channel.declare_queue(self.name, durable=True)
            if self.exchange is not None:
                exchange = await channel.declare_exchange(
                    self.exchange, aio_pika.ExchangeType.TOPIC, durable=True
                )
                await queue.bind(exchange, routing_key=self.binding)

    async def send(self, body: bytes) -> None:
        connection = await aio_pika.connect(self.url)
        async with connection:
            channel = await connection.channel()
            message = aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT)
            await channel.default_exchange.publish(message, routing_key=self.name)

    async def receive(self, count: int, timeout: float = 30) -> list[bytes]:
        connection = await aio_pika.connect(self.url)
        received: list[bytes] = []
        async with connection:
            channel = await connection.channel()
            queue = await channel.declare_queue(self.name, durable=True)
            await _until(count, timeout, received, lambda: _rabbit_get(queue))
        return received


async def _rabbit_get(queue: aio_pika.abc.AbstractQueue) -> list[bytes]:
    message = await queue.get(fail=False)
    if message is None:
        return []
    await message.ack()
    return [message.body]


class RedisQueue(Queue):
    """A stream read through a consumer group (the group lives in the stream's data)."""

    group = "template-tests"

    async def prepare(self) -> None:
        client = aioredis.from_url(self.url)
        async with client:
            with contextlib.suppress(aioredis.ResponseError):  # BUSYGROUP: already there
                await client.xgroup_create(self.name, self.group, id="0", mkstream=True)

    async def send(self, body: bytes) -> None:
        client = aioredis.from_url(self.url)
        async with client:
            await client.xadd(self.name, {"body": body})

    async def receive(self, count: int, timeout: float = 30) -> list[bytes]:
        client = aioredis.from_url(self.url)
        received: list[bytes] = []

        async def take() -> list[bytes]:
            streams = await client.xreadgroup(
                self.group, "reader", {self.name: ">"}, count=100, block=200
            )
            bodies = []
            for _stream, entries in streams:
                for entry_id, fields in entries:
                    bodies.append(
                        fields[b"body"] if b"body" in fields else unwrap_faststream(fields)
                    )
                    await client.xack(self.name, self.group, entry_id)
            return bodies

        async with client:
            await _until(count, timeout, received, take)
        return received


class NatsQueue(Queue):
    """A JetStream stream on disk with a durable pull consumer on the subjects `name.>`.

    With `stream`, that existing stream is read instead of creating one.
    """

    def __init__(self, url: str, name: str, stream: str | None = None) -> None:
        super().__init__(url, name)
        self.stream = stream or name.upper().replace("-", "_").replace(".", "_")
        self._create_stream = stream is None

    async def prepare(self) -> None:
        client = await nats.connect(self.url)
        try:
            jetstream = client.jetstream()
            if self._create_stream:
                await jetstream.add_stream(
                    name=self.stream, subjects=[f"{self.name}.>"], storage=StorageType.FILE
                )
            # A pull that expires client-side can still be answered by the server;
            # those messages come back only after ack_wait, so keep it short.
            await jetstream.pull_subscribe(
                f"{self.name}.>",
                durable="template-tests",
                stream=self.stream,
                config=ConsumerConfig(ack_wait=2),
            )
        finally:
            await client.close()

    async def send(self, body: bytes) -> None:
        client = await nats.connect(self.url)
        try:
            await client.jetstream().publish(f"{self.name}.message", body)
        finally:
            await client.close()

    async def receive(self, count: int, timeout: float = 30) -> list[bytes]:
        client = await nats.connect(self.url)
        received: list[bytes] = []
        try:
            subscription = await client.jetstream().pull_subscribe(
                f"{self.name}.>", durable="template-tests", stream=self.stream
            )

            async def take() -> list[bytes]:
                try:
                    messages = await subscription.fetch(100, timeout=0.5)
                except (TimeoutError, NotFoundError):
                    return []
                for message in messages:
                    await message.ack()
                return [message.data for message in messages]

            await _until(count, timeout, received, take)
        finally:
            await client.close()
        return received


class KafkaQueue(Queue):
    """A topic read from where the last receive() stopped.

    No consumer group: joining one costs seconds per call. The position is kept
    here instead, so after a restart that lost the topic (Tansu keeps it in
    memory only) read it with a new KafkaQueue.
    """

    def __init__(self, url: str, name: str) -> None:
        super().__init__(url, name)
        self.positions: dict[TopicPartition, int] = {}
        # Message keys in the order received, beside the values receive() returns.
        self.keys: list[bytes | None] = []

    async def send(self, body: bytes) -> None:
        producer = AIOKafkaProducer(bootstrap_servers=self.url)
        await producer.start()
        try:
            await producer.send_and_wait(self.name, body)
        finally:
            await producer.stop()

    async def receive(self, count: int, timeout: float = 30) -> list[bytes]:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.url, enable_auto_commit=False, auto_offset_reset="earliest"
        )
        await consumer.start()
        received: list[bytes] = []

        async def take() -> list[bytes]:
            if not consumer.assignment():
                if self.name not in await consumer.topics():  # refreshes the metadata
                    return []
                partitions = consumer.partitions_for_topic(self.name) or set()
                assigned = [TopicPartition(self.name, p) for p in partitions]
                consumer.assign(assigned)
                # No clamp to end_offsets(): Tansu reports ends below what it holds
                # (514 for 900 records), and a clamp re-read those records forever.
                # A position past the end (a topic lost) resets to the earliest offset.
                for partition in assigned:
                    consumer.seek(partition, self.positions.get(partition, 0))
            batches = await consumer.getmany(timeout_ms=200)
            for partition, batch in batches.items():
                self.positions[partition] = batch[-1].offset + 1
                self.keys.extend(message.key for message in batch)
            return [message.value or b"" for batch in batches.values() for message in batch]

        try:
            await _until(count, timeout, received, take)
        finally:
            await consumer.stop()
        return received


# FastStream's Redis publisher wraps each message in its own envelope under this field:
# binary (magic, version, header and data offsets, headers, data) or, in older
# releases, JSON {"data": ..., "headers": ...}. Other consumers must unwrap it.
FASTSTREAM_DATA = b"__data__"
FASTSTREAM_BINARY = b"\x89BIN\r\n\x1a\n"


def unwrap_faststream(fields: dict[bytes, bytes]) -> bytes:
    raw = fields[FASTSTREAM_DATA]
    if raw.startswith(FASTSTREAM_BINARY):
        data_start = int.from_bytes(raw[14:18], "big")
        return raw[data_start:]
    envelope = json.loads(raw)
    return str(envelope["data"]).encode()


QUEUES: dict[str, type[Queue]] = {
    "rabbitmq": RabbitMQQueue,
    "kafka": KafkaQueue,
    "redis": RedisQueue,
    "nats": NatsQueue,
}


async def _until(
    count: int,
    timeout: float,
    received: list[bytes],
    take: Callable[[], Awaitable[list[bytes]]],
) -> None:
    async def enough() -> bool:
        received.extend(await take())
        return len(received) >= count

    # A short count is the caller's to judge: "nothing more arrived" is a result too.
    with contextlib.suppress(WaitTimeout):
        await wait_until_async(enough, timeout, what=f"{count} messages", interval=0.05)
