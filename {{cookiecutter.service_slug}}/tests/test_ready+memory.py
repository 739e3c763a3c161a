"""Readiness without a database: a failing check is named in the 503."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from app.container import container_of_app


async def test_ready_reports_each_dependency(client: httpx.AsyncClient) -> None:
    response = await client.get("/ready")

    assert response.status_code == 200
    body = response.json()
{%- if cookiecutter.cache == "redis" %}
    # The cache's own status is test_cache.py's subject: degraded without TEST_REDIS_URL.
    assert body["checks"].pop("cache") in ("ok", "degraded")
{%- endif %}
    assert body == {"status": "ready", "checks": {% if cookiecutter.broker != "none" %}{"broker": "ok"}{% else %}{}{% endif %}}


async def test_ready_is_503_naming_the_failing_check(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    async def broken() -> None:
        raise ConnectionError("down")

    container_of_app(app).readiness_checks = {"cache": broken}

    response = await client.get("/ready")

    assert response.status_code == 503
    assert response.json()["checks"] == {"cache": "unavailable"}
