"""Item store on MongoDB through PyMongo's native async client.

Ids are ObjectIds, exposed as their 24-character hex string. Names are unique
through the `uq_items_name` index (app/mongo.py), so a duplicate is refused by
the server, as a unique constraint would be in SQL.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from app.models.item import Item, ItemId, ItemPage, NewItem
from app.mongo import ITEMS, Document
from app.repositories.items import DuplicateNameError


def _now() -> datetime:
    # BSON dates hold milliseconds; truncate so what we return is what we stored.
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _to_item(document: Document) -> Item:
    return Item(
        id=str(document["_id"]),
        name=document["name"],
        description=document["description"],
        quantity=document["quantity"],
        created_at=document["created_at"],
        updated_at=document["updated_at"],
{%- if cookiecutter.auth == "jwt" %}
        owner_id=document["owner_id"],
{%- endif %}
    )


class MongoItemRepository:
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._items = database[ITEMS]

    async def page(self, *, limit: int, offset: int) -> ItemPage:
        # ObjectIds grow with creation time, so ordering by _id lists oldest first.
        # The count and the page are two reads: without a transaction they may
        # see different moments under concurrent writes.
        cursor = self._items.find().sort("_id", ASCENDING).skip(offset).limit(limit)
        total, documents = await asyncio.gather(self._items.count_documents({}), cursor.to_list())
        return ItemPage(
            items=[_to_item(document) for document in documents],
            total=total,
            limit=limit,
            offset=offset,
        )

    async def get(self, item_id: ItemId) -> Item | None:
        document = await self._items.find_one({"_id": ObjectId(item_id)})
        return None if document is None else _to_item(document)

    async def add(self, new_item: NewItem{% if cookiecutter.auth == "jwt" %}, owner_id: str{% endif %}) -> Item:
        now = _now()
        document: Document = {
            "_id": ObjectId(),
            "name": new_item.name,
            "description": new_item.description,
            "quantity": new_item.quantity,
            "created_at": now,
            "updated_at": now,
{%- if cookiecutter.auth == "jwt" %}
            "owner_id": owner_id,
{%- endif %}
        }
        try:
            await self._items.insert_one(document)
        except DuplicateKeyError as error:
            raise DuplicateNameError(new_item.name) from error
        return _to_item(document)

    async def update(self, item_id: ItemId, changes: Mapping[str, Any]) -> Item | None:
        try:
            document = await self._items.find_one_and_update(
                {"_id": ObjectId(item_id)},
                {"$set": {**changes, "updated_at": _now()}},
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError as error:
            raise DuplicateNameError(str(changes.get("name"))) from error
        return None if document is None else _to_item(document)

    async def delete(self, item_id: ItemId) -> bool:
        result = await self._items.delete_one({"_id": ObjectId(item_id)})
        return result.deleted_count > 0
