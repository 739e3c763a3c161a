from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict

{% if cookiecutter.database == "mongo" -%}
# A MongoDB ObjectId as its 24-character lowercase hex string.
ItemId = str
{%- else -%}
ItemId = int
{%- endif %}
{%- if cookiecutter.auth == "jwt" %}
UserId = str
{%- endif %}


@dataclass(frozen=True, slots=True)
class NewItem:
    name: str
    description: str | None
    quantity: int


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


@dataclass(frozen=True, slots=True)
class ItemPage:
    items: list[Item]
    total: int
    limit: int
    offset: int
