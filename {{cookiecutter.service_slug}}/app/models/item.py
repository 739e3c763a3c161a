from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
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
