from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, field_validator

from app.auth.api_keys import KEY_PREFIX
from app.auth.scopes import SCOPES
from app.models.api_key import ApiKey, ApiKeyId
from app.offset_paging import NextPage
from app.schemas.text import REQUEST_BODY, text

Name = Annotated[str, text(min_length=1, max_length=100, strip=True)]


def _scopes_as_enum(schema: dict[str, Any]) -> None:
    # Shown in the schema; the validator below gives the clearer message.
    schema["items"] = {"type": "string", "enum": sorted(SCOPES)}


class ApiKeyCreate(BaseModel):
    model_config = REQUEST_BODY

    name: Name = Field(description="Who or what uses the key, e.g. the calling service.")
    scopes: list[str] = Field(
        min_length=1,
        max_length=len(SCOPES),
        json_schema_extra=_scopes_as_enum,
    )

    @field_validator("scopes")
    @classmethod
    def _known_scopes(cls, scopes: list[str]) -> list[str]:
        unknown = set(scopes) - SCOPES.keys()
        if unknown:
            raise ValueError(f"unknown scopes: {' '.join(sorted(unknown))}")
        return scopes


class ApiKeyRead(BaseModel):
    """A key as listed: never the key, never its digest."""

    id: ApiKeyId
    name: str
    prefix: str = Field(description="The key's first characters, to recognise it.")
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None = Field(
        description="Updated at most every API_KEY_LAST_USED_SECONDS."
    )
    revoked_at: datetime | None

    @classmethod
    def of(cls, api_key: ApiKey) -> ApiKeyRead:
        return cls(
            id=api_key.id,
            name=api_key.name,
            prefix=f"{KEY_PREFIX}_{api_key.lookup_id}",
            scopes=sorted(api_key.scopes),
            created_at=api_key.created_at,
            last_used_at=api_key.last_used_at,
            revoked_at=api_key.revoked_at,
        )


class ApiKeyCreated(ApiKeyRead):
    key: str = Field(description="The API key. Shown only in this response: store it now.")


class ApiKeyList(BaseModel):
    api_keys: list[ApiKeyRead]
    total: int = Field(description="Number of keys across all pages.")
    limit: int
    offset: int
    next: NextPage
