"""`python -m app.cli create-superuser` creates a superuser who can log in."""

from __future__ import annotations

import asyncio
import io

import pytest

from app.auth import passwords
from app.cli import main
from app.config import Settings
from app.container import container_of_app
from app.main import create_app
from tests.plugins.auth import PASSWORD

EMAIL = "root@example.com"


async def _take_user(settings: Settings, email: str) -> tuple[bool, bool]:
    """(is_superuser, password verifies), then delete the user so no other test sees it."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        user = await container_of_app(app).auth.users.get_by_email(email)
        assert user is not None
        await container_of_app(app).auth.users.delete(user.id)
        return user.is_superuser, await passwords.verify_password(PASSWORD, user.password_hash)


def run_cli(settings: Settings, monkeypatch: pytest.MonkeyPatch, email: str, password: str) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    return main(["create-superuser", "--email", email, "--password-stdin"], settings)


def test_create_superuser(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(settings, monkeypatch, " Root@Example.com", PASSWORD) == 0
    assert run_cli(settings, monkeypatch, EMAIL, PASSWORD) == 1
    out, err = capsys.readouterr()

    assert asyncio.run(_take_user(settings, EMAIL)) == (True, True)
    assert f"Created superuser {EMAIL}" in out
    assert "already exists" in err


def test_create_superuser_applies_the_password_policy(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(settings, monkeypatch, EMAIL, "short") == 1
    assert "at least 12 characters" in capsys.readouterr().err
