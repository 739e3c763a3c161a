{%- set store = "SqlApiKeyRepository" if cookiecutter.database == "postgres" else "MongoApiKeyRepository" -%}
"""Administering keys over HTTP, and what the per-process cache promises about revocation."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.auth.api_keys import hash_api_key
from app.auth.scopes import ADMIN, ITEMS_READ
from app.container import container_of_app
from app.errors import ScopeError
from app.models.api_key import ApiKeyId
from app.models.api_key_credential import Credential
from app.offset_paging import MAX_OFFSET
from app.repositories.api_keys import ApiKeyRepository
from app.repositories.cached_api_keys import CachedApiKeyRepository
{%- if cookiecutter.database == "mongo" %}
from app.repositories.mongo_api_keys import MongoApiKeyRepository
{%- else %}
from app.repositories.sql_api_keys import SqlApiKeyRepository
{%- endif %}
from app.services.api_key_auth import ApiKeyAuthenticator
from app.services.api_keys import ApiKeyService
from tests.plugins.auth import add_api_key

PROBLEM = "application/problem+json"
LISTED_FIELDS = {"id", "name", "prefix", "scopes", "created_at", "last_used_at", "revoked_at"}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def store(
    app: FastAPI, repository: type[{{ store }}] = {{ store }}
) -> {{ store }}:
    """The app's store without the cache in front: what another process would write to."""
{%- if cookiecutter.database == "postgres" %}
    return repository(container_of_app(app).store.engine)
{%- else %}
    return repository(container_of_app(app).store.database)
{%- endif %}


class Alone:
    """No other process to tell or hear from: how one process's cache behaves on its own."""

    async def announce_revocation(self, lookup_id: str) -> None:
        return None

    async def claim_last_use(self, key_id: ApiKeyId) -> bool:
        return True


def cache_alone(repository: ApiKeyRepository, clock: Clock | None = None) -> CachedApiKeyRepository:
    return CachedApiKeyRepository(
        repository, Alone(), cache_seconds=30, last_used_seconds=60, clock=clock or Clock()
    )


