"""The contract{% if cookiecutter.database != "none" %}s{% endif %} of the API key store{% if cookiecutter.database != "none" %}: what a request needs, and what administration needs{% endif %}."""

from __future__ import annotations

{% if cookiecutter.database != "none" -%}
from datetime import datetime
{% endif -%}
from typing import Protocol

from app.models.api_key import {% if cookiecutter.database != "none" %}ApiKey, ApiKeyId, ApiKeyPage, {% endif %}Credential{% if cookiecutter.database != "none" %}, NewApiKey{% endif %}


class CredentialLookup(Protocol):
    async def find_credential(self, lookup_id: str) -> Credential | None:
        """The key with this lookup id, revoked or not; None if there is none."""
        ...
{%- if cookiecutter.database != "none" %}

    async def record_use(self, key_id: ApiKeyId, when: datetime) -> None: ...


class ApiKeyRepository(CredentialLookup, Protocol):
    async def add(self, new_key: NewApiKey) -> ApiKey: ...

    async def page(self, *, limit: int, offset: int) -> ApiKeyPage: ...

    async def revoke(self, key_id: ApiKeyId, when: datetime) -> ApiKey | None:
        """Mark the key revoked (once: a second call keeps the first time); None if unknown."""
        ...
{%- endif %}
