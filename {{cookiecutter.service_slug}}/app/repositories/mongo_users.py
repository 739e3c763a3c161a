"""Users and refresh tokens on MongoDB.

Emails are unique through the `uq_users_email` index; expired refresh tokens
are removed by MongoDB through the TTL index on `expires_at` (app/mongo.py).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from app.models.user import NewUser, RefreshToken, User, UserId, UserPage
from app.mongo import REFRESH_FAMILIES, REFRESH_TOKENS, USERS, Document
from app.repositories.users import DuplicateEmailError


def _now() -> datetime:
    # BSON dates hold milliseconds; truncate so what we return is what we stored.
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _to_user(document: Document) -> User:
    return User(
        id=document["_id"],
        email=document["email"],
        password_hash=document["password_hash"],
        full_name=document["full_name"],
        is_active=document["is_active"],
        is_superuser=document["is_superuser"],
        created_at=document["created_at"],
        updated_at=document["updated_at"],
    )


class MongoUserRepository:
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._users = database[USERS]

    async def page(self, *, limit: int, offset: int) -> UserPage:
        cursor = (
            self._users.find().sort([("created_at", ASCENDING), ("_id", ASCENDING)]).skip(offset)
        ).limit(limit)
        total, documents = await asyncio.gather(self._users.count_documents({}), cursor.to_list())
        return UserPage(
            users=[_to_user(document) for document in documents],
            total=total,
            limit=limit,
            offset=offset,
        )

    async def get(self, user_id: UserId) -> User | None:
        document = await self._users.find_one({"_id": user_id})
        return None if document is None else _to_user(document)

    async def get_by_email(self, email: str) -> User | None:
        document = await self._users.find_one({"email": email})
        return None if document is None else _to_user(document)

    async def add(self, new_user: NewUser) -> User:
        now = _now()
        document: Document = {
            "_id": str(uuid.uuid4()),
            "email": new_user.email,
            "password_hash": new_user.password_hash,
            "full_name": new_user.full_name,
            "is_active": True,
            "is_superuser": new_user.is_superuser,
            "created_at": now,
            "updated_at": now,
        }
        try:
            await self._users.insert_one(document)
        except DuplicateKeyError as error:
            raise DuplicateEmailError(new_user.email) from error
        return _to_user(document)

    async def update(self, user_id: UserId, changes: Mapping[str, Any]) -> User | None:
        try:
            document = await self._users.find_one_and_update(
                {"_id": user_id},
                {"$set": {**changes, "updated_at": _now()}},
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError as error:
            raise DuplicateEmailError(str(changes.get("email"))) from error
        return None if document is None else _to_user(document)

    async def delete(self, user_id: UserId) -> bool:
        result = await self._users.delete_one({"_id": user_id})
        return result.deleted_count > 0


def _to_token(document: Document) -> RefreshToken:
    return RefreshToken(
        token_hash=document["_id"],
        user_id=document["user_id"],
        family_id=document["family_id"],
        expires_at=document["expires_at"],
        scope=document["scope"],
        used=document["used"],
    )


class MongoRefreshTokenRepository:
    """Tokens, and their families, which hold the revocation (see app/repositories/tables.py)."""

    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._tokens = database[REFRESH_TOKENS]
        self._families = database[REFRESH_FAMILIES]

    async def start_family(self, token: RefreshToken) -> None:
        await self._families.insert_one(
            {
                "_id": token.family_id,
                "user_id": token.user_id,
                "revoked": False,
                "expires_at": token.expires_at,
            }
        )
        await self._insert(token)

    async def add(self, token: RefreshToken) -> None:
        # The family must outlive its newest token, or the TTL index would forget a revocation.
        await self._families.update_one(
            {"_id": token.family_id}, {"$max": {"expires_at": token.expires_at}}
        )
        await self._insert(token)

    async def _insert(self, token: RefreshToken) -> None:
        await self._tokens.insert_one(
            {
                "_id": token.token_hash,
                "user_id": token.user_id,
                "family_id": token.family_id,
                "expires_at": token.expires_at,
                "scope": token.scope,
                "used": token.used,
            }
        )

    async def get(self, token_hash: str) -> RefreshToken | None:
        document = await self._tokens.find_one({"_id": token_hash})
        return None if document is None else _to_token(document)

    async def spend(self, token_hash: str, now: datetime) -> RefreshToken | None:
        # A conditional update: of concurrent uses of one token, exactly one matches.
        document = await self._tokens.find_one_and_update(
            {"_id": token_hash, "used": False, "expires_at": {"$gt": now}},
            {"$set": {"used": True}},
            return_document=ReturnDocument.AFTER,
        )
        if document is None:
            return None
        # Read after the spend: a revocation that came first is seen; one that comes
        # later is seen by the next rotation, since the family document holds it.
        live = await self._families.find_one(
            {"_id": document["family_id"], "revoked": False}, {"_id": 1}
        )
        return None if live is None else _to_token(document)

    async def revoke_family(self, family_id: str) -> None:
        await self._families.update_one({"_id": family_id}, {"$set": {"revoked": True}})

    async def revoke_user(self, user_id: UserId) -> None:
        await self._families.update_many({"user_id": user_id}, {"$set": {"revoked": True}})