class HeldLookups({{ store }}):
    """Each lookup reads the key, then answers only once `answer` is set."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.read = asyncio.Event()
        self.answer = asyncio.Event()

    async def find_credential(self, lookup_id: str) -> Credential | None:
        credential = await super().find_credential(lookup_id)
        self.read.set()
        await self.answer.wait()
        return credential


class BrokenLastUse({{ store }}):
    """Fault injection: reads work, writing the last-used time fails."""

    async def record_use(self, key_id: str, when: datetime) -> None:
        raise ConnectionError("write failed")


@pytest.fixture
async def admin(app: FastAPI) -> dict[str, str]:
    return {"X-API-Key": await add_api_key(app, ADMIN, name="admin")}


async def create(
    client: httpx.AsyncClient, admin: dict[str, str], **payload: Any
) -> dict[str, Any]:
    body = {"name": "billing", "scopes": [ITEMS_READ]} | payload
    response = await client.post("/api-keys", json=body, headers=admin)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_create_returns_the_key_once_and_it_works(
    anonymous_client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    created = await create(anonymous_client, admin, name="  billing ")

    assert set(created) == LISTED_FIELDS | {"key"}
    assert created["name"] == "billing"
    assert created["scopes"] == [ITEMS_READ]
    assert created["key"].startswith(created["prefix"] + "_")
    assert created["last_used_at"] is None
    assert created["revoked_at"] is None
    key = {"X-API-Key": created["key"]}
    assert (await anonymous_client.get("/items", headers=key)).status_code == 200
    denied = await anonymous_client.post("/items", json={"name": "x"}, headers=key)
    assert denied.status_code == 403


async def test_list_never_shows_a_key_or_its_digest(
    anonymous_client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    created = await create(anonymous_client, admin)

    response = await anonymous_client.get("/api-keys", headers=admin)

    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 2
    assert [key["name"] for key in body["api_keys"]] == ["admin", "billing"]
    assert all(set(key) == LISTED_FIELDS for key in body["api_keys"])
    assert created["key"] not in response.text
    assert hash_api_key(created["key"]) not in response.text


async def test_the_key_list_links_to_its_next_page(
    anonymous_client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    created = [await create(anonymous_client, admin, name=f"key-{n}") for n in range(4)]

    first = (await anonymous_client.get("/api-keys", params={"limit": 2}, headers=admin)).json()
    second = (await anonymous_client.get(first["next"], headers=admin)).json()
    last = (await anonymous_client.get(second["next"], headers=admin)).json()

    assert first["total"] == 5
    listed = [k["id"] for k in first["api_keys"] + second["api_keys"] + last["api_keys"]]
    assert len(set(listed)) == 5
    assert {key["id"] for key in created} < set(listed)
    assert (first["limit"], first["offset"]) == (2, 0)
    assert last["next"] is None


async def test_the_key_list_offset_is_bounded(
    anonymous_client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    beyond_64_bits, beyond_bound, at_bound = [
        await anonymous_client.get("/api-keys", params={"offset": offset}, headers=admin)
        for offset in (2**63, MAX_OFFSET + 1, MAX_OFFSET)
    ]

    assert beyond_64_bits.status_code == beyond_bound.status_code == 422
    assert beyond_64_bits.json()["errors"][0]["loc"] == ["query", "offset"]
    assert (at_bound.status_code, at_bound.json()["api_keys"]) == (200, [])


async def test_revoked_key_is_refused_at_once(
    anonymous_client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    created = await create(anonymous_client, admin)
    key = {"X-API-Key": created["key"]}
    assert (await anonymous_client.get("/items", headers=key)).status_code == 200

    revoked = await anonymous_client.delete(f"/api-keys/{created['id']}", headers=admin)
    again = await anonymous_client.delete(f"/api-keys/{created['id']}", headers=admin)
    response = await anonymous_client.get("/items", headers=key)

    assert revoked.status_code == 204
    assert again.status_code == 204
    assert response.status_code == 401
    assert response.json()["detail"] == "The API key is invalid or revoked."
    listed = (await anonymous_client.get("/api-keys", headers=admin)).json()["api_keys"]
    assert next(k for k in listed if k["id"] == created["id"])["revoked_at"] is not None


async def test_revoking_an_unknown_key_is_404(
    anonymous_client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    response = await anonymous_client.delete("/api-keys/no-such-key", headers=admin)

    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["detail"] == "API key no-such-key does not exist."


@pytest.mark.parametrize(
    "payload",
    [{"scopes": []}, {"scopes": ["items:delete"]}, {"name": " "}, {"owner": "x"}],
)
async def test_invalid_create_is_422(
    anonymous_client: httpx.AsyncClient, admin: dict[str, str], payload: dict[str, Any]
) -> None:
    body = {"name": "billing", "scopes": [ITEMS_READ]} | payload
    response = await anonymous_client.post("/api-keys", json=body, headers=admin)

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM


async def test_managing_keys_needs_the_admin_scope(
    client: httpx.AsyncClient, anonymous_client: httpx.AsyncClient
) -> None:
    listed = await client.get("/api-keys")
    created = await client.post("/api-keys", json={"name": "x", "scopes": [ADMIN]})
    anonymous = await anonymous_client.get("/api-keys")

    assert listed.status_code == 403
    assert listed.json()["detail"] == "The API key lacks the scope admin."
    assert created.status_code == 403
    assert anonymous.status_code == 401


async def test_a_revocation_elsewhere_applies_when_the_cache_entry_expires(app: FastAPI) -> None:
    clock = Clock()
    cached = cache_alone(store(app), clock)
    authenticator = ApiKeyAuthenticator(cached)
    created = await ApiKeyService(store(app)).create("billing", [ITEMS_READ])
    assert await authenticator.authenticate(created.key) is not None

    # Another process revokes it: this one has it cached and makes no round trip.
    await ApiKeyService(store(app)).revoke(created.api_key.id)
    clock.now += 29
    still_cached = await authenticator.authenticate(created.key)
    clock.now += 1
    expired = await authenticator.authenticate(created.key)

    assert still_cached is not None
    assert expired is None


async def test_a_revocation_through_the_cache_evicts_at_once(app: FastAPI) -> None:
    cached = cache_alone(store(app))
    authenticator = ApiKeyAuthenticator(cached)
    created = await ApiKeyService(cached).create("billing", [ITEMS_READ])
    assert await authenticator.authenticate(created.key) is not None

    await ApiKeyService(cached).revoke(created.api_key.id)

    assert await authenticator.authenticate(created.key) is None


async def test_a_lookup_that_raced_a_revocation_answers_but_is_not_cached(app: FastAPI) -> None:
    created = await ApiKeyService(store(app)).create("billing", [ITEMS_READ])
    held = store(app, HeldLookups)
    assert isinstance(held, HeldLookups)
    cached = cache_alone(held)
    authenticator = ApiKeyAuthenticator(cached)
    lookup = asyncio.create_task(authenticator.authenticate(created.key))
    await held.read.wait()

    # Revoked after the lookup read the key as active, before it answered.
    await ApiKeyService(cached).revoke(created.api_key.id)
    held.answer.set()

    assert await lookup is not None
    assert await authenticator.authenticate(created.key) is None


async def test_last_use_is_written_at_most_once_per_interval(app: FastAPI) -> None:
    clock = Clock()
    cached = cache_alone(store(app), clock)
    authenticator = ApiKeyAuthenticator(cached)
    created = await ApiKeyService(cached).create("billing", [ITEMS_READ])

    async def last_used() -> object:
        page = await store(app).page(limit=10, offset=0)
        return next(k.last_used_at for k in page.api_keys if k.id == created.api_key.id)

    await authenticator.authenticate(created.key)
    first = await last_used()
    clock.now += 59
    await authenticator.authenticate(created.key)
    within_interval = await last_used()
    clock.now += 1
    await authenticator.authenticate(created.key)
    after_interval = await last_used()

    assert first is not None
    assert within_interval == first
    assert after_interval != first


async def test_the_service_refuses_unknown_or_no_scopes(app: FastAPI) -> None:
    service = ApiKeyService(store(app))

    with pytest.raises(ScopeError, match="Unknown scopes: items:delete"):
        await service.create("billing", [ITEMS_READ, "items:delete"])
    with pytest.raises(ScopeError, match="at least one scope"):
        await service.create("billing", [])
    assert (await service.list_keys(limit=10, offset=0)).total == 0


async def test_a_failed_last_use_write_does_not_fail_authentication(
    app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    created = await ApiKeyService(store(app)).create("billing", [ITEMS_READ])
    cached = cache_alone(store(app, BrokenLastUse))

    with caplog.at_level(logging.WARNING):
        principal = await ApiKeyAuthenticator(cached).authenticate(created.key)

    assert principal is not None
    assert "recording the last use of an API key failed" in caplog.text


def test_openapi_lists_the_valid_scopes(app: FastAPI) -> None:
    scopes = app.openapi()["components"]["schemas"]["ApiKeyCreate"]["properties"]["scopes"]

    assert scopes["items"] == {"type": "string", "enum": ["admin", "items:read", "items:write"]}
