"""API keys on SQLAlchemy Core."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from app.models.api_key import ApiKey, ApiKeyId, ApiKeyPage, NewApiKey
from app.models.api_key_credential import Credential
from app.repositories.tables import api_keys

_SELECT_BY_LOOKUP_ID = select(
    api_keys.c.id, api_keys.c.key_hash, api_keys.c.scopes, api_keys.c.revoked_at
).where(api_keys.c.lookup_id == bindparam("lookup_id"))
_SELECT_PAGE = (
    select(api_keys)
    .order_by(api_keys.c.created_at, api_keys.c.id)
    .limit(bindparam("limit"))
    .offset(bindparam("offset"))
)
_COUNT = select(func.count()).select_from(api_keys)
_RECORD_USE = (
    update(api_keys)
    .where(api_keys.c.id == bindparam("key_id"))
    .values(last_used_at=bindparam("when"))
)
# Only the first revocation sets the time; a second one changes nothing.
_REVOKE = (
    update(api_keys)
    .where(api_keys.c.id == bindparam("key_id"), api_keys.c.revoked_at.is_(None))
    .values(revoked_at=bindparam("when"))
)
_SELECT_BY_ID = select(api_keys).where(api_keys.c.id == bindparam("key_id"))


def _to_api_key(row: Row[Any]) -> ApiKey:
    return ApiKey(
        id=row.id,
        name=row.name,
        lookup_id=row.lookup_id,
        key_hash=row.key_hash,
        scopes=frozenset(row.scopes.split()),
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


class SqlApiKeyRepository:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._reader = engine.execution_options(isolation_level="AUTOCOMMIT")

    async def find_credential(self, lookup_id: str) -> Credential | None:
        async with self._reader.connect() as connection:
            result = await connection.execute(_SELECT_BY_LOOKUP_ID, {"lookup_id": lookup_id})
            row = result.first()
        if row is None:
            return None
        return Credential(
            key_id=row.id,
            key_hash=row.key_hash,
            scopes=frozenset(row.scopes.split()),
            revoked=row.revoked_at is not None,
        )

    async def record_use(self, key_id: ApiKeyId, when: datetime) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(_RECORD_USE, {"key_id": key_id, "when": when})

    async def add(self, new_key: NewApiKey) -> ApiKey:
        api_key = ApiKey(
            id=str(uuid.uuid4()),
            name=new_key.name,
            lookup_id=new_key.lookup_id,
            key_hash=new_key.key_hash,
            scopes=new_key.scopes,
            created_at=datetime.now(UTC),
        )
        values = {column.name: getattr(api_key, column.name) for column in api_keys.c}
        values["scopes"] = " ".join(sorted(api_key.scopes))
        async with self._engine.begin() as connection:
            await connection.execute(insert(api_keys), values)
        return api_key

    async def page(self, *, limit: int, offset: int) -> ApiKeyPage:
        async with self._engine.connect() as connection:
            total = (await connection.execute(_COUNT)).scalar_one()
            rows = await connection.execute(_SELECT_PAGE, {"limit": limit, "offset": offset})
            return ApiKeyPage(
                api_keys=[_to_api_key(row) for row in rows],
                total=total,
                limit=limit,
                offset=offset,
            )

    async def revoke(self, key_id: ApiKeyId, when: datetime) -> ApiKey | None:
        async with self._engine.begin() as connection:
            await connection.execute(_REVOKE, {"key_id": key_id, "when": when})
            row = (await connection.execute(_SELECT_BY_ID, {"key_id": key_id})).first()
        return None if row is None else _to_api_key(row)
