"""Settings come from prefixed environment variables."""

from __future__ import annotations

import pytest

from app.config import Settings


def test_settings_read_prefixed_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("{{ cookiecutter.__env_prefix }}LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("{{ cookiecutter.__env_prefix }}CORS_ORIGINS", '["https://a.example"]')

    settings = Settings(_env_file=None)

    assert settings.log_level == "DEBUG"
    assert settings.cors_origins == ["https://a.example"]
{%- if cookiecutter.auth != "jwt" %}


def test_production_starts_without_a_signing_key() -> None:
    # Nothing signs anything without auth=jwt: no SECRET_KEY to demand or to leak.
    settings = Settings(environment="production", allowed_hosts=["api.example.com"], _env_file=None)

    assert "secret_key" not in Settings.model_fields
    assert settings.environment == "production"
{%- endif %}
