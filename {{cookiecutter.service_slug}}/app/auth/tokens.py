"""Access tokens (JWT, signed with SECRET_KEY) and opaque refresh tokens."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from app.config import Settings
from app.models.user import UserId

REQUIRED_CLAIMS = ["exp", "iat", "nbf", "iss", "aud", "sub", "jti"]


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
    scope = claims.get("scope", "")
    if not isinstance(scope, str) or not isinstance(claims["sub"], str):
        raise jwt.InvalidTokenError("malformed scope or subject claim")
    return AccessClaims(
        subject=claims["sub"], scopes=frozenset(scope.split()), token_id=str(claims["jti"])
    )


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def hash_refresh_token(token: str) -> str:
    # The token carries 256 random bits: a fast hash suffices (no dictionary to guess from).
    return hashlib.sha256(token.encode()).hexdigest()
