"""In-process users and refresh tokens: lost on restart, one copy per worker process."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
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
    def __init__(self) -> None:
        self._tokens: dict[str, RefreshToken] = {}

    async def add(self, token: RefreshToken) -> None:
        self._tokens[token.token_hash] = token

    async def get(self, token_hash: str) -> RefreshToken | None:
        return self._tokens.get(token_hash)

    async def mark_used(self, token_hash: str) -> bool:
        # No await between the check and the write: atomic on the event loop.
        token = self._tokens.get(token_hash)
        if token is None or token.used:
            return False
        self._tokens[token_hash] = replace(token, used=True)
        return True

    async def revoke_family(self, family_id: str) -> None:
        self._revoke_where(lambda token: token.family_id == family_id)

    async def revoke_user(self, user_id: UserId) -> None:
        self._revoke_where(lambda token: token.user_id == user_id)

    def _revoke_where(self, matches: Callable[[RefreshToken], bool]) -> None:
        for token_hash, token in list(self._tokens.items()):
            if matches(token):
                self._tokens[token_hash] = replace(token, revoked=True)
