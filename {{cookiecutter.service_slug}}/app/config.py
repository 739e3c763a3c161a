"""Settings, read from the environment (prefix {{ cookiecutter.__env_prefix }}) and from .env."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal, Self

from pydantic import (
{%- if cookiecutter.database != "none" or cookiecutter.broker != "none" %}
    AliasChoices,
{%- endif %}
{%- if cookiecutter.auth == "api-key" and cookiecutter.database == "none" %}
    BaseModel,
    ConfigDict,
{%- endif %}
    Field,
    SecretStr,
{%- if cookiecutter.database == "postgres" or (cookiecutter.auth == "api-key" and cookiecutter.database == "none") %}
    field_validator,
{%- endif %}
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict
{%- if cookiecutter.auth == "api-key" and cookiecutter.database == "none" %}

from app.auth.scopes import SCOPES
{%- endif %}

# Placeholders people paste from tutorials; never acceptable outside development.
KNOWN_WEAK_SECRETS = frozenset({"changeme", "change-me", "secret", "secret-key", "dev", "test"})
MIN_SECRET_BYTES = 32
{%- if cookiecutter.auth == "jwt" %}
# RFC 7518, section 3.2: an HMAC key at least as long as the hash it feeds.
HMAC_KEY_BYTES = {"HS256": 32, "HS384": 48, "HS512": 64}
{%- endif %}
{%- if cookiecutter.broker != "none" %}
# Valid in every broker's names: exchanges, topics, streams, subjects, consumer groups.
BROKER_NAME = r"^[a-z0-9][a-z0-9._-]*$"
{%- endif %}
{%- if cookiecutter.auth == "api-key" and cookiecutter.database == "none" %}


class ConfiguredApiKey(BaseModel):
    """One entry of API_KEYS: the key's lookup id and digest, never the key itself."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=100)
    lookup_id: str = Field(pattern=r"^[0-9a-f]{16}$")
    key_hash: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the key, hex.")
    scopes: frozenset[str] = Field(min_length=1)

    @field_validator("scopes")
    @classmethod
    def _known_scopes(cls, scopes: frozenset[str]) -> frozenset[str]:
        unknown = scopes - SCOPES.keys()
        if unknown:
            raise ValueError(f"unknown scopes: {' '.join(sorted(unknown))}")
        return scopes
{%- endif %}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="{{ cookiecutter.__env_prefix }}",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )

    environment: Literal["development", "test", "staging", "production"] = "development"
    secret_key: SecretStr = Field(
        default=SecretStr(""),
        description="Signing key; at least 32 bytes outside development.",
    )
{%- if cookiecutter.database == "postgres" %}
    database_url: str = Field(
        default="sqlite+aiosqlite:///./dev.db",
        # Platforms commonly inject a bare DATABASE_URL; accept it as well.
        validation_alias=AliasChoices("{{ cookiecutter.__env_prefix }}DATABASE_URL", "DATABASE_URL"),
    )
    database_pool_size: int = Field(default=10, ge=1)
    database_max_overflow: int = Field(default=0, ge=0)
    database_timeout_seconds: float = Field(default=5.0, gt=0)
{%- elif cookiecutter.database == "mongo" %}
    mongodb_url: str = Field(
        default="mongodb://127.0.0.1:27017",
        # Platforms commonly inject a bare MONGODB_URL; accept it as well.
        validation_alias=AliasChoices("{{ cookiecutter.__env_prefix }}MONGODB_URL", "MONGODB_URL"),
    )
    mongodb_database: str = Field(default="{{ cookiecutter.service_slug.replace('-', '_') }}", min_length=1, max_length=63)
    mongodb_pool_size: int = Field(default=10, ge=1)
    mongodb_timeout_seconds: float = Field(default=5.0, gt=0)
{%- endif %}
{%- if cookiecutter.broker != "none" %}
    broker_url: str = Field(
{%- if cookiecutter.broker == "rabbitmq" %}
        default="amqp://guest:guest@localhost:5672/",
{%- elif cookiecutter.broker == "kafka" %}
        default="localhost:9092",
        description="Bootstrap servers, comma separated.",
{%- elif cookiecutter.broker == "redis" %}
        default="redis://localhost:6379/0",
{%- else %}
        default="nats://localhost:4222",
{%- endif %}
        # Platforms commonly inject a bare BROKER_URL; accept it as well.
        validation_alias=AliasChoices("{{ cookiecutter.__env_prefix }}BROKER_URL", "BROKER_URL"),
    )
    # Names of this service's destinations and of its consumer group (see README).
    broker_topic_prefix: str = Field(
        default="{{ cookiecutter.service_slug }}",
        pattern=BROKER_NAME,
    )
    broker_consumer_group: str = Field(
        default="{{ cookiecutter.service_slug }}",
        pattern=BROKER_NAME,
    )
    # The service whose item deletions the example consumer follows.
    broker_upstream_prefix: str = Field(default="catalog", pattern=BROKER_NAME)
    broker_timeout_seconds: float = Field(default=5.0, gt=0)
    # Starting includes joining consumer groups: Kafka's first rebalance alone waits seconds.
    broker_connect_timeout_seconds: float = Field(default=30.0, gt=0)
    broker_retry_max_seconds: float = Field(default=10.0, gt=0)
    broker_max_deliveries: int = Field(default=5, ge=1, le=100)
    outbox_batch_size: int = Field(default=100, ge=1, le=10_000)
    outbox_poll_seconds: float = Field(default=1.0, gt=0)
    outbox_flush_seconds: float = Field(default=5.0, ge=0)
{%- endif %}
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    access_log: bool = True
    docs_enabled: bool = True
    cors_origins: list[str] = Field(default_factory=list)
    gzip_minimum_size: int = Field(default=1000, ge=0, description="0 disables compression.")
{%- if cookiecutter.auth == "jwt" %}
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
{%- elif cookiecutter.auth == "api-key" %}
    # The header service clients send their key in.
    api_key_header: str = Field(default="X-API-Key", pattern=r"^[A-Za-z0-9-]{1,64}$")
{%- if cookiecutter.database == "none" %}
    # Without a database keys are configuration: JSON entries printed by
    # `python -m app.cli hash-api-key`; removing an entry revokes that key.
    api_keys: list[ConfiguredApiKey] = Field(default_factory=list)
{%- else %}
    # Verified keys are cached per process: a key revoked by another process
    # (replica, CLI) keeps working here for at most this long. 0 disables the cache.
    api_key_cache_seconds: float = Field(default=30, ge=0, le=3600)
    # A key's last-used time is written at most this often per process.
    api_key_last_used_seconds: float = Field(default=300, ge=0)
{%- endif %}
{%- endif %}

