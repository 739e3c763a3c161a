"""Access tokens (JWT, signed with SECRET_KEY) and opaque refresh tokens."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import time
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


# Verified tokens remembered per process; enough for every active caller of a replica.
VERIFIED_CACHE_SIZE = 4096


@dataclass(frozen=True, slots=True)
class AccessClaims:
    subject: UserId
    scopes: frozenset[str]
    token_id: str
    # Expiry as a POSIX timestamp: a remembered token is refused past it, like a fresh one.
    expires_at: float


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
        subject=claims["sub"],
        scopes=frozenset(scopes),
        token_id=str(claims["jti"]),
        expires_at=float(claims["exp"]),
    )


class TokenVerifier:
    """Checks access tokens: our own (HS*, SECRET_KEY) or, with JWKS_URL, an identity provider's.

    A client sends the same access token with every request until it expires, and
    checking its signature and claims is the largest cost of an authenticated read.
    So a token that passed is remembered, keyed by its exact text, until its `exp`
    (plus the leeway a fresh check would allow): a repeat costs one dict lookup.
    Only verified tokens are stored, so forged ones cannot fill the cache, and
    the cache never outlives a key change of our own (SECRET_KEY changes need a
    restart). Access tokens are never revoked individually (that is what their
    short life and refresh-token rotation are for), so nothing else can make a
    remembered token invalid before `exp`, except an identity provider removing
    its signing key from the JWKS, which takes effect for new tokens at once and
    for remembered ones when they expire.
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._jwks = (
            None
            if settings.jwks_url is None
            else jwt.PyJWKClient(settings.jwks_url, lifespan=settings.jwks_cache_seconds)
        )
        self._verified: dict[str, AccessClaims] = {}

    async def verify(self, token: str) -> AccessClaims:
        """Raises jwt.PyJWTError for any token that must not be trusted."""
        known = self._verified.get(token)
        if known is not None:
            if time.time() <= known.expires_at + self._settings.jwt_leeway_seconds:
                return known
            del self._verified[token]
        claims = await self._check(token)
        if len(self._verified) >= VERIFIED_CACHE_SIZE:
            # Dicts keep insertion order: drop the oldest entry.
            del self._verified[next(iter(self._verified))]
        self._verified[token] = claims
        return claims

    async def _check(self, token: str) -> AccessClaims:
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
