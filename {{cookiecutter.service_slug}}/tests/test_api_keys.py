"""API keys on every protected route: missing, malformed, wrong, short of a scope."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI

from app.config import Settings
from app.main import create_app

PROBLEM = "application/problem+json"
CHALLENGE = 'APIKey header="X-API-Key"'
PUBLIC_PATHS = {"/health", "/ready"{% if cookiecutter.broker != "none" %}, "/asyncapi.json"{% endif %}}
{%- if cookiecutter.database == "mongo" %}
SOME_ID = "6650f0c0a0b0c0d0e0f01234"
{%- else %}
SOME_ID = "1"
{%- endif %}
# A key of the right shape that no store knows.
UNKNOWN_KEY = "{{ cookiecutter.service_slug.replace('-', '_') }}_0123456789abcdef_" + "A" * 43


def protected_routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every operation the app serves, as its OpenAPI document lists them, but the public ones."""
    return [
        (method, path.replace("{item_id}", SOME_ID).replace("{key_id}", SOME_ID))
        for path, operations in app.openapi()["paths"].items()
        if path not in PUBLIC_PATHS
        for method in operations
    ]


@asynccontextmanager
async def serve(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """Another app on the same store, with its own settings."""
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


async def test_every_route_but_health_needs_a_key(
    app: FastAPI, anonymous_client: httpx.AsyncClient
) -> None:
    routes = protected_routes(app)

    assert any(path.startswith("/items") for _, path in routes)
    for method, path in routes:
        response = await anonymous_client.request(method, path, json={"name": "x"})
        assert response.status_code == 401, (method, path, response.text)
        assert response.headers["content-type"] == PROBLEM
        assert response.headers["www-authenticate"] == CHALLENGE


async def test_missing_header_says_which_header_to_send(
    anonymous_client: httpx.AsyncClient,
) -> None:
    response = await anonymous_client.get("/items")

    assert response.status_code == 401
    assert response.json()["detail"] == "Send an API key in the X-API-Key header."


@pytest.mark.parametrize("key", ["not-a-key", UNKNOWN_KEY, UNKNOWN_KEY + "A"])
async def test_malformed_or_unknown_key_is_401(
    anonymous_client: httpx.AsyncClient, key: str
) -> None:
    response = await anonymous_client.get("/items", headers={"X-API-Key": key})

    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["www-authenticate"] == CHALLENGE + ', error="invalid_key"'
    assert response.json()["detail"] == "The API key is invalid or revoked."


async def test_wrong_secret_for_a_known_key_is_401(
    anonymous_client: httpx.AsyncClient, api_key: str
) -> None:
    wrong = api_key[:-1] + ("B" if api_key[-1] != "B" else "C")

    right = await anonymous_client.get("/items", headers={"X-API-Key": api_key})
    response = await anonymous_client.get("/items", headers={"X-API-Key": wrong})

    assert right.status_code == 200
    assert response.status_code == 401


async def test_a_key_without_the_scope_is_403(
    client: httpx.AsyncClient, anonymous_client: httpx.AsyncClient, read_only_key: str
) -> None:
    item = (await client.post("/items", json={"name": "kept"})).json()
    reader = {"X-API-Key": read_only_key}

    assert (await anonymous_client.get(f"/items/{item['id']}", headers=reader)).status_code == 200
    writes = [
        await anonymous_client.post("/items", json={"name": "new"}, headers=reader),
        await anonymous_client.put(f"/items/{item['id']}", json={"name": "x"}, headers=reader),
        await anonymous_client.patch(f"/items/{item['id']}", json={"name": "x"}, headers=reader),
        await anonymous_client.delete(f"/items/{item['id']}", headers=reader),
    ]

    for response in writes:
        assert response.status_code == 403, response.text
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["detail"] == "The API key lacks the scope items:write."
    assert (await client.get(f"/items/{item['id']}")).json() == item


async def test_openapi_declares_the_scheme_on_every_protected_operation(
    anonymous_client: httpx.AsyncClient,
) -> None:
    schema = (await anonymous_client.get("/openapi.json")).json()

    assert schema["components"]["securitySchemes"] == {
        "APIKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key"}
    }
    public = set()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if path.startswith("/items"):
                scope = "items:read" if method == "get" else "items:write"
{%- if cookiecutter.database != "none" %}
            elif path.startswith("/api-keys"):
                scope = "admin"
{%- endif %}
            else:
                assert "security" not in operation, path
                public.add(path)
                continue
            assert operation["security"] == [{"APIKeyHeader": [scope]}], (method, path)
    assert public == PUBLIC_PATHS


async def test_the_header_name_is_configurable(settings: Settings, read_only_key: str) -> None:
    custom = settings.model_copy(update={"api_key_header": "X-Service-Key"})
    async with serve(custom) as client:
        accepted = await client.get("/items", headers={"X-Service-Key": read_only_key})
        refused = await client.get("/items", headers={"X-API-Key": read_only_key})
        schema = (await client.get("/openapi.json")).json()

    assert accepted.status_code == 200
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == 'APIKey header="X-Service-Key"'
    assert schema["components"]["securitySchemes"]["APIKeyHeader"]["name"] == "X-Service-Key"
