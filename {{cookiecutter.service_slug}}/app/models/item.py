from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict
{%- if cookiecutter.auth == "jwt" %}

from app.models.user import UserId
{%- endif %}

{% if cookiecutter.database == "mongo" -%}
# A MongoDB ObjectId as its 24-character lowercase hex string.
ItemId = str
{%- else -%}
ItemId = int
{%- endif %}


@dataclass(frozen=True, slots=True)
class NewItem:
    """What a client sets: a new item, or the full replacement of one."""

    name: str
    description: str | None
    quantity: int
{%- if cookiecutter.auth == "jwt" %}


@dataclass(frozen=True, slots=True)
class OwnedNewItem(NewItem):
    owner_id: UserId

    @classmethod
    def of(cls, new_item: NewItem, owner_id: UserId) -> OwnedNewItem:
        return cls(new_item.name, new_item.description, new_item.quantity, owner_id)


# What an item store adds: the client's fields and the creating user.
NewItemRecord = OwnedNewItem
{%- else %}


# What an item store adds: the client's fields as they are.
NewItemRecord = NewItem
{%- endif %}


class ItemChanges(TypedDict, total=False):
    """The fields of a partial update; an absent key keeps its value."""

    name: str
    description: str | None
    quantity: int


@dataclass(frozen=True, slots=True)
class Item:
    id: ItemId
    name: str
    description: str | None
    quantity: int
    created_at: datetime
    updated_at: datetime
{%- if cookiecutter.auth == "jwt" %}
    owner_id: UserId
{%- endif %}
