from __future__ import annotations

from datetime import datetime
from typing import Annotated, cast

from pydantic import BaseModel, ConfigDict, Field

from app.models.item import ItemChanges, ItemId
from app.schemas.text import JSON_NUMBER, REQUEST_BODY, Omittable, text

Name = Annotated[str, text(min_length=1, max_length=100, strip=True)]
Description = Annotated[str, text(max_length=1000)]
Quantity = Annotated[int, Field(strict=False, ge=0, le=1_000_000_000), JSON_NUMBER]


class ItemCreate(BaseModel):
    """A new item, or the full replacement of one (PUT)."""

    model_config = REQUEST_BODY

    name: Name
    description: Description | None = None
    quantity: Quantity = 0


class ItemPatch(BaseModel):
    """Fields to change; omitted fields keep their value."""

    model_config = REQUEST_BODY

    name: Omittable[Name] = None
    description: Description | None = Field(default=None, description="null clears it.")
    quantity: Omittable[Quantity] = None

    def changes(self) -> ItemChanges:
        """The fields the client sent: ItemChanges' own, and never a null name or quantity."""
        return cast("ItemChanges", self.model_dump(exclude_unset=True))


class ItemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: ItemId
    name: str
    description: str | None
    quantity: int
    created_at: datetime
    updated_at: datetime
{%- if cookiecutter.auth == "jwt" %}
    owner_id: str = Field(description="Id of the user who created the item.")
{%- endif %}


class ItemList(BaseModel):
    items: list[ItemRead]
    limit: int
    next: str | None = Field(description="URL of the next page, or null on the last page.")
    prev: str | None = Field(description="URL of the previous page, or null on the first page.")
    next_cursor: str | None = Field(description="`cursor` of the next page, or null.")
    prev_cursor: str | None = Field(description="`cursor` of the previous page, or null.")
    total: int | None = Field(
        description="Number of items across all pages with include_total=true, else null."
    )
