from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from app.models.user import UserId
from app.pagination import NextPage

# A pragmatic check (one @, a dot in the domain); ownership is proven elsewhere, if needed.
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
    AfterValidator(str.lower),
]
# The policy (minimum length, not the email) is checked by the service, which knows the settings.
Password = Annotated[str, StringConstraints(min_length=1, max_length=128)]
FullName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email
    password: Password
    full_name: FullName | None = None


class UserUpdateMe(BaseModel):
    """Fields to change on your own account; omitted fields keep their value."""

    model_config = ConfigDict(extra="forbid")

    email: Email | None = None
    password: Password | None = None
    full_name: FullName | None = None

    @field_validator("email", "password")
    @classmethod
    def _omit_rather_than_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may be omitted, but not null")
        return value


class UserAdminUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    full_name: FullName | None = None
    is_active: bool | None = None
    is_superuser: bool | None = None

    @field_validator("is_active", "is_superuser")
    @classmethod
    def _omit_rather_than_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may be omitted, but not null")
        return value


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UserId
    email: str
    full_name: str | None
    is_active: bool
    is_superuser: bool
    created_at: datetime
    updated_at: datetime


class UserList(BaseModel):
    users: list[UserRead]
    total: int = Field(description="Number of users across all pages.")
    limit: int
    offset: int
    next: NextPage


class TokenResponse(BaseModel):
    """RFC 6749 section 5.1, plus the refresh token."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth2 token type
    expires_in: int = Field(description="Seconds until the access token expires.")
    refresh_token: str = Field(description="Opaque; single use: each refresh returns a new one.")
    scope: str = Field(description="Granted scopes, space-separated.")


class RefreshTokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=200)]
