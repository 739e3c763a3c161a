"""Access tokens: every forgery or stale token is refused with 401 and a Bearer challenge."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from pydantic import ValidationError

from app.auth import tokens
from app.auth.scopes import USER_SCOPES
from app.auth.tokens import AccessClaims, TokenVerifier, create_access_token
from app.config import Settings
from app.container import container_of_app
from app.models.user import User
from tests.plugins.auth import TEST_SECRET_KEY


def claims(user: User, **overrides: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    values: dict[str, Any] = {
        "iss": "{{ cookiecutter.service_slug }}",
        "aud": "{{ cookiecutter.service_slug }}",
        "sub": user.id,
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(minutes=5),
        "jti": uuid.uuid4().hex,
        "scope": " ".join(sorted(USER_SCOPES)),
    }
    # A timedelta is an offset from now, taken when the token is made: a time fixed
    # at collection goes stale when the suite runs slowly.
    values.update(
        {
            name: now + value if isinstance(value, timedelta) else value
            for name, value in overrides.items()
        }
    )
    return {key: value for key, value in values.items() if value is not None}


def signed(payload: dict[str, Any], key: str = TEST_SECRET_KEY, algorithm: str = "HS256") -> str:
    return jwt.encode(payload, key, algorithm=algorithm)


async def items_with(anonymous_client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await anonymous_client.get("/items", headers={"Authorization": f"Bearer {token}"})


def assert_invalid_token(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_valid_token_is_accepted(anonymous_client: httpx.AsyncClient, user: User) -> None:
    response = await items_with(anonymous_client, signed(claims(user)))

    assert response.status_code == 200


async def test_missing_token_is_401_with_a_bare_challenge(
    anonymous_client: httpx.AsyncClient,
) -> None:
    response = await anonymous_client.get("/items")

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_alg_none_is_refused(anonymous_client: httpx.AsyncClient, user: User) -> None:
    token = jwt.encode(claims(user), key="", algorithm="none")

    assert_invalid_token(await items_with(anonymous_client, token))


async def test_a_token_signed_with_another_algorithm_is_refused(
    anonymous_client: httpx.AsyncClient, user: User
) -> None:
    # HS/RS confusion: an asymmetric token must not be checked with the shared secret.
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    rs256 = jwt.encode(claims(user), pem, algorithm="RS256")
    hs512 = signed(claims(user), algorithm="HS512")

    assert_invalid_token(await items_with(anonymous_client, rs256))
    assert_invalid_token(await items_with(anonymous_client, hs512))


async def test_tampered_signature_is_refused(
    anonymous_client: httpx.AsyncClient, user: User
) -> None:
    header, payload, signature = signed(claims(user)).split(".")
    flipped = "A" if signature[0] != "A" else "B"
    tampered = f"{header}.{payload}.{flipped}{signature[1:]}"
    forged = signed(claims(user), key="another-key-" + "k" * 53)

    assert_invalid_token(await items_with(anonymous_client, tampered))
    assert_invalid_token(await items_with(anonymous_client, forged))


@pytest.mark.parametrize(
    ("name", "overrides"),
    [
        ("expired", {"exp": -timedelta(minutes=1)}),
        ("not yet valid", {"nbf": timedelta(minutes=1)}),
        ("wrong issuer", {"iss": "https://evil.example.com"}),
        ("wrong audience", {"aud": "another-service"}),
        ("no expiry", {"exp": None}),
        ("no subject", {"sub": None}),
        ("no token id", {"jti": None}),
        ("no audience", {"aud": None}),
    ],
)
async def test_bad_claims_are_refused(
    anonymous_client: httpx.AsyncClient, user: User, name: str, overrides: dict[str, Any]
) -> None:
    now = datetime.now(UTC)
    values = {k: now + v if isinstance(v, timedelta) else v for k, v in overrides.items()}

    assert_invalid_token(await items_with(anonymous_client, signed(claims(user, **values))))


async def test_leeway_tolerates_small_clock_skew(
    anonymous_client: httpx.AsyncClient, user: User
) -> None:
    slightly_early = claims(user, nbf=datetime.now(UTC) + timedelta(seconds=3))

    assert (await items_with(anonymous_client, signed(slightly_early))).status_code == 200


async def test_insufficient_scope_is_403_naming_the_scope(
    anonymous_client: httpx.AsyncClient, app: FastAPI, user: User
) -> None:
    token = create_access_token(container_of_app(app).settings, user.id, frozenset({"items:read"}))
    headers = {"Authorization": f"Bearer {token}"}

    read = await anonymous_client.get("/items", headers=headers)
    write = await anonymous_client.post("/items", json={"name": "x"}, headers=headers)

    assert read.status_code == 200
    assert write.status_code == 403
    assert write.headers["www-authenticate"] == (
        'Bearer error="insufficient_scope", scope="items:write"'
    )


@pytest.mark.parametrize(("algorithm", "minimum"), [("HS384", 48), ("HS512", 64)])
def test_production_refuses_a_key_shorter_than_the_hash(algorithm: str, minimum: int) -> None:
    with pytest.raises(ValidationError, match=f"at least {minimum} bytes with JWT_ALGORITHM"):
        Settings(
            environment="production",
            secret_key="k" * (minimum - 1),
            allowed_hosts=["api.example.com"],
            jwt_algorithm=algorithm,
            _env_file=None,
        )

    accepted = Settings(
        environment="production",
        secret_key="k" * minimum,
        allowed_hosts=["api.example.com"],
        jwt_algorithm=algorithm,
        _env_file=None,
    )
    assert accepted.jwt_algorithm == algorithm


async def test_item_routes_trust_the_token_without_reading_the_user(
    client: httpx.AsyncClient, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def no_lookup(*args: object) -> None:
        raise AssertionError("item routes must not read the user")

    monkeypatch.setattr(container_of_app(app).auth.users, "get", no_lookup)
    monkeypatch.setattr(container_of_app(app).auth.users, "get_by_email", no_lookup)

    created = await client.post("/items", json={"name": "fast"})
    listed = await client.get("/items")

    assert created.status_code == 201
    assert listed.status_code == 200


class CountingDecoder:
    """Wraps the real decoder to count how often a token is actually checked."""

    def __init__(self) -> None:
        self.checked: list[str] = []

    def __call__(self, settings: Settings, token: str) -> AccessClaims:
        self.checked.append(token)
        return DECODE_ACCESS_TOKEN(settings, token)


DECODE_ACCESS_TOKEN = tokens.decode_access_token


@pytest.fixture
def decoder(monkeypatch: pytest.MonkeyPatch) -> CountingDecoder:
    counting = CountingDecoder()
    monkeypatch.setattr(tokens, "decode_access_token", counting)
    return counting


async def test_a_verified_token_is_checked_once_then_remembered(
    settings: Settings, user: User, decoder: CountingDecoder
) -> None:
    verifier = TokenVerifier(settings)
    token = signed(claims(user))

    first = await verifier.verify(token)
    second = await verifier.verify(token)

    assert first == second
    assert first.subject == user.id
    assert decoder.checked == [token]


async def test_a_refused_token_is_never_remembered(
    settings: Settings, user: User, decoder: CountingDecoder
) -> None:
    verifier = TokenVerifier(settings)
    forged = signed(claims(user), key="another-key-" + "x" * 40)

    for _ in range(2):
        with pytest.raises(jwt.InvalidSignatureError):
            await verifier.verify(forged)

    assert decoder.checked == [forged, forged]


async def test_a_remembered_token_is_refused_once_it_expires(user: User) -> None:
    settings = Settings(
        environment="test", secret_key=TEST_SECRET_KEY, jwt_leeway_seconds=0, _env_file=None
    )
    verifier = TokenVerifier(settings)
    expires = int(time.time()) + 2
    token = signed(claims(user, exp=expires))
    await verifier.verify(token)

    await asyncio.sleep(expires - time.time() + 0.1)

    with pytest.raises(jwt.ExpiredSignatureError):
        await verifier.verify(token)


async def test_the_oldest_remembered_token_makes_room(
    settings: Settings, user: User, decoder: CountingDecoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tokens, "VERIFIED_CACHE_SIZE", 2)
    verifier = TokenVerifier(settings)
    oldest, middle, newest = (signed(claims(user)) for _ in range(3))
    for token in (oldest, middle, newest):
        await verifier.verify(token)

    await verifier.verify(newest)
    await verifier.verify(oldest)

    assert decoder.checked == [oldest, middle, newest, oldest]
