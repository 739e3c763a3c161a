"""Resource-server mode: tokens of an external identity provider, checked against its JWKS.

The test plays the identity provider: it makes an RSA and an EC key pair and
serves their public halves as a JWKS over HTTP on a loopback port.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi import FastAPI
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from jwt.utils import base64url_encode

from app.auth.tokens import TokenVerifier
from app.config import Settings
from app.container import container_of_app

ISSUER = "https://idp.example.com/"
AUDIENCE = "https://api.example.com"
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
UNPUBLISHED_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _jwk(public_jwk: str, kid: str, alg: str) -> dict[str, Any]:
    return {**json.loads(public_jwk), "kid": kid, "alg": alg, "use": "sig"}


JWKS = {
    "keys": [
        _jwk(RSAAlgorithm.to_jwk(RSA_KEY.public_key()), "rsa-1", "RS256"),
        _jwk(ECAlgorithm.to_jwk(EC_KEY.public_key()), "ec-1", "ES256"),
    ]
}


class _JwksHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps(JWKS).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def jwks_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _JwksHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/.well-known/jwks.json"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def settings(settings: Settings, jwks_url: str) -> Settings:
    return settings.model_copy(
        update={"jwks_url": jwks_url, "jwt_issuer": ISSUER, "jwt_audience": AUDIENCE}
    )


def idp_token(key: Any, algorithm: str, kid: str, **overrides: Any) -> str:
    now = datetime.now(UTC)
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "service-account-42",
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(minutes=5),
        "jti": uuid.uuid4().hex,
        "scp": ["items:read"],
        **overrides,
    }
    return jwt.encode(claims, key, algorithm=algorithm, headers={"kid": kid})


async def get_items(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.get("/items", headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize(
    ("key", "algorithm", "kid"), [(RSA_KEY, "RS256", "rsa-1"), (EC_KEY, "ES256", "ec-1")]
)
async def test_identity_provider_tokens_are_accepted(
    anonymous_client: httpx.AsyncClient, key: Any, algorithm: str, kid: str
) -> None:
    response = await get_items(anonymous_client, idp_token(key, algorithm, kid))

    assert response.status_code == 200, response.text


async def test_scopes_from_the_identity_provider_are_enforced(
    anonymous_client: httpx.AsyncClient,
) -> None:
    token = idp_token(RSA_KEY, "RS256", "rsa-1")

    response = await anonymous_client.post(
        "/items", json={"name": "x"}, headers={"Authorization": f"Bearer {token}"}
    )

    assert response.status_code == 403


async def test_a_key_missing_from_the_jwks_is_refused(
    anonymous_client: httpx.AsyncClient,
) -> None:
    unknown_kid = idp_token(UNPUBLISHED_KEY, "RS256", "rsa-2")
    wrong_key = idp_token(UNPUBLISHED_KEY, "RS256", "rsa-1")

    assert (await get_items(anonymous_client, unknown_kid)).status_code == 401
    assert (await get_items(anonymous_client, wrong_key)).status_code == 401


async def test_hs256_signed_with_the_public_key_is_refused(
    anonymous_client: httpx.AsyncClient,
) -> None:
    # The classic RS/HS confusion: the public key, which anyone has, used as an HMAC secret.
    # PyJWT refuses to sign that way, so the token is assembled by hand.
    public_pem = RSA_KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    now = int(datetime.now(UTC).timestamp())
    claims: dict[str, Any] = {"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "jti": "j"}
    claims |= {"iat": now, "nbf": now, "exp": now + 300}
    header = {"kid": "rsa-1", "alg": "HS256", "typ": "JWT"}
    signing_input = b".".join(
        base64url_encode(json.dumps(part).encode()) for part in (header, claims)
    )
    signature = hmac.new(public_pem, signing_input, hashlib.sha256).digest()
    token = (signing_input + b"." + base64url_encode(signature)).decode()

    assert (await get_items(anonymous_client, token)).status_code == 401


async def test_wrong_issuer_or_audience_from_the_identity_provider_is_refused(
    anonymous_client: httpx.AsyncClient,
) -> None:
    other_issuer = idp_token(RSA_KEY, "RS256", "rsa-1", iss="https://evil.example.com/")
    other_audience = idp_token(RSA_KEY, "RS256", "rsa-1", aud="https://other.example.com")

    assert (await get_items(anonymous_client, other_issuer)).status_code == 401
    assert (await get_items(anonymous_client, other_audience)).status_code == 401


async def test_an_unreachable_identity_provider_is_503(
    anonymous_client: httpx.AsyncClient, app: FastAPI
) -> None:
    container = container_of_app(app)
    unreachable = container.settings.model_copy(update={"jwks_url": "http://127.0.0.1:9/jwks"})
    container.auth.token_verifier = TokenVerifier(unreachable)

    response = await get_items(anonymous_client, idp_token(RSA_KEY, "RS256", "rsa-1"))

    assert response.status_code == 503
