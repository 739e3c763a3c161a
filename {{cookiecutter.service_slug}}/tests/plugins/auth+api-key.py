"""API keys for the tests: one that reads and writes items, one that only reads."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.auth.scopes import ITEMS_READ, ITEMS_WRITE
{%- if cookiecutter.database == "none" %}
from app.cli import new_key_entry
{%- else %}
from app.container import container_of_app
from app.services.api_keys import ApiKeyService
{%- endif %}
from tests.clients import client_for
{%- if cookiecutter.database == "none" %}

# Without a database keys are settings: these two are configured for every test app.
READ_WRITE_KEY, READ_WRITE_ENTRY = new_key_entry("tests", [ITEMS_READ, ITEMS_WRITE])
READ_ONLY_KEY, READ_ONLY_ENTRY = new_key_entry("reader", [ITEMS_READ])


@pytest.fixture
def auth_settings() -> dict[str, Any]:
    return {"api_keys": [READ_WRITE_ENTRY, READ_ONLY_ENTRY]}


@pytest.fixture
def api_key() -> str:
    return READ_WRITE_KEY


@pytest.fixture
def read_only_key() -> str:
    return READ_ONLY_KEY
{%- else %}


@pytest.fixture
def auth_settings() -> dict[str, Any]:
    return {}


async def add_api_key(app: FastAPI, *scopes: str, name: str = "tests") -> str:
    """A new key in the app's store, created as the admin endpoint would; returns the key."""
    created = await ApiKeyService(container_of_app(app).auth.api_keys).create(name, scopes)
    return created.key


@pytest.fixture
async def api_key(app: FastAPI) -> str:
    return await add_api_key(app, ITEMS_READ, ITEMS_WRITE)


@pytest.fixture
async def read_only_key(app: FastAPI) -> str:
    return await add_api_key(app, ITEMS_READ, name="reader")
{%- endif %}


@pytest.fixture
def credentials(api_key: str) -> dict[str, str]:
    """A key with items:read and items:write."""
    return {"X-API-Key": api_key}


@pytest.fixture
async def anonymous_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as client:
        yield client
