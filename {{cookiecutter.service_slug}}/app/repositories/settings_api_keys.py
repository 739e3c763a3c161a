"""API keys from the settings (API_KEYS): with no database, keys are configuration."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from app.models.api_key_credential import Credential
from app.settings.auth import ConfiguredApiKey


class SettingsApiKeys:
    def __init__(self, configured: Iterable[ConfiguredApiKey]) -> None:
        self._credentials = {
            entry.lookup_id: Credential(
                key_id=entry.lookup_id,
                key_hash=entry.key_hash,
                scopes=entry.scopes,
            )
            for entry in configured
        }

    async def find_credential(self, lookup_id: str) -> Credential | None:
        return self._credentials.get(lookup_id)

    async def record_use(self, key_id: str, when: datetime) -> None:
        """Nothing to record: the settings are read-only, and a restart would forget it."""
