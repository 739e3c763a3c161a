"""`python -m app.cli create-api-key`, `list-api-keys` and `revoke-api-key`, on the real store."""

from __future__ import annotations

import asyncio

import pytest
from fastapi import FastAPI

from app.auth.api_keys import lookup_id_of
from app.auth.principal import Principal
from app.cli import main
from app.config import Settings
from app.container import container_of_app
from app.main import create_app


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

    assert main(["list-api-keys"], settings) == 0
    listed = capsys.readouterr().out
    assert key_id in listed
    assert "'ci'  [admin items:read]" in listed
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
