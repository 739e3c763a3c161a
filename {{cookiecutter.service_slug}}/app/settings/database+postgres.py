"""database=postgres: the connection URL (SQLite by default locally) and the pool."""

from __future__ import annotations

from pydantic import AliasChoices, Field, field_validator

from app.settings.common import CommonSettings


class DatabaseSettings(CommonSettings):
    database_url: str = Field(
        default="sqlite+aiosqlite:///./dev.db",
        # Platforms commonly inject a bare DATABASE_URL; accept it as well.
        validation_alias=AliasChoices("{{ cookiecutter.__env_prefix }}DATABASE_URL", "DATABASE_URL"),
    )
    database_pool_size: int = Field(default=10, ge=1)
    database_max_overflow: int = Field(default=0, ge=0)
    database_timeout_seconds: float = Field(default=5.0, gt=0)

    @field_validator("database_url")
    @classmethod
    def _use_the_async_driver(cls, url: str) -> str:
        # Platforms inject postgres:// or postgresql://; the app needs the asyncpg driver.
        for scheme in ("postgres://", "postgresql://"):
            if url.startswith(scheme):
                return "postgresql+asyncpg://" + url.removeprefix(scheme)
        return url
