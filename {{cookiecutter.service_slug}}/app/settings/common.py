"""Settings every service has, whatever the answers chose."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings

Environment = Literal["development", "test", "staging", "production"]


class CommonSettings(BaseSettings):
    environment: Environment = "development"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    access_log: bool = True
    docs_enabled: bool = True
    cors_origins: list[str] = Field(default_factory=list)
    gzip_minimum_size: int = Field(default=1000, ge=0, description="0 disables compression.")

    @property
    def is_deployed(self) -> bool:
        """Staging and production: where weak or default secrets are refused."""
        return self.environment not in ("development", "test")
