"""Settings refuse weak secrets where they would matter."""

from __future__ import annotations

import secrets

import pytest
from pydantic import ValidationError

from app.config import Settings


@pytest.mark.parametrize("secret", ["", "changeme", "short-but-not-empty"])
@pytest.mark.parametrize("environment", ["staging", "production"])
def test_weak_secret_is_refused_outside_development(secret: str, environment: str) -> None:
    with pytest.raises(ValidationError, match=r"SECRET_KEY must be at least 32 random bytes"):
        Settings(environment=environment, secret_key=secret, _env_file=None)


def test_strong_secret_is_accepted_in_production() -> None:
    settings = Settings(
        environment="production",
        secret_key=secrets.token_urlsafe(48),
        _env_file=None,
    )

    assert settings.environment == "production"


def test_development_runs_without_a_secret() -> None:
    assert Settings(environment="development", _env_file=None).secret_key.get_secret_value() == ""


def test_settings_read_prefixed_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("{{ cookiecutter.__env_prefix }}LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("{{ cookiecutter.__env_prefix }}CORS_ORIGINS", '["https://a.example"]')

    settings = Settings(_env_file=None)

    assert settings.log_level == "DEBUG"
    assert settings.cors_origins == ["https://a.example"]
{%- if cookiecutter.database == "postgres" %}


def test_bare_database_url_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("{{ cookiecutter.__env_prefix }}DATABASE_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://u:p@db:5432/app")

    assert Settings(_env_file=None).database_url == "postgresql+asyncpg://u:p@db:5432/app"


@pytest.mark.parametrize("scheme", ["postgres", "postgresql"])
def test_plain_postgres_url_gets_the_async_driver(scheme: str) -> None:
    settings = Settings(database_url=f"{scheme}://u:p@db:5432/app", _env_file=None)

    assert settings.database_url == "postgresql+asyncpg://u:p@db:5432/app"
{%- elif cookiecutter.database == "mongo" %}


def test_bare_mongodb_url_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("{{ cookiecutter.__env_prefix }}MONGODB_URL", raising=False)
    monkeypatch.setenv("MONGODB_URL", "mongodb://u:p@mongo:27017/?authSource=admin")

    assert Settings(_env_file=None).mongodb_url == "mongodb://u:p@mongo:27017/?authSource=admin"
{%- endif %}
