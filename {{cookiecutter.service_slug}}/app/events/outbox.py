"""What the relay needs from an outbox store, whatever the database."""

from __future__ import annotations

import asyncio
import uuid
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Protocol

from app.events.schema import ItemEvent


@dataclass(slots=True)
class OutboxBatch:
    """Pending events, oldest first; the store marks the `sent` ones when the claim closes."""

    events: list[ItemEvent]
    sent: list[int] = field(default_factory=list)

    def mark_sent(self, event: ItemEvent) -> None:
        self.sent.append(event.sequence)


class Outbox(Protocol):
    def claim(self, limit: int) -> AbstractAsyncContextManager[OutboxBatch]:
        """Up to `limit` unsent events in sequence order; marks the sent ones on exit.

        A store that cannot claim right now (another replica's relay holds the
        claim) yields an empty batch.
        """
        ...


class ProcessedEvents(Protocol):
    async def record(self, event_id: uuid.UUID) -> bool:
        """Remember the event; False when it was already processed (a duplicate)."""
        ...


class OutboxSignal:
    """Wakes the relay as soon as a change commits, so it does not wait for its next poll."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()

    async def wait(self, seconds: float) -> None:
        """Return when notified or after `seconds`, whichever comes first."""
        try:
            async with asyncio.timeout(seconds):
                await self._event.wait()
        except TimeoutError:
            return
        finally:
            self._event.clear()
