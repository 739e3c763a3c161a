"""auth=api-key without a database: keys are configuration (API_KEYS), nothing to store or cache."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from app.config import Settings
from app.repositories.settings_api_keys import SettingsApiKeys
from app.services.api_key_auth import ApiKeyAuthenticator
from app.wiring.store import Store


# Not frozen: tests swap a component for a failing one.
@dataclass(slots=True)
class AuthComponents:
    authenticator: ApiKeyAuthenticator


@asynccontextmanager
async def open_auth(settings: Settings, store: Store) -> AsyncIterator[AuthComponents]:
    yield AuthComponents(authenticator=ApiKeyAuthenticator(SettingsApiKeys(settings.api_keys)))
