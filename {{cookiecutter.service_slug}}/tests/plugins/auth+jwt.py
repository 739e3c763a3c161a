"""Users and tokens for the tests: a signed-in owner, and helpers to mint more."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.auth.scopes import USER_SCOPES
from app.auth.tokens import create_access_token
from app.container import container_of_app
from app.models.user import User
from app.services.users import UserService
from tests.clients import client_for

# 64 bytes: long enough for every HMAC algorithm PyJWT signs with.
TEST_SECRET_KEY = "test-signing-key-" + "k" * 47
PASSWORD = "correct horse battery staple"


@pytest.fixture
def auth_settings() -> dict[str, Any]:
    return {"secret_key": TEST_SECRET_KEY}


async def add_user(
    app: FastAPI, email: str, *, is_superuser: bool = False, password: str = PASSWORD
) -> User:
    container = container_of_app(app)
    service = UserService(container.auth.users, container.auth.refresh_tokens, container.settings)
    return await service.create(email, password, None, is_superuser=is_superuser)


def bearer(app: FastAPI, user: User, scopes: frozenset[str] = USER_SCOPES) -> dict[str, str]:
    """Authorization header with an access token minted directly, as a login would."""
    token = create_access_token(container_of_app(app).settings, user.id, scopes)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def user(app: FastAPI) -> User:
    return await add_user(app, "owner@example.com")


@pytest.fixture
def credentials(app: FastAPI, user: User) -> dict[str, str]:
    """Signed in as `user`, with the scopes of a regular user."""
    return bearer(app, user)


@pytest.fixture
async def anonymous_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as client:
        yield client
