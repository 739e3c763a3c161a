"""auth=api-key without a database: the header, and the keys themselves (as digests)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.auth.scopes import SCOPES
from app.settings.common import CommonSettings


class ConfiguredApiKey(BaseModel):
    """One entry of API_KEYS: the key's lookup id and digest, never the key itself."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=100)
    lookup_id: str = Field(pattern=r"^[0-9a-f]{16}$")
    key_hash: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the key, hex.")
    scopes: frozenset[str] = Field(min_length=1)

    @field_validator("scopes")
    @classmethod
    def _known_scopes(cls, scopes: frozenset[str]) -> frozenset[str]:
        unknown = scopes - SCOPES.keys()
        if unknown:
            raise ValueError(f"unknown scopes: {' '.join(sorted(unknown))}")
        return scopes


class AuthSettings(CommonSettings):
    # The header service clients send their key in.
    api_key_header: str = Field(default="X-API-Key", pattern=r"^[A-Za-z0-9-]{1,64}$")
    # JSON entries printed by `python -m app.cli hash-api-key`; removing an entry revokes that key.
    api_keys: list[ConfiguredApiKey] = Field(default_factory=list)
