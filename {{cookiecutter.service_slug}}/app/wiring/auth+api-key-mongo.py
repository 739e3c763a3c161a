"""auth=api-key with a database: keys stored there, cached per process."""

from __future__ import annotations

from dataclasses import dataclass

from app.config import Settings
from app.repositories.api_keys import ApiKeyRepository
from app.repositories.cached_api_keys import CachedApiKeyRepository
from app.repositories.mongo_api_keys import MongoApiKeyRepository
from app.services.api_key_auth import ApiKeyAuthenticator
from app.wiring.store import Store


# Not frozen: tests swap a component for a failing one.
@dataclass(slots=True)
class AuthComponents:
    api_keys: ApiKeyRepository
    authenticator: ApiKeyAuthenticator


def build_auth(settings: Settings, store: Store) -> AuthComponents:
    api_keys = CachedApiKeyRepository(
        MongoApiKeyRepository(store.database),
        cache_seconds=settings.api_key_cache_seconds,
        last_used_seconds=settings.api_key_last_used_seconds,
    )
    return AuthComponents(api_keys=api_keys, authenticator=ApiKeyAuthenticator(api_keys))
