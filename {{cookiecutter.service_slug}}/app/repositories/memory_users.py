"""In-process users and refresh tokens: lost on restart, one copy per worker process."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from app.models.user import NewUser, RefreshToken, User, UserId, UserPage
from app.repositories.users import DuplicateEmailError


class MemoryUserRepository:
    def __init__(self) -> None:
        self._users: dict[UserId, User] = {}

    async def page(self, *, limit: int, offset: int) -> UserPage:
        ordered = sorted(self._users.values(), key=lambda user: (user.created_at, user.id))
        return UserPage(
            users=ordered[offset : offset + limit], total=len(ordered), limit=limit, offset=offset
        )

    async def get(self, user_id: UserId) -> User | None:
        return self._users.get(user_id)

    async def get_by_email(self, email: str) -> User | None:
        return next((user for user in self._users.values() if user.email == email), None)

    async def add(self, new_user: NewUser) -> User:
        self._ensure_email_free(new_user.email, owner=None)
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
        self._users[user.id] = user
        return user

    async def update(self, user_id: UserId, changes: Mapping[str, Any]) -> User | None:
        current = self._users.get(user_id)
        if current is None:
            return None
        if "email" in changes:
            self._ensure_email_free(changes["email"], owner=user_id)
        updated = replace(current, **changes, updated_at=datetime.now(UTC))
        self._users[user_id] = updated
        return updated

    async def delete(self, user_id: UserId) -> bool:
        return self._users.pop(user_id, None) is not None

    def _ensure_email_free(self, email: str, owner: UserId | None) -> None:
        if any(user.email == email and user.id != owner for user in self._users.values()):
            raise DuplicateEmailError(email)


class MemoryRefreshTokenRepository:
    """Every method runs without an await between its reads and writes: atomic on the loop."""

    def __init__(self) -> None:
        self._tokens: dict[str, RefreshToken] = {}
        # family id -> (user id, revoked)
        self._families: dict[str, tuple[UserId, bool]] = {}

    async def start_family(self, token: RefreshToken) -> None:
        self._families[token.family_id] = (token.user_id, False)
        self._tokens[token.token_hash] = token

    async def add(self, token: RefreshToken) -> None:
        self._tokens[token.token_hash] = token

    async def get(self, token_hash: str) -> RefreshToken | None:
        return self._tokens.get(token_hash)

    async def spend(self, token_hash: str, now: datetime) -> RefreshToken | None:
        token = self._tokens.get(token_hash)
        if token is None or token.used or token.expires_at <= now:
            return None
        spent = self._tokens[token_hash] = replace(token, used=True)
        _, revoked = self._families[token.family_id]
        return None if revoked else spent

    async def revoke_family(self, family_id: str) -> None:
        user_id, _ = self._families[family_id]
        self._families[family_id] = (user_id, True)

    async def revoke_user(self, user_id: UserId) -> None:
        for family_id, (owner, _) in list(self._families.items()):
            if owner == user_id:
                self._families[family_id] = (owner, True)
