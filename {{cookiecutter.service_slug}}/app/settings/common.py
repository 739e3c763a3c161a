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
    max_request_body_bytes: int = Field(
        default=1_048_576,
        ge=1024,
        le=1_073_741_824,
        description="Largest request body accepted; larger ones get 413 before authentication.",
    )
    request_body_timeout_seconds: float = Field(
        default=15.0,
        gt=0,
        le=300,
        description="Longest wait for the next part of a request body before 408.",
    )
    outage_retry_after_seconds: int = Field(
        default=5,
        ge=1,
        le=3600,
        description="Retry-After of the 503 sent while a dependency is unreachable.",
    )

    @property
    def is_deployed(self) -> bool:
        """Staging and production: where weak or default secrets are refused."""
        return self.environment not in ("development", "test")
