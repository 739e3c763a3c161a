"""The example consumer: reacts to items another service deletes, once per event.

Brokers deliver at least once, so the same event can arrive twice (a redelivery
after a crash, or the upstream relay publishing again). The event id is
recorded before the reaction runs; a second delivery finds it and is ignored.
Put any database work of a real reaction in the same transaction as that record.
"""

from __future__ import annotations

import logging

from pydantic import ValidationError

from app.events.outbox import ProcessedEvents
from app.events.schema import ItemEvent

logger = logging.getLogger(__name__)


class PoisonMessageError(Exception):
    """The message can never be processed (not an item event): park it without retrying."""


class UpstreamDeletions:
    def __init__(self, processed: ProcessedEvents, upstream: str) -> None:
        self._processed = processed
        self._upstream = upstream
        self.handled = 0

    async def handle(self, body: bytes) -> bool:
        """Process one message; False when it is a duplicate or not a deletion."""
        try:
            event = ItemEvent.model_validate_json(body)
        except ValidationError as error:
            raise PoisonMessageError(str(error)) from error
        if event.type != "item.deleted":
            return False
        if not await self._processed.record(event.event_id):
            logger.info("duplicate event ignored", extra={"event_id": str(event.event_id)})
            return False
        # The reaction: a real service would, say, release stock reserved for the item.
        logger.info(
            "upstream item deleted",
            extra={"upstream": self._upstream, "item_id": event.item_id},
        )
        self.handled += 1
        return True
