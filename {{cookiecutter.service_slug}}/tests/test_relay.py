"""The relay against a publisher that fails on purpose (fault injection): retries, order, bounds."""

from __future__ import annotations

import asyncio
import logging
import time

import httpx
import pytest
from fastapi import FastAPI

from app.container import container_of_app
from app.events.outbox import Outbox, OutboxSignal
from app.events.relay import Relay, RelayPolicy
from app.events.schema import ItemEvent
from tests.eventing import eventually

FAST_RETRIES = RelayPolicy(
    batch_size=2,
    poll_seconds=60,
    first_retry_seconds=0.01,
    max_retry_seconds=0.04,
)


class FlakyPublisher:
    """Refuses the first `failures` publishes, as a broker that is down would."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.attempts = 0
        self.published: list[ItemEvent] = []

    async def __call__(self, event: ItemEvent) -> None:
        self.attempts += 1
        if self.failures != 0:
            self.failures -= 1
            raise ConnectionError("broker unreachable")
        self.published.append(event)


class FailingOncePublisher:
    """Fails one chosen event once, after yielding, so the other items' publishes overlap it."""

    def __init__(self) -> None:
        self.failing: tuple[str, str] | None = None
        self.published: list[ItemEvent] = []
        self.in_flight = 0
        self.most_in_flight = 0

    async def __call__(self, event: ItemEvent) -> None:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0)
            if (event.type, event.item_id) == self.failing:
                self.failing = None
                raise ConnectionError("the broker refused this one")
            self.published.append(event)
        finally:
            self.in_flight -= 1


class HangingPublisher:
    """Never confirms, as a broker that accepts connections but has stalled."""

    def __init__(self) -> None:
        self.attempts = 0

    async def __call__(self, event: ItemEvent) -> None:
        self.attempts += 1
        await asyncio.Event().wait()


@pytest.fixture
async def paused_app(app: FastAPI) -> FastAPI:
    """The app with its own relay stopped, so the relay under test is the only one."""
    # A budget, not 0: cancelling the relay mid-query would strand its connection.
    await container_of_app(app).events.relay.stop(5)
    return app


def outbox_of(app: FastAPI) -> Outbox:
    return container_of_app(app).events.outbox


async def make_changes(client: httpx.AsyncClient) -> list[tuple[str, str]]:
    first = (await client.post("/items", json={"name": "first"})).json()
    second = (await client.post("/items", json={"name": "second"})).json()
    await client.patch(f"/items/{first['id']}", json={"quantity": 7})
    await client.delete(f"/items/{second['id']}")
    await client.delete(f"/items/{first['id']}")
    return [
        ("item.created", str(first["id"])),
        ("item.created", str(second["id"])),
        ("item.updated", str(first["id"])),
        ("item.deleted", str(second["id"])),
        ("item.deleted", str(first["id"])),
    ]


