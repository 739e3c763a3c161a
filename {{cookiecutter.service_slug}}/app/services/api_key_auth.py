"""Authenticating a presented API key: parse, find by lookup id, compare digests, check scopes."""

from __future__ import annotations

from datetime import UTC, datetime

from app.auth.api_keys import key_matches, lookup_id_of
from app.auth.principal import Principal
from app.repositories.api_keys import CredentialLookup


class ApiKeyAuthenticator:
    def __init__(self, keys: CredentialLookup) -> None:
        self._keys = keys

    async def authenticate(self, key: str) -> Principal | None:
        """The key's principal; None for a malformed, unknown, wrong or revoked key."""
        lookup_id = lookup_id_of(key)
        if lookup_id is None:
            return None
        credential = await self._keys.find_credential(lookup_id)
        # The digest is compared even for a revoked key, so both cost the same time.
        if credential is None or not key_matches(key, credential.key_hash) or credential.revoked:
            return None
        await self._keys.record_use(credential.key_id, datetime.now(UTC))
        return Principal(subject=credential.key_id, scopes=credential.scopes)
