"""The contracts of the user and refresh-token stores."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from app.models.user import NewUser, RefreshToken, User, UserId, UserPage


class DuplicateEmailError(Exception):
    """Another user already has this email address."""


class UserRepository(Protocol):
    async def page(self, *, limit: int, offset: int) -> UserPage: ...

    async def get(self, user_id: UserId) -> User | None: ...

    async def get_by_email(self, email: str) -> User | None: ...

    async def add(self, new_user: NewUser) -> User:
        """Store a new, active user; raises DuplicateEmailError."""
        ...

    async def update(self, user_id: UserId, changes: Mapping[str, Any]) -> User | None:
        """Apply changes; None if the user does not exist; raises DuplicateEmailError."""
        ...

    async def delete(self, user_id: UserId) -> bool:
        """Remove the user; False if they did not exist."""
        ...


class RefreshTokenRepository(Protocol):
    async def add(self, token: RefreshToken) -> None: ...

    async def get(self, token_hash: str) -> RefreshToken | None: ...

    async def mark_used(self, token_hash: str) -> bool:
        """Atomically mark an unused token used; False if it was used already."""
        ...

    async def revoke_family(self, family_id: str) -> None: ...

    async def revoke_user(self, user_id: UserId) -> None:
        """Revoke every refresh token of the user."""
        ...
