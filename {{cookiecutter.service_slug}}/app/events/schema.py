"""The item event contract, version 1: one JSON object per message.

Consumers rely on these field names and meanings; a breaking change gets a new
`version` (and, while both are published, a new type), never an edit in place.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from app.logging import request_id_var
from app.models.item import Item, ItemId

ItemEventType = Literal["item.created", "item.updated", "item.deleted"]


# What else an event's message headers take from the request that made the change
# (the trace context, with tracing); each adds its keys to the map.
header_stampers: list[Callable[[dict[str, str]], None]] = []


def request_headers() -> dict[str, str]:
    """Headers for an event the current request makes: its request id, and what stampers add.

    Called where the change is made, in the request's task: the relay that
    publishes the event later runs in no request's context.
    """
    headers: dict[str, str] = {}
    request_id = request_id_var.get()
    if request_id is not None:
        headers["x-request-id"] = request_id
    for stamp in header_stampers:
        stamp(headers)
    return headers


class ItemPayloadV1(BaseModel):
    """The item in a created or updated event, version 1.

    Its own model rather than the API's ItemRead, so a change of the HTTP API
    cannot change what consumers receive; tests/test_events.py pins its schema.
    """

    model_config = ConfigDict(frozen=True)

    id: ItemId
    name: str
    description: str | None
    quantity: int
    created_at: AwareDatetime
    updated_at: AwareDatetime
{%- if cookiecutter.auth == "jwt" %}
    owner_id: str
{%- endif %}


class ItemDeletedPayloadV1(BaseModel):
    """The payload of a deleted event, version 1: only the id."""

    model_config = ConfigDict(frozen=True)

    id: ItemId


class ItemEvent(BaseModel):
    """An item changed. `payload` is an ItemPayloadV1, or an ItemDeletedPayloadV1 when deleted."""

    model_config = ConfigDict(frozen=True)

    event_id: uuid.UUID = Field(description="Unique per event: consumers de-duplicate on it.")
    type: ItemEventType
    version: Literal[1] = 1
    occurred_at: AwareDatetime
    item_id: str
    sequence: int = Field(
        description="Outbox position: grows with every event, so per item it orders the changes."
    )
    payload: dict[str, Any]
    # Message headers, not contract: stored with the event, sent beside its body,
    # so neither in the JSON body nor in its schema (AsyncAPI).
    headers: SkipJsonSchema[dict[str, str]] = Field(default_factory=dict, exclude=True)

    @property
    def action(self) -> str:
        """`created`, `updated` or `deleted`: the last part of routing keys and subjects."""
        return self.type.removeprefix("item.")


class PendingEvent(BaseModel):
    """An event before the outbox gives it its sequence number."""

    model_config = ConfigDict(frozen=True)

    event_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    type: ItemEventType
    occurred_at: AwareDatetime = Field(default_factory=lambda: datetime.now(UTC))
    item_id: str
    payload: dict[str, Any]
    headers: dict[str, str] = Field(default_factory=request_headers)

    def with_sequence(self, sequence: int) -> ItemEvent:
        return ItemEvent(**self.model_dump(), sequence=sequence)


def item_changed(type_: Literal["item.created", "item.updated"], item: Item) -> PendingEvent:
    payload = ItemPayloadV1.model_validate(item, from_attributes=True).model_dump(mode="json")
    return PendingEvent(type=type_, item_id=str(item.id), payload=payload)


def item_deleted(item_id: ItemId) -> PendingEvent:
    payload = ItemDeletedPayloadV1(id=item_id).model_dump(mode="json")
    return PendingEvent(type="item.deleted", item_id=str(item_id), payload=payload)
