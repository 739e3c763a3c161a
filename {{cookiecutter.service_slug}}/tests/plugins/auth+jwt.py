"""Users and tokens for the tests: a signed-in owner, and helpers to mint more."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from app.auth import passwords
from app.auth.scopes import USER_SCOPES
from app.auth.tokens import create_access_token
from app.container import container_of_app
from app.models.user import User
from app.services.users import UserService
from tests.clients import client_for

# 64 bytes: long enough for every HMAC algorithm PyJWT signs with.
TEST_SECRET_KEY = "test-signing-key-" + "k" * 47
PASSWORD = "correct horse battery staple"
# The service's argon2id parameters, for the test that checks a login upgrades to them.
SERVICE_HASHER = passwords._hasher


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    # The tests check what is hashed and verified, not its cost: the smallest argon2id
    # takes a fraction of the service's 50-100 ms per hash.
    cheap = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=8 * 1024, parallelism=1),))
    monkeypatch.setattr(passwords, "_hasher", cheap)


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
