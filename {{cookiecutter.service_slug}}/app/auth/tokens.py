"""Access tokens (JWT, signed with SECRET_KEY) and opaque refresh tokens."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from app.config import Settings
from app.models.user import UserId

REQUIRED_CLAIMS = ["exp", "iat", "nbf", "iss", "aud", "sub", "jti"]
# Algorithms accepted from an external identity provider; never HS*, never none.
JWKS_ALGORITHMS = ["RS256", "ES256"]


@dataclass(frozen=True, slots=True)
class AccessClaims:
    subject: UserId
    scopes: frozenset[str]
    token_id: str


# Development without a SECRET_KEY signs with a key that lives as long as the
# process: tokens stop working on restart. Settings refuse this outside development.
_EPHEMERAL_KEY = secrets.token_urlsafe(48)


def _signing_key(settings: Settings) -> str:
    return settings.secret_key.get_secret_value() or _EPHEMERAL_KEY


def create_access_token(
    settings: Settings, subject: UserId, scopes: frozenset[str], now: datetime | None = None
) -> str:
    issued_at = now or datetime.now(UTC)
    claims = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": subject,
        "iat": issued_at,
        "nbf": issued_at,
        "exp": issued_at + timedelta(minutes=settings.access_token_minutes),
        "jti": uuid.uuid4().hex,
        "scope": " ".join(sorted(scopes)),
    }
    return jwt.encode(claims, _signing_key(settings), algorithm=settings.jwt_algorithm)


def decode_access_token(settings: Settings, token: str) -> AccessClaims:
    """Validate signature, algorithm and every registered claim; raises jwt.InvalidTokenError."""
    claims = jwt.decode(
        token,
        _signing_key(settings),
        # One algorithm, never "none": a token signed any other way is refused.
        algorithms=[settings.jwt_algorithm],
        audience=settings.jwt_audience,
        issuer=settings.jwt_issuer,
        leeway=settings.jwt_leeway_seconds,
        options={"require": REQUIRED_CLAIMS},
    )
    return _to_claims(claims)


def _to_claims(claims: dict[str, Any]) -> AccessClaims:
    # OAuth2 servers send scopes as a space-separated `scope` or as a list in `scp`.
    scope = claims.get("scope", claims.get("scp", ""))
    scopes = scope.split() if isinstance(scope, str) else scope
    if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
        raise jwt.InvalidTokenError("malformed scope claim")
    if not isinstance(claims["sub"], str):
        raise jwt.InvalidTokenError("malformed subject claim")
    return AccessClaims(
        subject=claims["sub"], scopes=frozenset(scopes), token_id=str(claims["jti"])
    )


class TokenVerifier:
    """Checks access tokens: our own (HS*, SECRET_KEY) or, with JWKS_URL, an identity provider's."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._jwks = (
            None
            if settings.jwks_url is None
            else jwt.PyJWKClient(settings.jwks_url, lifespan=settings.jwks_cache_seconds)
        )

    async def verify(self, token: str) -> AccessClaims:
        """Raises jwt.PyJWTError for any token that must not be trusted."""
        if self._jwks is None:
            return decode_access_token(self._settings, token)
        # PyJWKClient fetches over blocking HTTP when its cache is cold: keep it off the loop.
        signing_key = await asyncio.to_thread(self._jwks.get_signing_key_from_jwt, token)
        claims = jwt.decode(
            token,
            signing_key.key,
            algorithms=JWKS_ALGORITHMS,
            audience=self._settings.jwt_audience,
            issuer=self._settings.jwt_issuer,
            leeway=self._settings.jwt_leeway_seconds,
            options={"require": REQUIRED_CLAIMS},
        )
        return _to_claims(claims)


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def hash_refresh_token(token: str) -> str:
    # The token carries 256 random bits: a fast hash suffices (no dictionary to guess from).
    return hashlib.sha256(token.encode()).hexdigest()
