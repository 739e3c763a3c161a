"""cache=redis: where Redis is, how long entries live, how long a call may wait."""

from __future__ import annotations

from pydantic import Field, SecretStr

from app.settings.common import CommonSettings


class CacheSettings(CommonSettings):
    # Secret: a deployed URL carries the Redis password.
    cache_url: SecretStr = Field(
        default=SecretStr("redis://127.0.0.1:6379/0"),
        description="redis:// or rediss:// URL of the cache, with its password.",
    )
    cache_key_prefix: str = Field(
        default="{{ cookiecutter.service_slug }}",
        min_length=1,
        description="Prefix of every key, so services can share one Redis.",
    )
    cache_ttl_seconds: int = Field(
        default=300,
        ge=1,
        le=86_400,
        description="How long an entry lives; writes invalidate it earlier.",
    )
    cache_timeout_seconds: float = Field(
        default=0.25,
        gt=0,
        le=10,
        description="Longest wait for one Redis call before the read goes to the database.",
    )
    cache_retry_seconds: float = Field(
        default=5.0,
        gt=0,
        le=300,
        description="After a failed call, reads skip Redis this long before trying it again.",
    )
