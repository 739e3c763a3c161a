"""`python -m app.cli hash-api-key` prints a key and the settings entry that lets it in.

Removing the entry revokes the key.
"""

from __future__ import annotations

import httpx
import pytest

from app.cli import main
from app.config import Settings
from app.main import create_app
from app.settings.auth import ConfiguredApiKey
from tests.plugins.auth import READ_ONLY_ENTRY, READ_ONLY_KEY, READ_WRITE_KEY


async def test_hash_api_key_prints_a_key_and_its_entry(
    settings: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["hash-api-key", "--name", "ci", "--scopes", "items:read"]) == 0
    lines = capsys.readouterr().out.splitlines()
    key = lines[1]
    entry = ConfiguredApiKey.model_validate_json(lines[3])
    # As a deployment would set it: a JSON list in the environment.
    monkeypatch.setenv("{{ cookiecutter.__env_prefix }}API_KEYS", f"[{lines[3]}]")
    from_env = Settings(environment="test", _env_file=None)

    assert key not in lines[3]
    assert from_env.api_keys == [entry]
    app = create_app(from_env)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            read = await client.get("/items", headers={"X-API-Key": key})
            write = await client.post("/items", json={"name": "x"}, headers={"X-API-Key": key})
    assert read.status_code == 200
    assert write.status_code == 403


def test_unknown_scopes_are_refused() -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["hash-api-key", "--name", "ci", "--scopes", "admin"])
    assert exit_info.value.code == 2


def test_a_settings_entry_with_an_unknown_scope_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown scopes: admin"):
        ConfiguredApiKey(
            name="ci", lookup_id="0" * 16, key_hash="0" * 64, scopes=frozenset({"admin"})
        )


async def test_a_key_removed_from_the_settings_is_refused(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"api_keys": [READ_ONLY_ENTRY]}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            kept = await client.get("/items", headers={"X-API-Key": READ_ONLY_KEY})
            removed = await client.get("/items", headers={"X-API-Key": READ_WRITE_KEY})

    assert kept.status_code == 200
    assert removed.status_code == 401
