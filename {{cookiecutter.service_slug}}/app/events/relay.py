"""Moves committed events from the outbox to the broker, in order, at least once.

A change and its event commit together, so the broker being down never loses
an event nor fails a request: the relay keeps retrying with capped
exponential backoff and publishes the backlog, oldest first, once the broker
is back. Consumers de-duplicate on `event_id`, because an event published
just before a crash (or by two relays at once) can arrive twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass

from app.events.outbox import Outbox, OutboxSignal
from app.events.schema import ItemEvent

Publish = Callable[[ItemEvent], Awaitable[None]]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RelayPolicy:
    batch_size: int = 100
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
            try:
                drained = await self.relay_once()
            # Any failure (broker, network, database) is retried the same way;
            # the loop must outlive every one of them.
            except Exception as error:
                if self._stopping.is_set():
                    return
                logger.warning(
                    "publishing outbox events failed; retrying",
                    extra={"error": repr(error), "retry_in_seconds": delay},
                )
                await self._sleep(delay)
                delay = min(delay * 2, self._policy.max_retry_seconds)
                continue
            delay = self._policy.first_retry_seconds
            if drained:
                if self._stopping.is_set():
                    return
                await self._signal.wait(self._policy.poll_seconds)

    async def relay_once(self) -> bool:
        """Publish one batch in order; True when the outbox had nothing more."""
        failure: Exception | None = None
        async with self._outbox.claim(self._policy.batch_size) as batch:
            for event in batch.events:
                try:
                    await self._publish(event)
                # Stop at the first failure: later events of the same item must not overtake
                # it. The claim still closes normally, so what was sent is marked sent.
                except Exception as error:
                    failure = error
                    break
                batch.mark_sent(event)
                self.published += 1
        if failure is not None:
            raise failure
        return len(batch.events) < self._policy.batch_size

    async def _sleep(self, seconds: float) -> None:
        with suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._stopping.wait()
