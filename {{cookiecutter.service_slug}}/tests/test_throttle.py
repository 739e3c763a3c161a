"""Login throttling: per address, per account and address; refused before any hashing."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pwdlib.hashers.argon2 import Argon2Hasher

from app.auth.throttle import LoginThrottle
from app.container import container_of_app
from app.models.user import User
from tests.plugins.auth import PASSWORD, TEST_SECRET_KEY, add_user

FAILURES = 3
ATTEMPTS = 6
WINDOW = 60


@pytest.fixture
def auth_settings() -> dict[str, Any]:
    return {
        "secret_key": TEST_SECRET_KEY,
        "login_failures_per_account": FAILURES,
        "login_attempts_per_address": ATTEMPTS,
        "login_throttle_window_seconds": WINDOW,
    }


def client_at(app: FastAPI, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://test")


async def login(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    form = {"grant_type": "password", "username": email, "password": password}
    return await client.post("/auth/token", data=form)


@pytest.fixture
def argon2_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every argon2 verification, of a real hash or the dummy one."""
    calls: list[str] = []
    verify = Argon2Hasher.verify

    def counting(self: Argon2Hasher, password: str | bytes, hash: str | bytes) -> bool:
        calls.append("verify")
        return verify(self, password, hash)

    monkeypatch.setattr(Argon2Hasher, "verify", counting)
    return calls


async def test_wrong_passwords_for_one_account_get_429_without_hashing(
    app: FastAPI, user: User, argon2_checks: list[str]
) -> None:
    async with client_at(app, "192.0.2.1") as client:
        statuses = [(await login(client, user.email, f"guess {n}")).status_code for n in range(50)]
        throttled = await login(client, user.email, PASSWORD)

    assert statuses == [400] * FAILURES + [429] * (50 - FAILURES)
    assert len(argon2_checks) == FAILURES
    assert throttled.status_code == 429
    assert throttled.headers["content-type"] == "application/problem+json"
    assert 1 <= int(throttled.headers["Retry-After"]) <= WINDOW
    assert throttled.json()["status"] == 429


async def test_failures_elsewhere_do_not_lock_the_owner_out(app: FastAPI, user: User) -> None:
    async with client_at(app, "192.0.2.1") as attacker:
        for n in range(FAILURES):
            await login(attacker, user.email, f"guess {n}")
        assert (await login(attacker, user.email, PASSWORD)).status_code == 429
    async with client_at(app, "198.51.100.7") as owner:
        assert (await login(owner, user.email, PASSWORD)).status_code == 200


async def test_accounts_are_counted_apart(app: FastAPI, user: User) -> None:
    other = await add_user(app, "other@example.com")
    async with client_at(app, "192.0.2.1") as client:
        for n in range(FAILURES):
            await login(client, user.email, f"guess {n}")

        assert (await login(client, other.email, PASSWORD)).status_code == 200
        # Email case and spaces do not make a fresh account to guess at.
        assert (await login(client, f" {user.email.upper()}", PASSWORD)).status_code == 429


async def test_successful_logins_count_against_the_address_only(
    app: FastAPI, user: User, argon2_checks: list[str]
) -> None:
    async with client_at(app, "192.0.2.1") as client:
        responses = [await login(client, user.email, PASSWORD) for _ in range(ATTEMPTS + 3)]

    statuses = [response.status_code for response in responses]
    assert statuses == [200] * ATTEMPTS + [429] * 3
    assert len(argon2_checks) == ATTEMPTS


async def test_the_window_moving_on_lets_a_login_through(app: FastAPI, user: User) -> None:
    # One failure per second: a wrong password is slower than a shorter window.
    settings = container_of_app(app).settings.model_copy(
        update={"login_failures_per_account": 1, "login_throttle_window_seconds": 1}
    )
    container_of_app(app).auth.login_throttle = LoginThrottle(settings)
    async with client_at(app, "192.0.2.1") as client:
        await login(client, user.email, "guess")
        refused = await login(client, user.email, PASSWORD)
        await asyncio.sleep(int(refused.headers["Retry-After"]))
        allowed = await login(client, user.email, PASSWORD)

    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "1"
    assert allowed.status_code == 200
