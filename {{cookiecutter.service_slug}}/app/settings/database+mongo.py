"""database=mongo: the server URL, the database name and the pool."""

from __future__ import annotations

from pydantic import AliasChoices, Field

from app.settings.common import CommonSettings


class DatabaseSettings(CommonSettings):
    mongodb_url: str = Field(
        default="mongodb://127.0.0.1:27017",
        # Platforms commonly inject a bare MONGODB_URL; accept it as well.
        validation_alias=AliasChoices("{{ cookiecutter.__env_prefix }}MONGODB_URL", "MONGODB_URL"),
    )
    mongodb_database: str = Field(default="{{ cookiecutter.service_slug.replace('-', '_') }}", min_length=1, max_length=63)
    mongodb_pool_size: int = Field(default=10, ge=1)
    mongodb_timeout_seconds: float = Field(default=5.0, gt=0)
