"""auth=jwt: the signing key, token lifetimes and the password policy."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, SecretStr, model_validator

from app.settings.common import CommonSettings

# Placeholders people paste from tutorials; never acceptable outside development.
KNOWN_WEAK_SECRETS = frozenset({"changeme", "change-me", "secret", "secret-key", "dev", "test"})
MIN_SECRET_BYTES = 32
# RFC 7518, section 3.2: an HMAC key at least as long as the hash it feeds.
HMAC_KEY_BYTES = {"HS256": 32, "HS384": 48, "HS512": 64}


class AuthSettings(CommonSettings):
    secret_key: SecretStr = Field(
        default=SecretStr(""),
        description="Signing key of access tokens; at least 32 bytes outside development.",
    )
    # Access tokens are short-lived and trusted without a database read; refresh
    # tokens are opaque, stored hashed and rotated on every use.
    access_token_minutes: int = Field(default=15, ge=1, le=24 * 60)
    refresh_token_days: int = Field(default=14, ge=1, le=365)
    jwt_algorithm: Literal["HS256", "HS384", "HS512"] = "HS256"
    jwt_issuer: str = Field(default="{{ cookiecutter.service_slug }}", min_length=1)
    jwt_audience: str = Field(default="{{ cookiecutter.service_slug }}", min_length=1)
    jwt_leeway_seconds: int = Field(default=10, ge=0, le=300)
    # Resource-server mode: verify RS256/ES256 tokens of an external identity
    # provider against its JWKS instead of signing our own (see README).
    jwks_url: str | None = None
    jwks_cache_seconds: int = Field(default=300, ge=0)
    registration_enabled: bool = True
    password_min_length: int = Field(default=12, ge=8, le=128)
    login_throttle_window_seconds: int = Field(
        default=300,
        ge=1,
        le=86_400,
        description="Moving window, in seconds, in which both login limits count attempts.",
    )
    login_attempts_per_address: int = Field(
        default=100,
        ge=1,
        le=100_000,
        description="Password-grant attempts (right or wrong) one client address may make per "
        "window; more are answered 429 before any password is checked.",
    )
    login_failures_per_account: int = Field(
        default=10,
        ge=1,
        le=10_000,
        description="Failed password-grant attempts on one account from one client address per "
        "window; more are answered 429. Counted per address, so failures from elsewhere never "
        "lock the owner out.",
    )

    @model_validator(mode="after")
    def _require_strong_secret_outside_development(self) -> Self:
        if not self.is_deployed:
            return self
        secret = self.secret_key.get_secret_value()
        if secret.lower() in KNOWN_WEAK_SECRETS or len(secret.encode()) < MIN_SECRET_BYTES:
            raise ValueError(
                f"{{ cookiecutter.__env_prefix }}SECRET_KEY must be at least {MIN_SECRET_BYTES} random bytes "
                f"in {self.environment}; generate one with: "
                "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )
        return self

    @model_validator(mode="after")
    def _key_long_enough_for_the_algorithm(self) -> Self:
        if not self.is_deployed or self.jwks_url is not None:
            return self
        minimum = HMAC_KEY_BYTES[self.jwt_algorithm]
        if len(self.secret_key.get_secret_value().encode()) < minimum:
            raise ValueError(
                f"{{ cookiecutter.__env_prefix }}SECRET_KEY must be at least {minimum} bytes "
                f"with JWT_ALGORITHM={self.jwt_algorithm}"
            )
        return self
