{%- if cookiecutter.database != "none" -%}
"""`python -m app.cli create-api-key`, `list-api-keys` and `revoke-api-key`, on the real store."""

from __future__ import annotations

import asyncio

import pytest
from fastapi import FastAPI

from app.auth.api_keys import lookup_id_of
from app.cli import main
from app.config import Settings
from app.container import container_of_app
from app.main import create_app
from app.models.api_key import Principal


async def _authenticate(settings: Settings, key: str) -> Principal | None:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        authenticator = container_of_app(app).auth.authenticator
        principal: Principal | None = await authenticator.authenticate(key)
        return principal


def test_create_list_and_revoke(
    app: FastAPI, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    # `app` empties the store afterwards; the commands run their own app, as from a shell.
    command = ["create-api-key", "--name", " ci ", "--scopes", "items:read", "admin"]
    assert main(command, settings) == 0
    out, err = capsys.readouterr()
    key = out.strip()
    key_id = next(line for line in err.splitlines() if line.startswith("Created ")).split()[1]

    assert lookup_id_of(key) is not None
    principal = asyncio.run(_authenticate(settings, key))
    assert principal is not None
    assert principal.scopes == {"items:read", "admin"}
    assert principal.name == "ci"

    assert main(["list-api-keys"], settings) == 0
    listed = capsys.readouterr().out
    assert key_id in listed
    assert "[admin items:read]" in listed
    assert key not in listed

    assert main(["revoke-api-key", key_id], settings) == 0
    assert "revoked" in capsys.readouterr().out
    assert asyncio.run(_authenticate(settings, key)) is None


def test_revoking_an_unknown_key_fails(
    app: FastAPI, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["revoke-api-key", "no-such-key"], settings) == 1
    assert "API key no-such-key does not exist." in capsys.readouterr().err


def test_unknown_scopes_are_refused(settings: Settings) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["create-api-key", "--name", "ci", "--scopes", "items:delete"], settings)
    assert exit_info.value.code == 2
{%- else -%}
"""`python -m app.cli hash-api-key` prints a key and the settings entry that lets it in."""

from __future__ import annotations

import httpx
import pytest

from app.cli import main
from app.config import Settings
from app.main import create_app
from app.settings.auth import ConfiguredApiKey


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
{%- endif %}
