"""Login, refresh-token rotation, reuse detection and logout."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from app.auth import passwords
from app.auth.tokens import hash_refresh_token
from app.container import container_of_app
from app.models.user import NewUser, User
from tests.plugins.auth import PASSWORD, SERVICE_HASHER, add_user


async def login(
    client: httpx.AsyncClient, email: str, password: str = PASSWORD, scope: str = ""
) -> httpx.Response:
    form = {"grant_type": "password", "username": email, "password": password, "scope": scope}
    return await client.post("/auth/token", data=form)


async def tokens(client: httpx.AsyncClient, email: str, **kwargs: str) -> dict[str, Any]:
    response = await login(client, email, **kwargs)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def refresh(client: httpx.AsyncClient, refresh_token: str) -> httpx.Response:
    return await client.post("/auth/refresh", json={"refresh_token": refresh_token})


def auth(access_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token}"}


def assert_invalid_grant(response: httpx.Response) -> None:
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_grant"


async def test_login_returns_a_bearer_token_that_works(
    anonymous_client: httpx.AsyncClient, user: User
) -> None:
    body = await tokens(anonymous_client, user.email)

    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 15 * 60
    assert body["scope"] == "items:read items:write me"
    assert body["refresh_token"]
    me = await anonymous_client.get("/users/me", headers=auth(body["access_token"]))
    assert me.json()["email"] == user.email


async def test_login_grants_only_requested_scopes(
    anonymous_client: httpx.AsyncClient, user: User
) -> None:
    body = await tokens(anonymous_client, user.email, scope="items:read admin")

    assert body["scope"] == "items:read"
    denied = await anonymous_client.post(
        "/items", json={"name": "x"}, headers=auth(body["access_token"])
    )
    assert denied.status_code == 403


async def test_wrong_password_and_unknown_email_fail_alike(
    anonymous_client: httpx.AsyncClient, user: User
) -> None:
    wrong_password = await login(anonymous_client, user.email, password="not the password")
    unknown = await login(anonymous_client, "nobody@example.com")

    assert_invalid_grant(wrong_password)
    assert_invalid_grant(unknown)
    assert wrong_password.json()["detail"] == unknown.json()["detail"]


async def test_unknown_email_still_verifies_a_dummy_hash(
    anonymous_client: httpx.AsyncClient, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    verify_dummy = passwords.verify_dummy

    async def spy(password: str) -> None:
        calls.append(password)
        await verify_dummy(password)

    monkeypatch.setattr(passwords, "verify_dummy", spy)

    await login(anonymous_client, "nobody@example.com", password="guess")
    await login(anonymous_client, user.email, password="wrong guess")

    assert calls == ["guess"]


async def test_deactivated_user_cannot_log_in(
    anonymous_client: httpx.AsyncClient, app: FastAPI, user: User
) -> None:
    await container_of_app(app).auth.users.update(user.id, {"is_active": False})

    assert_invalid_grant(await login(anonymous_client, user.email))


async def test_login_rehashes_a_password_hashed_with_outdated_parameters(
    anonymous_client: httpx.AsyncClient, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(passwords, "_hasher", SERVICE_HASHER)
    weaker = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=8 * 1024),))
    old_hash = weaker.hash(PASSWORD)
    users = container_of_app(app).auth.users
    user = await users.add(NewUser(email="old@example.com", password_hash=old_hash))

    await tokens(anonymous_client, user.email)
    rehashed = await users.get(user.id)

    assert rehashed is not None
    assert rehashed.password_hash != old_hash
    assert not Argon2Hasher().check_needs_rehash(rehashed.password_hash)
    await tokens(anonymous_client, user.email)


async def test_refresh_rotates_the_token(anonymous_client: httpx.AsyncClient, user: User) -> None:
    first = await tokens(anonymous_client, user.email)

    response = await refresh(anonymous_client, first["refresh_token"])

    assert response.status_code == 200
    second = response.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert (await refresh(anonymous_client, second["refresh_token"])).status_code == 200


async def test_refresh_keeps_the_scopes_of_the_login(
    anonymous_client: httpx.AsyncClient, user: User
) -> None:
    first = await tokens(anonymous_client, user.email, scope="items:read")

    second = (await refresh(anonymous_client, first["refresh_token"])).json()

    assert second["scope"] == "items:read"


async def test_reusing_a_rotated_refresh_token_revokes_the_family(
    anonymous_client: httpx.AsyncClient, user: User
) -> None:
    first = await tokens(anonymous_client, user.email)
    second = (await refresh(anonymous_client, first["refresh_token"])).json()
    other_login = await tokens(anonymous_client, user.email)

    assert_invalid_grant(await refresh(anonymous_client, first["refresh_token"]))

    # The legitimate holder's newer token is revoked too; another login is not.
    assert_invalid_grant(await refresh(anonymous_client, second["refresh_token"]))
    assert (await refresh(anonymous_client, other_login["refresh_token"])).status_code == 200


@pytest.mark.parametrize("racers", [2, 10])
async def test_concurrent_refreshes_of_one_token_leave_no_live_token(
    anonymous_client: httpx.AsyncClient, user: User, racers: int
) -> None:
    first = await tokens(anonymous_client, user.email)

    raced = await asyncio.gather(
        *(refresh(anonymous_client, first["refresh_token"]) for _ in range(racers))
    )

    winners = [response.json() for response in raced if response.status_code == 200]
    assert len(winners) <= 1
    assert {response.status_code for response in raced} <= {200, 400}
    # The token given to the winner belongs to the family the losers revoked.
    for body in [first, *winners]:
        assert_invalid_grant(await refresh(anonymous_client, body["refresh_token"]))


async def test_an_expired_refresh_token_is_refused_and_left_unspent(
    anonymous_client: httpx.AsyncClient, app: FastAPI, user: User
) -> None:
    body = await tokens(anonymous_client, user.email)
    container = container_of_app(app)
    after_expiry = datetime.now(UTC) + timedelta(days=container.settings.refresh_token_days + 1)

    spent = await container.auth.refresh_tokens.spend(
        hash_refresh_token(body["refresh_token"]), after_expiry
    )

    assert spent is None
    assert (await refresh(anonymous_client, body["refresh_token"])).status_code == 200


async def test_logout_revokes_the_refresh_token(
    anonymous_client: httpx.AsyncClient, user: User
) -> None:
    body = await tokens(anonymous_client, user.email)

    response = await anonymous_client.post(
        "/auth/logout", json={"refresh_token": body["refresh_token"]}
    )

    assert response.status_code == 204
    assert_invalid_grant(await refresh(anonymous_client, body["refresh_token"]))


async def test_unknown_refresh_token_is_refused(anonymous_client: httpx.AsyncClient) -> None:
    assert_invalid_grant(await refresh(anonymous_client, "not-a-token"))


@pytest.mark.parametrize("change", ["deactivate", "delete"])
async def test_deactivated_or_deleted_user_loses_refresh_and_account_access(
    anonymous_client: httpx.AsyncClient, app: FastAPI, user: User, change: str
) -> None:
    admin = await add_user(app, "admin@example.com", is_superuser=True)
    admin_token = (await tokens(anonymous_client, admin.email))["access_token"]
    body = await tokens(anonymous_client, user.email)

    if change == "deactivate":
        response = await anonymous_client.patch(
            f"/users/{user.id}", json={"is_active": False}, headers=auth(admin_token)
        )
        assert response.status_code == 200
    else:
        response = await anonymous_client.delete(f"/users/{user.id}", headers=auth(admin_token))
        assert response.status_code == 204

    me = await anonymous_client.get("/users/me", headers=auth(body["access_token"]))
    assert me.status_code == 401
    assert me.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert_invalid_grant(await refresh(anonymous_client, body["refresh_token"]))


async def test_token_endpoint_takes_the_oauth2_form(anonymous_client: httpx.AsyncClient) -> None:
    response = await anonymous_client.post(
        "/auth/token", json={"username": "a@example.com", "password": "x"}
    )

    assert response.status_code == 422
