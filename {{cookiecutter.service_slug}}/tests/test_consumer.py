"""The example consumer: another service's deletions, handled once each; poison messages parked."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI

from app.container import container_of_app
from app.events.consumer import PoisonMessageError, UpstreamDeletions
from app.events.schema import ItemEventType
from tests.eventing import eventually
from tests.upstream import assert_parked, publish_upstream


def upstream_event(type_: ItemEventType = "item.deleted", item_id: str = "77") -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()),
        "type": type_,
        "version": 1,
        "occurred_at": datetime.now(UTC).isoformat(),
        "item_id": item_id,
        "sequence": 1,
        "payload": {"id": item_id},
    }


async def test_an_upstream_deletion_is_handled_once_however_often_it_arrives(
    app: FastAPI,
) -> None:
    deletions: UpstreamDeletions = container_of_app(app).events.deletions
    event, later = upstream_event(), upstream_event()

    await publish_upstream(app, event)
    await publish_upstream(app, event)  # a redelivery
    await publish_upstream(app, later)
    await eventually(lambda: deletions.handled >= 2)

    # `later` came after the duplicate on the same queue, so the duplicate was seen and ignored.
    assert deletions.handled == 2
    assert await deletions.handle(json.dumps(event).encode()) is False


async def test_a_malformed_message_is_parked_and_the_consumer_carries_on(app: FastAPI) -> None:
    deletions: UpstreamDeletions = container_of_app(app).events.deletions

    await publish_upstream(app, b"{not an event")
    await publish_upstream(app, upstream_event())
    await eventually(lambda: deletions.handled == 1)

    await assert_parked(app, b"{not an event")


async def test_events_other_than_deletions_are_ignored(app: FastAPI) -> None:
    deletions: UpstreamDeletions = container_of_app(app).events.deletions

    handled = await deletions.handle(json.dumps(upstream_event("item.created")).encode())

    assert handled is False
    assert deletions.handled == 0


@pytest.mark.parametrize("body", [b"", b"[]", b'{"type": "item.deleted"}', b"\xff"])
async def test_anything_but_an_item_event_is_poison(app: FastAPI, body: bytes) -> None:
    with pytest.raises(PoisonMessageError):
        await container_of_app(app).events.deletions.handle(body)
