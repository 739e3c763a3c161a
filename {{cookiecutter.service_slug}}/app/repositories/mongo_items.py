"""Item store on MongoDB through PyMongo's native async client.

Ids are ObjectIds, exposed as their 24-character hex string. Names are unique
through the `uq_items_name` index (app/mongo.py), so a duplicate is refused by
the server, as a unique constraint would be in SQL.
"""

from __future__ import annotations

import asyncio
{%- if cookiecutter.broker != "none" %}
from collections.abc import Awaitable, Callable, Mapping
{%- else %}
from collections.abc import Mapping
{%- endif %}
from datetime import UTC, datetime
from typing import Any{% if cookiecutter.broker != "none" %}, TypeVar{% endif %}

from bson import ObjectId
from pymongo import ASCENDING, ReturnDocument
{%- if cookiecutter.broker != "none" %}
from pymongo.asynchronous.client_session import AsyncClientSession
{%- endif %}
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

{% if cookiecutter.broker != "none" -%}
from app.events import mongo_outbox
from app.events.outbox import OutboxSignal
from app.events.schema import item_changed, item_deleted
{% endif -%}
from app.models.item import Item, ItemId, ItemPage, NewItem
from app.mongo import ITEMS, Document
from app.repositories.items import DuplicateNameError
{%- if cookiecutter.broker != "none" %}

T = TypeVar("T")
{%- endif %}


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
{%- if cookiecutter.broker != "none" %}
    """Every change and its outbox event commit in one multi-document transaction."""

    def __init__(self, database: AsyncDatabase[Document], outbox_signal: OutboxSignal) -> None:
        self._database = database
        self._items = database[ITEMS]
        self._outbox_signal = outbox_signal
{%- else %}
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._items = database[ITEMS]
{%- endif %}

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
{%- if cookiecutter.broker != "none" %}
        item = _to_item(document)

        async def write(session: AsyncClientSession) -> None:
            await self._items.insert_one(document, session=session)
            await mongo_outbox.stage(self._database, session, item_changed("item.created", item))

        try:
            await self._in_transaction(write)
        except DuplicateKeyError as error:
            raise DuplicateNameError(new_item.name) from error
        return item
{%- else %}
        try:
            await self._items.insert_one(document)
        except DuplicateKeyError as error:
            raise DuplicateNameError(new_item.name) from error
        return _to_item(document)
{%- endif %}
{%- if cookiecutter.broker != "none" %}

    async def update(self, item_id: ItemId, changes: Mapping[str, Any]) -> Item | None:
        async def write(session: AsyncClientSession) -> Item | None:
            document = await self._items.find_one_and_update(
                {"_id": ObjectId(item_id)},
                {"$set": {**changes, "updated_at": _now()}},
                return_document=ReturnDocument.AFTER,
                session=session,
            )
            if document is None:
                return None
            item = _to_item(document)
            await mongo_outbox.stage(self._database, session, item_changed("item.updated", item))
            return item

        try:
            return await self._in_transaction(write)
        except DuplicateKeyError as error:
            raise DuplicateNameError(str(changes.get("name"))) from error

    async def delete(self, item_id: ItemId) -> bool:
        async def write(session: AsyncClientSession) -> bool:
            result = await self._items.delete_one({"_id": ObjectId(item_id)}, session=session)
            if result.deleted_count == 0:
                return False
            await mongo_outbox.stage(self._database, session, item_deleted(item_id))
            return True

        return await self._in_transaction(write)

    async def _in_transaction(self, write: Callable[[AsyncClientSession], Awaitable[T]]) -> T:
        # with_transaction retries the whole write on transient conflicts (two
        # changes bumping the outbox counter at once).
        async with self._database.client.start_session() as session:
            result = await session.with_transaction(write)
        self._outbox_signal.notify()
        return result
{%- else %}

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
{%- endif %}
