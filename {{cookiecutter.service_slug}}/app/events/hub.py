"""Fans item events out to the WebSocket clients connected to this process."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from app.events.schema import ItemEvent

logger = logging.getLogger(__name__)


class EventHub:
    """Each client gets a bounded queue; a client too slow to keep up is dropped, not waited for."""

    def __init__(self, queue_size: int = 256) -> None:
        self._queue_size = queue_size
        self._queues: set[asyncio.Queue[ItemEvent | None]] = set()

    @property
    def clients(self) -> int:
        return len(self._queues)

    @contextmanager
    def subscribe(self) -> Iterator[asyncio.Queue[ItemEvent | None]]:
        # One slot is kept free for the None that tells a lagging client to go.
        queue: asyncio.Queue[ItemEvent | None] = asyncio.Queue(self._queue_size + 1)
        self._queues.add(queue)
        try:
            yield queue
        finally:
            self._queues.discard(queue)

    def broadcast_json(self, body: bytes) -> None:
        """An event as the broker delivered it; with no client connected it is not even parsed."""
        if self._queues:
            self.broadcast(ItemEvent.model_validate_json(body))

    def broadcast(self, event: ItemEvent) -> None:
        for queue in list(self._queues):
            if queue.qsize() >= self._queue_size:
                logger.warning("dropping a WebSocket client that does not keep up")
                self._queues.discard(queue)
                queue.put_nowait(None)
            else:
                queue.put_nowait(event)
