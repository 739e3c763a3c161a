"""Settings every service has, whatever the answers chose."""

from __future__ import annotations

import ipaddress
from typing import Literal, Self

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings

Environment = Literal["development", "test", "staging", "production"]
LOOPBACK = ["127.0.0.1", "::1"]


class CommonSettings(BaseSettings):
    environment: Environment = "development"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    access_log: bool = True
    docs_enabled: bool = True
    cors_origins: list[str] = Field(default_factory=list)
    gzip_minimum_size: int = Field(default=1000, ge=0, description="0 disables compression.")
    allowed_hosts: list[str] = Field(
        default_factory=lambda: ["*"],
        description=(
            "Host header values served, e.g. api.example.com or *.example.com; other hosts get "
            "400. Links are built from the Host, so '*' is refused outside development."
        ),
    )
    trusted_proxies: list[str] = Field(
        default_factory=lambda: list(LOOPBACK),
        description=(
            "Addresses or networks (CIDR) whose X-Forwarded-Proto and X-Forwarded-For are "
            "believed; '*' trusts every peer. Other peers' forwarded headers are ignored."
        ),
    )
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

    @field_validator("trusted_proxies")
    @classmethod
    def _addresses_or_networks(cls, proxies: list[str]) -> list[str]:
        for proxy in proxies:
            if proxy != "*":
                ipaddress.ip_network(proxy, strict=False)  # ValueError names the bad entry
        return proxies

    @model_validator(mode="after")
    def _named_hosts_outside_development(self) -> Self:
        if self.is_deployed and "*" in self.allowed_hosts:
            raise ValueError(
                "{{ cookiecutter.__env_prefix }}ALLOWED_HOSTS must name the hosts clients use "
                f"in {self.environment} (the Ingress host, e.g. "
                '["{{ cookiecutter.service_slug }}.example.com"]): links and Location headers '
                "carry the Host header, so any host would let a caller choose them"
            )
        return self
