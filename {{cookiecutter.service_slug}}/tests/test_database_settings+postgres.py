"""database=postgres: platform-style URLs are accepted and get the async driver."""

from __future__ import annotations

import pytest

from app.config import Settings


def test_bare_database_url_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("{{ cookiecutter.__env_prefix }}DATABASE_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://u:p@db:5432/app")

    assert Settings(_env_file=None).database_url == "postgresql+asyncpg://u:p@db:5432/app"


@pytest.mark.parametrize("scheme", ["postgres", "postgresql"])
def test_plain_postgres_url_gets_the_async_driver(scheme: str) -> None:
    settings = Settings(database_url=f"{scheme}://u:p@db:5432/app", _env_file=None)

    assert settings.database_url == "postgresql+asyncpg://u:p@db:5432/app"
