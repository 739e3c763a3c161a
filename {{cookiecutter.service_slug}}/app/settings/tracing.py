"""Tracing settings: where spans go and how many are kept.

The exporter also reads the standard OTEL_EXPORTER_OTLP_* variables; a value
set here wins over them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class TracingSettings(BaseSettings):
    # Read on its own rather than mixed into app.config.Settings: the tracer
    # provider is one per process, made once from the environment.
    model_config = SettingsConfigDict(
        env_prefix="{{ cookiecutter.__env_prefix }}",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    tracing_enabled: bool = Field(
        default=True, description="False makes no spans (log lines then carry no trace ids)."
    )
    otlp_endpoint: str | None = Field(
        default=None,
        description=(
            "Collector URL, e.g. http://otel-collector:4318 (http/protobuf) or "
            "http://otel-collector:4317 (grpc). Unset, OTEL_EXPORTER_OTLP_ENDPOINT or "
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is used; unset too, spans are not exported "
            "and only their ids reach the log lines."
        ),
    )
    otlp_protocol: Literal["http/protobuf", "grpc"] = "http/protobuf"
    otlp_headers: SecretStr | None = Field(
        default=None,
        description="Headers sent with each export, as key=value,key2=value2 (e.g. an API key).",
    )
    trace_sample_ratio: float = Field(
        default=1.0,
        ge=0.0,
        le=1.0,
        description=(
            "Share of new traces recorded; a request that arrives with a traceparent follows "
            "its caller's decision."
        ),
    )
    span_queue_size: int = Field(
        default=2048,
        ge=64,
        le=1_000_000,
        description="Spans waiting for export; when full, new spans are dropped and counted.",
    )

    @field_validator("otlp_endpoint", "otlp_headers", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # compose passes `${OTLP_ENDPOINT:-}`: an empty variable means "not configured".
        return None if value == "" else value
