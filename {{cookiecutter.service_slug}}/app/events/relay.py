"""Moves committed events from the outbox to the broker, in order, at least once.

A change and its event commit together, so the broker being down never loses
an event nor fails a request: the relay keeps retrying with capped
exponential backoff and publishes the backlog, oldest first, once the broker
is back. Consumers de-duplicate on `event_id`, because an event published
just before a crash (or by two relays at once) can arrive twice.

A batch goes out concurrently but keeps each item's order: one item's events
are published one after another, each once the previous one was acknowledged,
while different items' events are in flight together (decision 0026).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass

from app.events.outbox import Outbox, OutboxBatch, OutboxSignal
from app.events.schema import ItemEvent

Publish = Callable[[ItemEvent], Awaitable[None]]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RelayPolicy:
    batch_size: int = 500
    # Items whose events are in flight at once; one item's events never overlap.
    concurrency: int = 64
    # Other replicas' writes do not wake this process's relay; polling finds them.
    poll_seconds: float = 1.0
    first_retry_seconds: float = 0.5
    max_retry_seconds: float = 10.0


class Relay:
    def __init__(
        self, outbox: Outbox, publish: Publish, signal: OutboxSignal, policy: RelayPolicy
    ) -> None:
        self._outbox = outbox
        self._publish = publish
        self._signal = signal
        self._policy = policy
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.published = 0

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name="outbox-relay")

    async def stop(self, flush_seconds: float) -> None:
        """Publish what can still be published within `flush_seconds`, then stop."""
        self._stopping.set()
        self._signal.notify()
        if self._task is None or self._task.done():
            return
        try:
            async with asyncio.timeout(flush_seconds):
                await asyncio.shield(self._task)
        except TimeoutError:
            logger.warning("outbox relay stopped before the backlog was published")
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task

    async def run(self) -> None:
        delay = self._policy.first_retry_seconds
        while True:
            published_before = self.published
            try:
                drained = await self.relay_once()
            # Any failure (broker, network, database) is retried the same way;
            # the loop must outlive every one of them.
            except Exception as error:
                if self._stopping.is_set():
                    return
                # A batch that got events out reached a working broker (right after a
                # broker restart, pooled connections fail once each): go on at once.
                # Only an attempt that sent nothing waits, so a broker that stays away
                # still costs one attempt per backoff.
                progressed = self.published > published_before
                logger.warning(
                    "publishing outbox events failed; retrying",
                    extra={"error": repr(error), "retry_in_seconds": 0 if progressed else delay},
                )
                if progressed:
                    delay = self._policy.first_retry_seconds
                else:
                    await self._sleep(delay)
                    delay = min(delay * 2, self._policy.max_retry_seconds)
                continue
            delay = self._policy.first_retry_seconds
            if drained:
                if self._stopping.is_set():
                    return
                await self._signal.wait(self._policy.poll_seconds)

    async def relay_once(self) -> bool:
        """Publish one batch, in order per item; True when the outbox had nothing more."""
        async with self._outbox.claim(self._policy.batch_size) as batch:
            publishing = _BatchPublishing(batch, self._publish)
            await publishing.run(self._policy.concurrency)
            self.published += len(batch.sent)
        # Raised once the claim has closed normally, so what was sent is marked sent.
        if publishing.failure is not None:
            raise publishing.failure
        return len(batch.events) < self._policy.batch_size

    async def _sleep(self, seconds: float) -> None:
        with suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._stopping.wait()


@dataclass(slots=True)
class _BatchPublishing:
    """One claimed batch on its way out: per-item chains of events, run side by side."""

    batch: OutboxBatch
    publish: Publish
    failure: Exception | None = None

    async def run(self, concurrency: int) -> None:
        if not self.batch.events:
            return
        first, *rest = self.batch.events
        # The oldest event goes alone: while the broker is away, a batch costs one
        # failed attempt (one timeout, one warning), not one per item in flight.
        await self._publish_chain([first])
        if self.failure is not None:
            return
        chains = _per_item(rest)
        pending = iter(chains)
        async with asyncio.TaskGroup() as workers:
            for _ in range(min(concurrency, len(chains))):
                workers.create_task(self._work(pending))

    async def _work(self, pending: Iterator[list[ItemEvent]]) -> None:
        # The workers share one iterator, so each item's chain is taken by exactly one.
        for chain in pending:
            # After a failure the broker is likely away: items under way finish, no
            # new one starts, so an outage costs at most `concurrency` timeouts.
            if self.failure is not None:
                return
            await self._publish_chain(chain)

    async def _publish_chain(self, chain: list[ItemEvent]) -> None:
        for event in chain:
            try:
                await self.publish(event)
            # This item's later events must not overtake the failed one: they wait
            # for the next claim, which starts from the oldest unsent event.
            except Exception as error:
                if self.failure is None:
                    self.failure = error
                return
            self.batch.mark_sent(event)


def _per_item(events: list[ItemEvent]) -> list[list[ItemEvent]]:
    """Each item's events in sequence order; items in the order of their oldest event."""
    chains: dict[str, list[ItemEvent]] = {}
    for event in events:
        chains.setdefault(event.item_id, []).append(event)
    return list(chains.values())
