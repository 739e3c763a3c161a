{%- if cookiecutter.database == "mongo" %}
{%- set example_id = '"6650f0c0a0b0c0d0e0f01234"' %}
{%- set id_type = "string" %}
{%- else %}
{%- set example_id = "42" %}
{%- set id_type = "integer" %}
{%- endif -%}
"""Each item change stages one event in the outbox, committed with it, that reaches the broker."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from dataclasses import asdict
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI

from app.config import Settings
from app.container import container_of_app
from app.events.hub import EventHub
from app.events.schema import (
    ItemDeletedPayloadV1,
    ItemEvent,
    ItemPayloadV1,
    PendingEvent,
    item_changed,
    item_deleted,
)
from app.main import create_app
from tests.eventing import next_event
{%- if cookiecutter.auth == "jwt" %}
from tests.plugins.auth import add_user, bearer
{%- endif %}
from tests.plugins.broker import UNREACHABLE_BROKER_URL

# Version 1 of the payload, as consumers read it. A failure here means an event
# would change: keep it (map the new shape onto ItemPayloadV1) or publish a new version.
ITEM_PAYLOAD_V1 = {
    "id": {"title": "Id", "type": "{{ id_type }}"},
    "name": {"title": "Name", "type": "string"},
    "description": {"anyOf": [{"type": "string"}, {"type": "null"}], "title": "Description"},
    "quantity": {"title": "Quantity", "type": "integer"},
    "created_at": {"format": "date-time", "title": "Created At", "type": "string"},
    "updated_at": {"format": "date-time", "title": "Updated At", "type": "string"},
{%- if cookiecutter.auth == "jwt" %}
    "owner_id": {"title": "Owner Id", "type": "string"},
{%- endif %}
}


async def test_each_change_publishes_one_event_in_order(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    with container_of_app(app).events.hub.subscribe() as received:
        created = (await client.post("/items", json={"name": "widget", "quantity": 1})).json()
        item = f"/items/{created['id']}"
        updated = (await client.patch(item, json={"quantity": 2})).json()
        replaced = (await client.put(item, json={"name": "gadget", "quantity": 3})).json()
        assert (await client.delete(item)).status_code == 204
        events = [await next_event(received) for _ in range(4)]

    assert [event.type for event in events] == [
        "item.created",
        "item.updated",
        "item.updated",
        "item.deleted",
    ]
    assert {event.item_id for event in events} == {str(created["id"])}
    assert [event.payload for event in events] == [
        created,
        updated,
        replaced,
        {"id": created["id"]},
    ]
    sequences = [event.sequence for event in events]
    assert sequences == sorted(sequences)
    assert len(set(sequences)) == len({event.event_id for event in events}) == 4
    assert all(event.version == 1 for event in events)


async def test_a_delivered_event_adds_no_log_line_at_info(
    app: FastAPI, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    # FastStream logs "Received" and "Processed" for every message by default: two
    # lines per event per replica from the WebSocket feed alone.
    with caplog.at_level(logging.INFO), container_of_app(app).events.hub.subscribe() as received:
        await client.post("/items", json={"name": "quiet"})
        await next_event(received)

    lines = [record.getMessage() for record in caplog.records]
    assert "Received" not in lines
    assert "Processed" not in lines


async def test_a_refused_change_publishes_nothing(app: FastAPI, client: httpx.AsyncClient) -> None:
    with container_of_app(app).events.hub.subscribe() as received:
        first = (await client.post("/items", json={"name": "widget"})).json()
        duplicate = await client.post("/items", json={"name": "widget"})
        second = (await client.post("/items", json={"name": "gizmo"})).json()
        events = [await next_event(received) for _ in range(2)]

    assert duplicate.status_code == 409
    # A phantom event of the refused insert would sit between the two.
    assert [event.item_id for event in events] == [str(first["id"]), str(second["id"])]


async def test_starts_and_takes_writes_while_the_broker_is_down(
    app: FastAPI, settings: Settings{% if cookiecutter.auth == "api-key" %}, api_key: str{% endif %}
) -> None:
    # `app` only empties the database afterwards; this test runs its own app. The
    # fixture's relay shares the outbox and would publish this test's event to the
    # in-memory broker, so it stops first.
    await container_of_app(app).events.relay.stop(5)
    down_settings = settings.model_copy(update={"broker_url": UNREACHABLE_BROKER_URL})
    down = create_app(down_settings)
    async with down.router.lifespan_context(down):
        transport = httpx.ASGITransport(app=down)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
{%- if cookiecutter.auth == "jwt" %}
            client.headers.update(bearer(down, await add_user(down, "writer@example.com")))
{%- elif cookiecutter.auth == "api-key" %}
            # The key is in the store (or the settings) both apps share.
            client.headers["X-API-Key"] = api_key
{%- endif %}
            ready = await client.get("/ready")
            created = await client.post("/items", json={"name": "written while down"})
        # Its retrying relay out of the way first. On PostgreSQL a claim made while
        # another relay holds the outbox lock is empty by design and the event
        # stays pending, so ask again.
        await container_of_app(down).events.relay.stop(5)
        pending: list[str] = []
        for _ in range(50):
            async with container_of_app(down).events.outbox.claim(10) as batch:
                pending = [event.type for event in batch.events]
            if pending:
                break
            await asyncio.sleep(0.1)
        published = container_of_app(down).events.relay.published

    assert ready.status_code == 503
    assert ready.json()["checks"]["broker"] == "unavailable"
    assert "broker" in ready.json()["detail"]
    assert created.status_code == 201
    assert published == 0
    assert pending == ["item.created"]


async def test_the_outbox_keeps_the_request_id_of_the_change(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # Stopped first, so the event is still pending when the outbox is read.
    await container_of_app(app).events.relay.stop(5)

    await client.post("/items", json={"name": "traced"}, headers={"X-Request-ID": "req-42"})
    async with container_of_app(app).events.outbox.claim(10) as batch:
        events = batch.events

    assert [event.headers["x-request-id"] for event in events] == ["req-42"]
    # Headers travel beside the body, never in it.
    assert "headers" not in events[0].model_dump(mode="json")


def test_event_json_follows_the_contract() -> None:
    event = item_deleted({{ example_id }}).with_sequence(7)

    body = event.model_dump(mode="json")

    assert set(body) == {
        "event_id",
        "type",
        "version",
        "occurred_at",
        "item_id",
        "sequence",
        "payload",
    }
    assert body["type"] == "item.deleted"
    assert body["item_id"] == "{{ example_id | replace('"', '') }}"
    assert body["payload"] == {"id": {{ example_id }}}
    assert body["version"] == 1
    assert uuid.UUID(body["event_id"]).version == 4
    assert datetime.fromisoformat(body["occurred_at"]).tzinfo is not None
    assert ItemEvent.model_validate_json(event.model_dump_json()) == event


def test_the_item_payload_schema_is_version_1() -> None:
    schema = ItemPayloadV1.model_json_schema()
    deleted = ItemDeletedPayloadV1.model_json_schema()

    assert schema["properties"] == ITEM_PAYLOAD_V1
    assert schema["required"] == list(ITEM_PAYLOAD_V1)
    assert deleted["properties"] == {"id": ITEM_PAYLOAD_V1["id"]}
    assert deleted["required"] == ["id"]


async def test_the_item_payload_is_built_from_the_domain_item(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    created = (await client.post("/items", json={"name": "widget", "quantity": 2})).json()
    item = await container_of_app(app).items.get(created["id"])
    assert item is not None
    moments = {"created_at": item.created_at, "updated_at": item.updated_at}

    event = item_changed("item.updated", item)

    # Field order and the UTC "Z" form are part of the contract, byte for byte.
    assert list(event.payload) == list(ITEM_PAYLOAD_V1)
    assert event.payload == asdict(item) | {
        name: moment.isoformat().replace("+00:00", "Z") for name, moment in moments.items()
    }
    assert event.item_id == str(item.id)


def test_a_client_that_falls_behind_is_dropped() -> None:
    hub = EventHub(queue_size=2)
    event = item_deleted({{ example_id }}).with_sequence(1)

    with hub.subscribe() as slow:
        for _ in range(3):
            hub.broadcast(event)

        assert hub.clients == 0
        assert [slow.get_nowait() for _ in range(3)] == [event, event, None]


def test_the_hub_parses_a_delivered_event_only_for_connected_clients() -> None:
    hub = EventHub()
    event = item_deleted({{ example_id }}).with_sequence(1)

    # Nobody listens: the body is not looked at, so not even garbage fails.
    hub.broadcast_json(b"not an event")
    with hub.subscribe() as client:
        hub.broadcast_json(event.model_dump_json().encode())

        assert client.get_nowait() == event


def test_events_refuse_naive_timestamps() -> None:
    with pytest.raises(ValueError, match="timezone"):
        PendingEvent(
            type="item.created",
            item_id="1",
            payload={},
            occurred_at=datetime(2026, 1, 1),
        )
    assert PendingEvent(type="item.created", item_id="1", payload={}).occurred_at.tzinfo == UTC


async def test_asyncapi_documents_the_published_events(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    document = (await client.get("/asyncapi.json")).json()
    page = await client.get("/asyncapi")

    assert document["asyncapi"].startswith("3.")
    assert "ItemEvent" in document["components"]["schemas"]
    assert container_of_app(app).settings.broker_topic_prefix in json.dumps(document["channels"])
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")


async def test_asyncapi_is_not_served_without_docs(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"docs_enabled": False}))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/asyncapi.json")

    assert response.status_code == 404
