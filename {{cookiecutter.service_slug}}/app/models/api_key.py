from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# Random UUIDs as strings: the same id type on every database.
ApiKeyId = str


@dataclass(frozen=True, slots=True)
class NewApiKey:
    name: str
    lookup_id: str
    key_hash: str
    scopes: frozenset[str]


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A stored key. Only the SHA-256 of the key is kept; the key itself is shown once."""

    id: ApiKeyId
    name: str
    lookup_id: str
    key_hash: str
    scopes: frozenset[str]
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ApiKeyPage:
    api_keys: list[ApiKey]
    total: int
    limit: int
    offset: int
