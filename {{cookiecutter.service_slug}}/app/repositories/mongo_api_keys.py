"""API keys on MongoDB; lookup ids are unique through the `uq_api_keys_lookup_id` index."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from app.models.api_key import ApiKey, ApiKeyId, ApiKeyPage, NewApiKey
from app.models.api_key_credential import Credential
from app.mongo import API_KEYS, Document

# What checking a key reads: never the whole document.
_CREDENTIAL_FIELDS = {"key_hash": 1, "scopes": 1, "revoked_at": 1}


def _now() -> datetime:
    # BSON dates hold milliseconds; truncate so what we return is what we stored.
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _to_api_key(document: Document) -> ApiKey:
    return ApiKey(
        id=document["_id"],
        name=document["name"],
        lookup_id=document["lookup_id"],
        key_hash=document["key_hash"],
        scopes=frozenset(document["scopes"]),
        created_at=document["created_at"],
        last_used_at=document["last_used_at"],
        revoked_at=document["revoked_at"],
    )


class MongoApiKeyRepository:
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._keys = database[API_KEYS]

    async def find_credential(self, lookup_id: str) -> Credential | None:
        document = await self._keys.find_one({"lookup_id": lookup_id}, _CREDENTIAL_FIELDS)
        if document is None:
            return None
        return Credential(
            key_id=document["_id"],
            key_hash=document["key_hash"],
            scopes=frozenset(document["scopes"]),
            revoked=document["revoked_at"] is not None,
        )

    async def record_use(self, key_id: ApiKeyId, when: datetime) -> None:
        await self._keys.update_one({"_id": key_id}, {"$set": {"last_used_at": when}})

    async def add(self, new_key: NewApiKey) -> ApiKey:
        document: Document = {
            "_id": str(uuid.uuid4()),
            "name": new_key.name,
            "lookup_id": new_key.lookup_id,
            "key_hash": new_key.key_hash,
            "scopes": sorted(new_key.scopes),
            "created_at": _now(),
            "last_used_at": None,
            "revoked_at": None,
        }
        await self._keys.insert_one(document)
        return _to_api_key(document)

    async def page(self, *, limit: int, offset: int) -> ApiKeyPage:
        cursor = (
            self._keys.find().sort([("created_at", ASCENDING), ("_id", ASCENDING)]).skip(offset)
        ).limit(limit)
        total, documents = await asyncio.gather(self._keys.count_documents({}), cursor.to_list())
        return ApiKeyPage(
            api_keys=[_to_api_key(document) for document in documents],
            total=total,
            limit=limit,
            offset=offset,
        )

    async def revoke(self, key_id: ApiKeyId, when: datetime) -> ApiKey | None:
        # Only the first revocation sets the time; a second one changes nothing.
        await self._keys.update_one(
            {"_id": key_id, "revoked_at": None}, {"$set": {"revoked_at": when}}
        )
        document = await self._keys.find_one({"_id": key_id})
        return None if document is None else _to_api_key(document)
