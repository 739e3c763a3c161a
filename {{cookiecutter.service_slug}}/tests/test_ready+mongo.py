"""Readiness on MongoDB: ready once the server answers and the indexes exist."""

from __future__ import annotations

import httpx

from app.config import Settings
from app.container import container_of_app
from app.main import create_app
from tests.clients import client_for
{%- if cookiecutter.broker != "none" %}
from tests.plugins.broker import UNREACHABLE_BROKER_URL

# The outbox needs transactions: /ready checks the server can run them.
CHECKS = ["database", "broker", "transactions"]
{%- else %}

CHECKS = ["database"]
{%- endif %}


async def test_ready_reports_each_dependency(client: httpx.AsyncClient) -> None:
    response = await client.get("/ready")

    assert response.status_code == 200
    body = response.json()
{%- if cookiecutter.cache == "redis" %}
    # The cache's own status is test_cache.py's subject: degraded without TEST_REDIS_URL.
    assert body["checks"].pop("cache") in ("ok", "degraded")
{%- endif %}
    assert body == {"status": "ready", "checks": dict.fromkeys(CHECKS, "ok")}


async def test_starts_while_mongodb_is_down_and_reports_503() -> None:
    # A real failure: nothing listens on port 1, so the connection is refused.
    settings = Settings(
        environment="test",
        mongodb_url="mongodb://127.0.0.1:1",
        mongodb_timeout_seconds=0.5,
{%- if cookiecutter.broker != "none" %}
        broker_url=UNREACHABLE_BROKER_URL,
{%- endif %}
        _env_file=None,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app), client_for(app) as client:
        response = await client.get("/ready")
        health = await client.get("/health")
        indexes_created = container_of_app(app).store.index_setup.done.is_set()

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    failed = {name: status for name, status in body["checks"].items() if status == "unavailable"}
    assert failed == dict.fromkeys(CHECKS, "unavailable")
    assert body["detail"] == f"Unavailable: {', '.join(CHECKS)}."
    assert health.status_code == 200
    assert not indexes_created
