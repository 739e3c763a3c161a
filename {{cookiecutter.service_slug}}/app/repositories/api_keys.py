"""What the API key store provides: lookups for requests{% if cookiecutter.database != "none" %}, and administration{% endif %}."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

{% if cookiecutter.database != "none" -%}
from app.models.api_key import ApiKey, ApiKeyId, ApiKeyPage, NewApiKey
{% endif -%}
from app.models.api_key_credential import Credential


class CredentialLookup(Protocol):
    async def find_credential(self, lookup_id: str) -> Credential | None:
        """The key with this lookup id, revoked or not; None if there is none."""
        ...

    async def record_use(self, key_id: str, when: datetime) -> None: ...
{%- if cookiecutter.database != "none" %}


class ApiKeyRepository(CredentialLookup, Protocol):
    async def add(self, new_key: NewApiKey) -> ApiKey: ...

    async def page(self, *, limit: int, offset: int) -> ApiKeyPage: ...

    async def revoke(self, key_id: ApiKeyId, when: datetime) -> ApiKey | None:
        """Mark the key revoked (once: a second call keeps the first time); None if unknown."""
        ...
{%- endif %}
