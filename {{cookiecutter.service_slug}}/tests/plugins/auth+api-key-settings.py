"""API keys for the tests as settings (no database): one reads and writes items, one reads."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.auth.scopes import ITEMS_READ, ITEMS_WRITE
from app.cli import new_key_entry
from tests.clients import client_for

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


@pytest.fixture
def credentials(api_key: str) -> dict[str, str]:
    """A key with items:read and items:write."""
    return {"X-API-Key": api_key}


@pytest.fixture
async def anonymous_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as client:
        yield client
