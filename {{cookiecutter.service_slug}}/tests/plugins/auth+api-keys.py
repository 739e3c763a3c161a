"""API keys for the tests, created in the store: one reads and writes items, one reads."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.auth.scopes import ITEMS_READ, ITEMS_WRITE
from app.container import container_of_app
from app.services.api_keys import ApiKeyService
from tests.clients import client_for


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


@pytest.fixture
def credentials(api_key: str) -> dict[str, str]:
    """A key with items:read and items:write."""
    return {"X-API-Key": api_key}


@pytest.fixture
async def anonymous_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as client:
        yield client
