"""Administering API keys: create (the key is returned once), list, revoke."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from app.auth.api_keys import generate_api_key
from app.auth.scopes import SCOPES
from app.errors import NotFoundError, ScopeError
from app.models.api_key import ApiKey, ApiKeyId, ApiKeyPage, NewApiKey
from app.repositories.api_keys import ApiKeyRepository


@dataclass(frozen=True, slots=True)
class CreatedApiKey:
    api_key: ApiKey
    # The only time the key exists outside the caller's hands: it is not stored.
    key: str


class ApiKeyService:
    def __init__(self, repository: ApiKeyRepository) -> None:
        self._repository = repository

    async def create(self, name: str, scopes: Iterable[str]) -> CreatedApiKey:
        granted = frozenset(scopes)
        unknown = granted - SCOPES.keys()
        if unknown:
            raise ScopeError(f"Unknown scopes: {' '.join(sorted(unknown))}.")
        if not granted:
            raise ScopeError("Grant at least one scope.")
        generated = generate_api_key()
        api_key = await self._repository.add(
            NewApiKey(
                name=name,
                lookup_id=generated.lookup_id,
                key_hash=generated.key_hash,
                scopes=granted,
            )
        )
        return CreatedApiKey(api_key=api_key, key=generated.key)

    async def list_keys(self, *, limit: int, offset: int) -> ApiKeyPage:
        return await self._repository.page(limit=limit, offset=offset)

    async def revoke(self, key_id: ApiKeyId) -> ApiKey:
        """Revoke the key; revoking it again is harmless and keeps the first time."""
        api_key = await self._repository.revoke(key_id, datetime.now(UTC))
        if api_key is None:
            raise NotFoundError(f"API key {key_id} does not exist.")
        return api_key
