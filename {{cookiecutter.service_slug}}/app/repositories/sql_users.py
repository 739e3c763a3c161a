"""Users and refresh tokens on SQLAlchemy Core."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from app.models.user import NewUser, RefreshToken, User, UserId, UserPage
from app.repositories.tables import refresh_token_families, refresh_tokens, users
from app.repositories.users import DuplicateEmailError

_SELECT_BY_ID = select(users).where(users.c.id == bindparam("user_id"))
_SELECT_BY_EMAIL = select(users).where(users.c.email == bindparam("email"))
_SELECT_PAGE = (
    select(users)
    .order_by(users.c.created_at, users.c.id)
    .limit(bindparam("limit"))
    .offset(bindparam("offset"))
)
_COUNT = select(func.count()).select_from(users)
_DELETE = delete(users).where(users.c.id == bindparam("user_id"))
_SELECT_TOKEN = select(refresh_tokens).where(refresh_tokens.c.token_hash == bindparam("token_hash"))
_LIVE_FAMILIES = select(refresh_token_families.c.id).where(
    refresh_token_families.c.revoked.is_(False)
)
# One conditional UPDATE: of concurrent uses of one token, exactly one matches the row.
_SPEND = (
    update(refresh_tokens)
    .where(
        refresh_tokens.c.token_hash == bindparam("hash"),
        refresh_tokens.c.used.is_(False),
        refresh_tokens.c.expires_at > bindparam("now"),
        refresh_tokens.c.family_id.in_(_LIVE_FAMILIES),
    )
    .values(used=True)
    .returning(*refresh_tokens.c)
)


def _to_user(row: Row[Any]) -> User:
    return User(
        id=row.id,
        email=row.email,
        password_hash=row.password_hash,
        full_name=row.full_name,
        is_active=row.is_active,
        is_superuser=row.is_superuser,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class SqlUserRepository:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._reader = engine.execution_options(isolation_level="AUTOCOMMIT")

    async def page(self, *, limit: int, offset: int) -> UserPage:
        async with self._engine.connect() as connection:
            total = (await connection.execute(_COUNT)).scalar_one()
            rows = await connection.execute(_SELECT_PAGE, {"limit": limit, "offset": offset})
            return UserPage(
                users=[_to_user(row) for row in rows], total=total, limit=limit, offset=offset
            )

    async def get(self, user_id: UserId) -> User | None:
        async with self._reader.connect() as connection:
            row = (await connection.execute(_SELECT_BY_ID, {"user_id": user_id})).first()
        return None if row is None else _to_user(row)

    async def get_by_email(self, email: str) -> User | None:
        async with self._reader.connect() as connection:
            row = (await connection.execute(_SELECT_BY_EMAIL, {"email": email})).first()
        return None if row is None else _to_user(row)

    async def add(self, new_user: NewUser) -> User:
        now = datetime.now(UTC)
        user = User(
            id=str(uuid.uuid4()),
            email=new_user.email,
            password_hash=new_user.password_hash,
            full_name=new_user.full_name,
            is_active=True,
            is_superuser=new_user.is_superuser,
            created_at=now,
            updated_at=now,
        )
        values = {column.name: getattr(user, column.name) for column in users.c}
        try:
            async with self._engine.begin() as connection:
                await connection.execute(insert(users), values)
        except IntegrityError as error:
            raise DuplicateEmailError(new_user.email) from error
        return user

    async def update(self, user_id: UserId, changes: Mapping[str, Any]) -> User | None:
        statement = (
            update(users)
            .where(users.c.id == user_id)
            .values(**changes, updated_at=datetime.now(UTC))
            .returning(*users.c)
        )
        try:
            async with self._engine.begin() as connection:
                row = (await connection.execute(statement)).first()
        except IntegrityError as error:
            raise DuplicateEmailError(str(changes.get("email"))) from error
        return None if row is None else _to_user(row)

    async def delete(self, user_id: UserId) -> bool:
        async with self._engine.begin() as connection:
            result = await connection.execute(_DELETE, {"user_id": user_id})
        return result.rowcount > 0


def _to_token(row: Row[Any]) -> RefreshToken:
    return RefreshToken(
        token_hash=row.token_hash,
        user_id=row.user_id,
        family_id=row.family_id,
        expires_at=row.expires_at,
        scope=row.scope,
        used=row.used,
    )


class SqlRefreshTokenRepository:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._reader = engine.execution_options(isolation_level="AUTOCOMMIT")

    async def start_family(self, token: RefreshToken) -> None:
        family = {"id": token.family_id, "user_id": token.user_id, "revoked": False}
        async with self._engine.begin() as connection:
            await connection.execute(insert(refresh_token_families), family)
            await connection.execute(insert(refresh_tokens), _token_values(token))

    async def add(self, token: RefreshToken) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(insert(refresh_tokens), _token_values(token))

    async def get(self, token_hash: str) -> RefreshToken | None:
        async with self._reader.connect() as connection:
            row = (await connection.execute(_SELECT_TOKEN, {"token_hash": token_hash})).first()
        return None if row is None else _to_token(row)

    async def spend(self, token_hash: str, now: datetime) -> RefreshToken | None:
        async with self._engine.begin() as connection:
            row = (await connection.execute(_SPEND, {"hash": token_hash, "now": now})).first()
        return None if row is None else _to_token(row)

    async def revoke_family(self, family_id: str) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(
                update(refresh_token_families)
                .where(refresh_token_families.c.id == family_id)
                .values(revoked=True)
            )

    async def revoke_user(self, user_id: UserId) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(
                update(refresh_token_families)
                .where(refresh_token_families.c.user_id == user_id)
                .values(revoked=True)
            )


def _token_values(token: RefreshToken) -> dict[str, Any]:
    return {column.name: getattr(token, column.name) for column in refresh_tokens.c}
