"""auth=jwt: settings refuse weak signing keys where they would matter."""

from __future__ import annotations

import secrets

import pytest
from pydantic import ValidationError

from app.config import Settings


@pytest.mark.parametrize("secret", ["", "changeme", "short-but-not-empty"])
@pytest.mark.parametrize("environment", ["staging", "production"])
def test_weak_secret_is_refused_outside_development(secret: str, environment: str) -> None:
    with pytest.raises(ValidationError, match=r"SECRET_KEY must be at least 32 random bytes"):
        Settings(
            environment=environment,
            secret_key=secret,
            allowed_hosts=["api.example.com"],
            _env_file=None,
        )


def test_strong_secret_is_accepted_in_production() -> None:
    settings = Settings(
        environment="production",
        secret_key=secrets.token_urlsafe(48),
        allowed_hosts=["api.example.com"],
        _env_file=None,
    )

    assert settings.environment == "production"


def test_development_runs_without_a_secret() -> None:
    assert Settings(environment="development", _env_file=None).secret_key.get_secret_value() == ""
