"""Item store on MongoDB through PyMongo's native async client.

Ids are ObjectIds, exposed as their 24-character hex string. Names are unique
through the `uq_items_name` index (app/mongo.py), so a duplicate is refused by
the server, as a unique constraint would be in SQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, fields
from datetime import UTC, datetime

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from app.models.item import Item, ItemChanges, ItemId, NewItemRecord
from app.mongo import ITEMS, Document
from app.pagination import Bound, Position
from app.repositories.items import DuplicateNameError

# A page is a range of the _id index, read towards the bound.
_OPERATORS = {Bound.AFTER: "$gt", Bound.FROM: "$gte", Bound.BEFORE: "$lt", Bound.UP_TO: "$lte"}
# Every field but the id is stored under its own name.
_STORED_FIELDS = [field.name for field in fields(Item) if field.name != "id"]


def _now() -> datetime:
    # BSON dates hold milliseconds; truncate so what we return is what we stored.
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _to_item(document: Document) -> Item:
    return Item(id=str(document["_id"]), **{name: document[name] for name in _STORED_FIELDS})


class MongoItemRepository:
    """The `_insert`/`_update`/`_delete` steps take the session of a transaction, if any."""

    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._items = database[ITEMS]

    async def scan(self, position: Position | None, *, limit: int) -> list[Item]:
        # ObjectIds grow with creation time, so ordering by _id lists oldest first.
        if position is None:
            query: Document = {}
        else:
            query = {"_id": {_OPERATORS[position.bound]: ObjectId(position.key)}}
        backward = position is not None and position.bound.backward
        cursor = self._items.find(query).sort("_id", DESCENDING if backward else ASCENDING)
        return [_to_item(document) for document in await cursor.limit(limit).to_list()]

    async def count(self) -> int:
        return await self._items.count_documents({})

    async def get(self, item_id: ItemId) -> Item | None:
        document = await self._items.find_one({"_id": ObjectId(item_id)})
        return None if document is None else _to_item(document)

    async def add(self, new_item: NewItemRecord) -> Item:
        with self._unique_name(new_item.name):
            return await self._insert(new_item, session=None)

    async def update(self, item_id: ItemId, changes: ItemChanges) -> Item | None:
        with self._unique_name(changes.get("name")):
            return await self._update(item_id, changes, session=None)

    async def delete(self, item_id: ItemId) -> bool:
        return await self._delete(item_id, session=None)

    @contextmanager
    def _unique_name(self, name: str | None) -> Iterator[None]:
        try:
            yield
        except DuplicateKeyError as error:
            raise DuplicateNameError(str(name)) from error

    async def _insert(self, new_item: NewItemRecord, *, session: AsyncClientSession | None) -> Item:
        now = _now()
        document: Document = {
            "_id": ObjectId(),
            **asdict(new_item),
            "created_at": now,
            "updated_at": now,
        }
        await self._items.insert_one(document, session=session)
        return _to_item(document)

    async def _update(
        self, item_id: ItemId, changes: ItemChanges, *, session: AsyncClientSession | None
    ) -> Item | None:
        document = await self._items.find_one_and_update(
            {"_id": ObjectId(item_id)},
            {"$set": {**changes, "updated_at": _now()}},
            return_document=ReturnDocument.AFTER,
            session=session,
        )
        return None if document is None else _to_item(document)

    async def _delete(self, item_id: ItemId, *, session: AsyncClientSession | None) -> bool:
        result = await self._items.delete_one({"_id": ObjectId(item_id)}, session=session)
        return result.deleted_count > 0
