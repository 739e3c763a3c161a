"""Fixtures: a fresh app per test, talking to it in-process over ASGI.

Each feature brings its fixtures and helpers as a plugin module in tests/plugins/
(found by `pytest_plugins`); test modules import helpers from there, never from
here. A plugin gives the settings its feature needs as the fixture
`<plugin>_settings`.
"""

from __future__ import annotations

import pkgutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.config import Settings
from app.logging import stop_logging
from app.main import create_app
from tests.clients import client_for
{%- if cookiecutter.broker != "none" %}
from tests.plugins.broker import started_on_test_broker
{%- endif %}
from tests.plugins.store import store_under_test

# The manifest renders a plugin module only for the features the answers chose.
pytest_plugins = [
    f"tests.plugins.{plugin.name}"
    for plugin in pkgutil.iter_modules([str(Path(__file__).with_name("plugins"))])
]


@pytest.fixture(autouse=True)
def _logs_stay_with_their_test() -> Iterator[None]:
    """Write what the logging thread still holds while this test's output is captured."""
    yield
    stop_logging()


@pytest.fixture
def settings(request: pytest.FixtureRequest) -> Settings:
    fields: dict[str, Any] = {}
    for plugin in pytest_plugins:
        fields |= request.getfixturevalue(f"{plugin.rpartition('.')[2]}_settings")
    return Settings(environment="test", _env_file=None, **fields)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
{%- if cookiecutter.broker != "none" %}
    async with started_on_test_broker(application), store_under_test(application):
{%- else %}
    async with application.router.lifespan_context(application), store_under_test(application):
{%- endif %}
        yield application


@pytest.fixture
async def client(app: FastAPI, credentials: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    """A client sending `credentials`: what a regular caller of the items API has."""
    async with client_for(app, credentials) as client:
        yield client
