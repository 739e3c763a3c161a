"""Accounts, the password policy, admin-only management and item ownership."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from app.auth.scopes import SUPERUSER_SCOPES
from app.config import Settings
from app.container import container_of_app
from app.main import create_app
from app.models.user import User
from app.offset_paging import MAX_OFFSET
from tests.plugins.auth import PASSWORD, add_user, bearer


async def test_register_creates_an_active_user(anonymous_client: httpx.AsyncClient) -> None:
    response = await anonymous_client.post(
        "/users",
        json={"email": " New@Example.com ", "password": PASSWORD, "full_name": "New"},
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["email"] == "new@example.com"
    assert body["is_active"] is True
    assert body["is_superuser"] is False
    assert "password" not in str(body)


async def test_register_refuses_a_taken_email(
    anonymous_client: httpx.AsyncClient, user: User
) -> None:
    response = await anonymous_client.post(
        "/users", json={"email": user.email, "password": PASSWORD}
    )

    assert response.status_code == 409


async def test_registration_can_be_switched_off(
    anonymous_client: httpx.AsyncClient, app: FastAPI
) -> None:
    container = container_of_app(app)
    container.settings = container.settings.model_copy(update={"registration_enabled": False})

    response = await anonymous_client.post(
        "/users", json={"email": "new@example.com", "password": PASSWORD}
    )

    assert response.status_code == 403


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short", "at least 12 characters"),
        ("long.enough@example.com", "must not be the email"),
    ],
)
async def test_password_policy_is_a_clear_422(
    anonymous_client: httpx.AsyncClient, password: str, reason: str
) -> None:
    response = await anonymous_client.post(
        "/users", json={"email": "long.enough@example.com", "password": password}
    )

    assert response.status_code == 422
    assert reason in response.json()["detail"]


async def test_me_reads_and_updates_your_account(client: httpx.AsyncClient, user: User) -> None:
    me = await client.get("/users/me")
    renamed = await client.patch("/users/me", json={"full_name": "Ada"})

    assert me.json()["id"] == user.id
    assert renamed.status_code == 200
    assert renamed.json()["full_name"] == "Ada"


async def test_changing_your_password_applies_the_policy_and_signs_out_elsewhere(
    client: httpx.AsyncClient, anonymous_client: httpx.AsyncClient, user: User
) -> None:
    form = {"grant_type": "password", "username": user.email, "password": PASSWORD}
    refresh_token = (await anonymous_client.post("/auth/token", data=form)).json()["refresh_token"]

    weak = await client.patch("/users/me", json={"password": "short"})
    changed = await client.patch("/users/me", json={"password": "a brand new passphrase"})
    refreshed = await anonymous_client.post("/auth/refresh", json={"refresh_token": refresh_token})

    assert weak.status_code == 422
    assert changed.status_code == 200
    assert refreshed.status_code == 400
    new_login = {**form, "password": "a brand new passphrase"}
    assert (await anonymous_client.post("/auth/token", data=new_login)).status_code == 200


async def test_user_management_is_for_admins_only(
    client: httpx.AsyncClient, anonymous_client: httpx.AsyncClient, app: FastAPI, user: User
) -> None:
    admin = await add_user(app, "admin@example.com", is_superuser=True)
    as_admin = bearer(app, admin, SUPERUSER_SCOPES)
    # A token with the admin scope is not enough once its user is no superuser.
    demoted = bearer(app, user, SUPERUSER_SCOPES)

    assert (await client.get("/users")).status_code == 403
    assert (await anonymous_client.get("/users", headers=demoted)).status_code == 403
    listed = await anonymous_client.get("/users", headers=as_admin)
    assert listed.status_code == 200
    assert listed.json()["total"] == 2
    one = await anonymous_client.get(f"/users/{user.id}", headers=as_admin)
    assert one.json()["email"] == user.email
    missing = await anonymous_client.get("/users/no-such-user", headers=as_admin)
    assert missing.status_code == 404


async def test_the_user_list_links_to_its_next_page(
    anonymous_client: httpx.AsyncClient, app: FastAPI, user: User
) -> None:
    admin = await add_user(app, "admin@example.com", is_superuser=True)
    others = [await add_user(app, f"user-{n}@example.com") for n in range(3)]
    as_admin = bearer(app, admin, SUPERUSER_SCOPES)

    first = (await anonymous_client.get("/users", params={"limit": 2}, headers=as_admin)).json()
    second = (await anonymous_client.get(first["next"], headers=as_admin)).json()
    last = (await anonymous_client.get(second["next"], headers=as_admin)).json()

    assert first["total"] == 5
    listed = [u["id"] for u in first["users"] + second["users"] + last["users"]]
    assert sorted(listed) == sorted(u.id for u in [user, admin, *others])
    assert (first["limit"], first["offset"]) == (2, 0)
    assert last["next"] is None


async def test_the_user_list_offset_is_bounded(
    anonymous_client: httpx.AsyncClient, app: FastAPI
) -> None:
    admin = await add_user(app, "admin@example.com", is_superuser=True)
    as_admin = bearer(app, admin, SUPERUSER_SCOPES)

    beyond_64_bits, beyond_bound, at_bound = [
        await anonymous_client.get("/users", params={"offset": offset}, headers=as_admin)
        for offset in (2**63, MAX_OFFSET + 1, MAX_OFFSET)
    ]

    assert beyond_64_bits.status_code == beyond_bound.status_code == 422
    assert beyond_64_bits.json()["errors"][0]["loc"] == ["query", "offset"]
    assert (at_bound.status_code, at_bound.json()["users"]) == (200, [])


async def test_only_the_owner_or_an_admin_changes_an_item(
    client: httpx.AsyncClient, anonymous_client: httpx.AsyncClient, app: FastAPI, user: User
) -> None:
    item = (await client.post("/items", json={"name": "mine"})).json()
    other = bearer(app, await add_user(app, "other@example.com"))
    admin = await add_user(app, "admin@example.com", is_superuser=True)
    as_admin = bearer(app, admin, SUPERUSER_SCOPES)
    path = f"/items/{item['id']}"

    api = anonymous_client

    assert item["owner_id"] == user.id
    assert (await api.get(path, headers=other)).status_code == 200
    assert (await api.patch(path, json={"quantity": 1}, headers=other)).status_code == 403
    assert (await api.put(path, json={"name": "x"}, headers=other)).status_code == 403
    assert (await api.delete(path, headers=other)).status_code == 403
    assert (await api.patch(path, json={"quantity": 2}, headers=as_admin)).status_code == 200
    assert (await api.delete(path, headers=as_admin)).status_code == 204


async def test_openapi_declares_the_scheme_and_every_protected_operation(
    client: httpx.AsyncClient,
) -> None:
    spec = (await client.get("/openapi.json")).json()

    scheme = spec["components"]["securitySchemes"]["OAuth2PasswordBearer"]
    assert scheme["flows"]["password"]["tokenUrl"] == "auth/token"
    public = {
        ("post", "/auth/token"),
        ("post", "/auth/refresh"),
        ("post", "/auth/logout"),
        ("post", "/users"),
        ("get", "/health"),
        ("get", "/ready"),
        ("get", "/metrics"),
{%- if cookiecutter.broker != "none" %}
        ("get", "/asyncapi.json"),
{%- endif %}
    }
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if (method, path) not in public:
                assert operation.get("security"), f"{method.upper()} {path} lists no security"
    assert spec["paths"]["/items"]["post"]["security"] == [
        {"OAuth2PasswordBearer": ["items:write"]}
    ]


def test_openapi_shows_the_configured_password_minimum(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"password_min_length": 20}))
    schemas = app.openapi()["components"]["schemas"]

    for body in ("UserCreate", "UserUpdateMe"):
        assert schemas[body]["properties"]["password"]["minLength"] == 20


def test_openapi_declares_throttling_and_invalid_grant_on_login(app: FastAPI) -> None:
    responses = app.openapi()["paths"]["/auth/token"]["post"]["responses"]

    assert "Retry-After" in responses["429"]["headers"]
    assert "invalid_grant" in responses["400"]["description"]


async def test_nul_is_refused_in_forms_paths_and_bodies(
    app: FastAPI, anonymous_client: httpx.AsyncClient
) -> None:
    # PostgreSQL cannot store U+0000 (a 500 before); SQLite and MongoDB would store it.
    admin = await add_user(app, "root@example.com", is_superuser=True)
    as_admin = bearer(app, admin, SUPERUSER_SCOPES)
    form = {"grant_type": "password", "username": "a\u0000@example.com", "password": PASSWORD}
    account = {"email": "new@example.com", "password": "\u0000" * 12}
    for response in (
        await anonymous_client.post("/auth/token", data=form),
        await anonymous_client.post("/users", json=account),
        await anonymous_client.get("/users/a%00b", headers=as_admin),
    ):
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["type"] == "string_pattern_mismatch"


async def test_405_on_me_lists_the_methods_of_me_not_of_user_id(
    anonymous_client: httpx.AsyncClient,
) -> None:
    # /users/me also matches /users/{user_id}, whose DELETE the document does not list here.
    response = await anonymous_client.request("TRACE", "/users/me")

    assert (response.status_code, response.headers["allow"]) == (405, "GET, PATCH")
