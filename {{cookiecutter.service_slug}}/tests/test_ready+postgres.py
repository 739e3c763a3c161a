"""Readiness on PostgreSQL (SQLite locally): ready when the database answers, else 503."""

from __future__ import annotations

import httpx

from app.config import Settings
from app.main import create_app
from tests.clients import client_for
{%- if cookiecutter.broker != "none" %}
from tests.plugins.broker import UNREACHABLE_BROKER_URL
{%- endif %}


async def test_ready_reports_each_dependency(client: httpx.AsyncClient) -> None:
    response = await client.get("/ready")

    assert response.status_code == 200
    body = response.json()
{%- if cookiecutter.cache == "redis" %}
    # The cache's own status is test_cache.py's subject: degraded without TEST_REDIS_URL.
    assert body["checks"].pop("cache") in ("ok", "degraded")
{%- endif %}
    assert body == {"status": "ready", "checks": {"database": "ok"{% if cookiecutter.broker != "none" %}, "broker": "ok"{% endif %}}}


async def test_ready_is_503_naming_the_database_when_it_is_unreachable() -> None:
    # A real failure: nothing listens on port 1, so the connection is refused.
    settings = Settings(
        environment="test",
        database_url="postgresql+asyncpg://user:password@127.0.0.1:1/db",
        database_timeout_seconds=2,
{%- if cookiecutter.broker != "none" %}
        broker_url=UNREACHABLE_BROKER_URL,
{%- endif %}
        _env_file=None,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app), client_for(app) as client:
        response = await client.get("/ready")
        health = await client.get("/health")

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    unavailable = ["database"{% if cookiecutter.broker != "none" %}, "broker"{% endif %}]
    failed = {name: status for name, status in body["checks"].items() if status == "unavailable"}
    assert failed == dict.fromkeys(unavailable, "unavailable")
    assert body["detail"] == f"Unavailable: {', '.join(unavailable)}."
    assert health.status_code == 200
