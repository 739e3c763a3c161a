"""Helpers for tests of item events."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from app.events.schema import ItemEvent

# Generous for a real broker on a busy machine; the in-memory one answers at once.
EVENT_TIMEOUT_SECONDS = 10.0


async def next_event(queue: asyncio.Queue[ItemEvent | None]) -> ItemEvent:
    async with asyncio.timeout(EVENT_TIMEOUT_SECONDS):
        event = await queue.get()
    assert event is not None, "the hub dropped this subscriber"
    return event


async def eventually(condition: Callable[[], bool], seconds: float = EVENT_TIMEOUT_SECONDS) -> None:
    """Wait until `condition()` holds; fail the test if it does not within `seconds`."""
    async with asyncio.timeout(seconds):
        # Polling: the conditions are plain attributes of the app, with nothing to await.
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.01)