{%- if cookiecutter.database == "postgres" %}

    @field_validator("database_url")
    @classmethod
    def _use_the_async_driver(cls, url: str) -> str:
        # Platforms inject postgres:// or postgresql://; the app needs the asyncpg driver.
        for scheme in ("postgres://", "postgresql://"):
            if url.startswith(scheme):
                return "postgresql+asyncpg://" + url.removeprefix(scheme)
        return url
{%- endif %}

    @model_validator(mode="after")
    def _require_strong_secret_outside_development(self) -> Self:
        if self.environment in ("development", "test"):
            return self
        secret = self.secret_key.get_secret_value()
        if secret.lower() in KNOWN_WEAK_SECRETS or len(secret.encode()) < MIN_SECRET_BYTES:
            raise ValueError(
                f"{{ cookiecutter.__env_prefix }}SECRET_KEY must be at least {MIN_SECRET_BYTES} random bytes "
                f"in {self.environment}; generate one with: "
                "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )
        return self
{%- if cookiecutter.auth == "jwt" %}

    @model_validator(mode="after")
    def _key_long_enough_for_the_algorithm(self) -> Self:
        if self.environment in ("development", "test") or self.jwks_url is not None:
            return self
        minimum = HMAC_KEY_BYTES[self.jwt_algorithm]
        if len(self.secret_key.get_secret_value().encode()) < minimum:
            raise ValueError(
                f"{{ cookiecutter.__env_prefix }}SECRET_KEY must be at least {minimum} bytes "
                f"with JWT_ALGORITHM={self.jwt_algorithm}"
            )
        return self
{%- endif %}


@lru_cache
def get_settings() -> Settings:
    return Settings()
