from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from app.models.user import UserId
from app.offset_paging import NextPage
from app.schemas.text import REQUEST_BODY, SPACE, Omittable, text

# A pragmatic check (one @, a dot in the domain); ownership is proven elsewhere, if needed.
_EMAIL_PART = rf"[^@{SPACE}\x00]+"
Email = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        max_length=320,
        pattern=rf"^{_EMAIL_PART}@{_EMAIL_PART}\.{_EMAIL_PART}$",
    ),
    AfterValidator(str.lower),
]
# The policy (minimum length, not the email) is checked by the service, which knows the
# settings; the OpenAPI document shows the configured minimum (app.routers.users).
Password = Annotated[str, text(min_length=1, max_length=128)]
FullName = Annotated[str, text(min_length=1, max_length=100, strip=True)]


class UserCreate(BaseModel):
    model_config = REQUEST_BODY

    email: Email
    password: Password
    full_name: FullName | None = None


class UserUpdateMe(BaseModel):
    """Fields to change on your own account; omitted fields keep their value."""

    model_config = REQUEST_BODY

    email: Omittable[Email] = None
    password: Omittable[Password] = None
    full_name: FullName | None = Field(default=None, description="null clears it.")


class UserAdminUpdate(BaseModel):
    model_config = REQUEST_BODY

    full_name: FullName | None = Field(default=None, description="null clears it.")
    is_active: Omittable[bool] = None
    is_superuser: Omittable[bool] = None


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
    model_config = REQUEST_BODY

    refresh_token: Annotated[str, text(min_length=1, max_length=200)]
