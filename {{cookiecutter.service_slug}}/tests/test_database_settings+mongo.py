"""database=mongo: a bare MONGODB_URL, as platforms inject it, is accepted."""

from __future__ import annotations

import pytest

from app.config import Settings


def test_bare_mongodb_url_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("{{ cookiecutter.__env_prefix }}MONGODB_URL", raising=False)
    monkeypatch.setenv("MONGODB_URL", "mongodb://u:p@mongo:27017/?authSource=admin")

    assert Settings(_env_file=None).mongodb_url == "mongodb://u:p@mongo:27017/?authSource=admin"
