"""auth=api-key with a database: keys stored there, cached per process while the app runs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from app.config import Settings
from app.repositories.api_keys import ApiKeyRepository
from app.repositories.cached_api_keys import open_cached_api_keys
from app.repositories.mongo_api_keys import MongoApiKeyRepository
from app.services.api_key_auth import ApiKeyAuthenticator
from app.wiring.store import Store


# Not frozen: tests swap a component for a failing one.
@dataclass(slots=True)
class AuthComponents:
    api_keys: ApiKeyRepository
    authenticator: ApiKeyAuthenticator


@asynccontextmanager
async def open_auth(settings: Settings, store: Store) -> AsyncIterator[AuthComponents]:
    async with open_cached_api_keys(MongoApiKeyRepository(store.database), settings) as api_keys:
        yield AuthComponents(api_keys=api_keys, authenticator=ApiKeyAuthenticator(api_keys))
