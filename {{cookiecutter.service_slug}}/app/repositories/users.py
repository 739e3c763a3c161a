"""The contracts of the user and refresh-token stores."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
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
    async def start_family(self, token: RefreshToken) -> None:
        """Store the first token of a login and its family, not revoked."""
        ...

    async def add(self, token: RefreshToken) -> None:
        """Store the next token of an existing family."""
        ...

    async def get(self, token_hash: str) -> RefreshToken | None: ...

    async def spend(self, token_hash: str, now: datetime) -> RefreshToken | None:
        """Mark the token used if it is unused, unexpired and its family not revoked.

        Atomic: of any number of concurrent calls for one token, at most one gets
        the token back; the others, and every later call, get None.
        """
        ...

    async def revoke_family(self, family_id: str) -> None: ...

    async def revoke_user(self, user_id: UserId) -> None:
        """Revoke every refresh token of the user."""
        ...
