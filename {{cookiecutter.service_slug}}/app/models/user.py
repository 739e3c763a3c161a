from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# Random UUIDs as strings: the same id type on every database, and the JWT `sub`.
UserId = str


@dataclass(frozen=True, slots=True)
class NewUser:
    email: str
    password_hash: str
    full_name: str | None = None
    is_superuser: bool = False


@dataclass(frozen=True, slots=True)
class User:
    id: UserId
    email: str
    password_hash: str
    full_name: str | None
    is_active: bool
    is_superuser: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class UserPage:
    users: list[User]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True, slots=True)
class RefreshToken:
    """A stored refresh token. Only its SHA-256 is kept; the token itself is shown once.

    Tokens issued from one login form a family: rotation replaces a token with
    the next one in its family, and presenting a used token revokes the family.
    Revocation is a property of the family, not of its tokens, so a token issued
    into a family after (or while) it is revoked is refused like the others.
    """

    token_hash: str
    user_id: UserId
    family_id: str
    expires_at: datetime
    # The scopes granted at login, space-separated; a refresh never widens them.
    scope: str
    used: bool = False