async def test_retries_with_capped_backoff_then_publishes_each_event_once_in_order(
    paused_app: FastAPI, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    expected = await make_changes(client)
    publisher = FlakyPublisher(failures=4)
    relay = Relay(outbox_of(paused_app), publisher, OutboxSignal(), FAST_RETRIES)

    with caplog.at_level(logging.WARNING, logger="app.events.relay"):
        relay.start()
        await eventually(lambda: len(publisher.published) == len(expected))
        await relay.stop(1)

    assert [(event.type, event.item_id) for event in publisher.published] == expected
    sequences = [event.sequence for event in publisher.published]
    assert sequences == sorted(set(sequences))
    assert publisher.attempts == len(expected) + 4
    delays = [
        record.__dict__["retry_in_seconds"]
        for record in caplog.records
        if record.name == "app.events.relay"
    ]
    assert delays == [0.01, 0.02, 0.04, 0.04]  # doubling, capped at max_retry_seconds
    async with outbox_of(paused_app).claim(10) as batch:
        assert batch.events == []


async def test_a_failure_mid_batch_keeps_what_was_sent(
    paused_app: FastAPI, client: httpx.AsyncClient
) -> None:
    await make_changes(client)
    publisher = FlakyPublisher(failures=0)
    relay = Relay(outbox_of(paused_app), publisher, OutboxSignal(), FAST_RETRIES)
    assert await relay.relay_once() is False  # a full batch: maybe more behind it

    publisher.failures = -1  # from now on, every publish fails
    with pytest.raises(ConnectionError):
        await relay.relay_once()

    async with outbox_of(paused_app).claim(10) as batch:
        pending = [event.sequence for event in batch.events]
    assert len(pending) == 3
    assert min(pending) > max(event.sequence for event in publisher.published)


async def test_stop_is_bounded_while_the_broker_hangs(
    paused_app: FastAPI, client: httpx.AsyncClient
) -> None:
    expected = await make_changes(client)
    publisher = HangingPublisher()
    relay = Relay(outbox_of(paused_app), publisher, OutboxSignal(), FAST_RETRIES)
    relay.start()
    await eventually(lambda: publisher.attempts == 1)

    started = time.monotonic()
    await relay.stop(flush_seconds=0.5)

    assert 0.4 < time.monotonic() - started < 2
    async with outbox_of(paused_app).claim(10) as batch:
        assert len(batch.events) == len(expected)  # kept for the next start


async def test_stop_gives_up_at_once_while_the_broker_refuses(
    paused_app: FastAPI, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    await make_changes(client)
    publisher = FlakyPublisher(failures=-1)  # every publish fails
    slow_retries = RelayPolicy(first_retry_seconds=30, max_retry_seconds=30)
    relay = Relay(outbox_of(paused_app), publisher, OutboxSignal(), slow_retries)
    caplog.set_level(logging.WARNING, logger="app.events.relay")
    relay.start()
    # Stopped only once the relay sleeps in its backoff: stopping while the first
    # attempt is still failing would end it before the last attempt is due.
    await eventually(lambda: "retrying" in caplog.text)
    assert publisher.attempts == 1

    started = time.monotonic()
    await relay.stop(flush_seconds=10)

    # One last attempt, not the rest of the 30 s backoff nor the whole flush budget.
    assert time.monotonic() - started < 2
    assert publisher.attempts == 2
    assert publisher.published == []


async def test_stop_flushes_what_is_pending(paused_app: FastAPI, client: httpx.AsyncClient) -> None:
    publisher = FlakyPublisher(failures=0)
    signal = OutboxSignal()
    relay = Relay(outbox_of(paused_app), publisher, signal, FAST_RETRIES)
    relay.start()
    # Written after the relay went to sleep, without waking it: only the flush sends them.
    expected = await make_changes(client)

    await relay.stop(flush_seconds=5)

    assert [(event.type, event.item_id) for event in publisher.published] == expected


async def test_an_outbox_write_wakes_the_relay_before_its_next_poll(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # The app's relay polls once a minute in the tests: only the wake-up can be this fast.
    await client.post("/items", json={"name": "prompt"})

    await eventually(lambda: container_of_app(app).events.relay.published == 1, seconds=5)


async def change_three_items_three_times(client: httpx.AsyncClient) -> list[str]:
    """Three items, each created then updated twice, the changes of the items interleaved."""
    ids = [
        str((await client.post("/items", json={"name": name})).json()["id"])
        for name in ("alpha", "beta", "gamma")
    ]
    for quantity in (1, 2):
        for item_id in ids:
            await client.patch(f"/items/{item_id}", json={"quantity": quantity})
    return ids


def quantities_of(events: list[ItemEvent], item_id: str) -> list[int]:
    return [event.payload["quantity"] for event in events if event.item_id == item_id]


async def test_a_concurrent_batch_keeps_each_items_order_and_stops_an_item_at_its_failure(
    paused_app: FastAPI, client: httpx.AsyncClient
) -> None:
    alpha, beta, gamma = await change_three_items_three_times(client)
    publisher = FailingOncePublisher()
    publisher.failing = ("item.updated", beta)  # beta's first update, mid-batch
    relay = Relay(
        outbox_of(paused_app), publisher, OutboxSignal(), RelayPolicy(batch_size=20, concurrency=8)
    )

    with pytest.raises(ConnectionError):
        await relay.relay_once()

    assert publisher.most_in_flight > 1  # the items really went out side by side
    assert quantities_of(publisher.published, alpha) == [0, 1, 2]
    assert quantities_of(publisher.published, gamma) == [0, 1, 2]
    # Nothing of beta after its failure went out: its second update waited too.
    assert quantities_of(publisher.published, beta) == [0]
    async with outbox_of(paused_app).claim(20) as batch:
        assert [(event.item_id, event.payload["quantity"]) for event in batch.events] == [
            (beta, 1),
            (beta, 2),
        ]

    assert await relay.relay_once() is True
    assert quantities_of(publisher.published, beta) == [0, 1, 2]
    assert relay.published == 9


async def test_a_batch_that_sent_events_before_failing_is_retried_without_backoff(
    paused_app: FastAPI, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    _, beta, _ = await change_three_items_three_times(client)
    publisher = FailingOncePublisher()
    publisher.failing = ("item.updated", beta)  # mid-batch: other events went out first
    slow_retries = RelayPolicy(batch_size=20, first_retry_seconds=30, max_retry_seconds=30)
    relay = Relay(outbox_of(paused_app), publisher, OutboxSignal(), slow_retries)

    with caplog.at_level(logging.WARNING, logger="app.events.relay"):
        relay.start()
        # Well within the 30 s backoff: the retry did not wait for it.
        await eventually(lambda: len(publisher.published) == 9, seconds=5)
        await relay.stop(1)

    assert quantities_of(publisher.published, beta) == [0, 1, 2]
    delays = [
        record.__dict__["retry_in_seconds"]
        for record in caplog.records
        if record.name == "app.events.relay"
    ]
    assert delays == [0]
