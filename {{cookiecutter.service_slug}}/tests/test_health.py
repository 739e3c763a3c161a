{%- if cookiecutter.database == "mongo" %}
{%- set missing_id = "6650f0c0a0b0c0d0e0f01234" %}
{%- set other_missing_id = "6650f0c0a0b0c0d0e0f05678" %}
{%- else %}
{%- set missing_id = "12345" %}
{%- set other_missing_id = "67890" %}
{%- endif -%}
"""Liveness, readiness and the scrape endpoint."""

from __future__ import annotations

import httpx
{%- if cookiecutter.database != "none" %}
from fastapi import FastAPI

from app.config import Settings
from app.main import create_app
{%- if cookiecutter.broker != "none" %}
from tests.conftest import UNREACHABLE_BROKER_URL
{%- endif %}
{%- else %}
from fastapi import FastAPI
{%- endif %}


async def test_health_answers_without_dependencies(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_reports_each_dependency(client: httpx.AsyncClient) -> None:
    response = await client.get("/ready")

    assert response.status_code == 200
{%- if cookiecutter.database == "postgres" %}
    assert response.json() == {"status": "ready", "checks": {"database": "ok"{% if cookiecutter.broker != "none" %}, "broker": "ok"{% endif %}}}


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
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.get("/ready")
            health = await client.get("/health")

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
{%- if cookiecutter.broker != "none" %}
    assert body["checks"] == {"database": "unavailable", "broker": "unavailable"}
    assert body["detail"] == "Unavailable: database, broker."
{%- else %}
    assert body["checks"] == {"database": "unavailable"}
    assert body["detail"] == "Unavailable: database."
{%- endif %}
    assert health.status_code == 200
{%- elif cookiecutter.database == "mongo" %}
{%- if cookiecutter.broker != "none" %}
    assert response.json() == {
        "status": "ready",
        "checks": {"database": "ok", "broker": "ok", "transactions": "ok"},
    }
{%- else %}
    assert response.json() == {"status": "ready", "checks": {"database": "ok"}}
{%- endif %}


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
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.get("/ready")
            health = await client.get("/health")
        indexes_created = app.state.index_setup.done.is_set()

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
{%- if cookiecutter.broker != "none" %}
    assert body["checks"] == {
        "database": "unavailable",
        "broker": "unavailable",
        "transactions": "unavailable",
    }
    assert body["detail"] == "Unavailable: database, broker, transactions."
{%- else %}
    assert body["checks"] == {"database": "unavailable"}
    assert body["detail"] == "Unavailable: database."
{%- endif %}
    assert health.status_code == 200
    assert not indexes_created
{%- else %}
{%- if cookiecutter.broker != "none" %}
    assert response.json() == {"status": "ready", "checks": {"broker": "ok"}}
{%- else %}
    assert response.json() == {"status": "ready", "checks": {}}
{%- endif %}


async def test_ready_is_503_naming_the_failing_check(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    async def broken() -> None:
        raise ConnectionError("down")

    app.state.readiness_checks = {"cache": broken}

    response = await client.get("/ready")

    assert response.status_code == 503
    assert response.json()["checks"] == {"cache": "unavailable"}
{%- endif %}


async def test_metrics_count_requests_by_route_template(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await client.get("/items/{{ missing_id }}")
    await client.get("/items/{{ other_missing_id }}")
    await client.get("/no-such-page")

    text = (await client.get("/metrics")).text

    assert 'http_requests_total{method="GET",route="/items/{item_id}",status="404"} 2.0' in text
    assert 'route="<unmatched>",status="404"' in text
    assert "/items/{{ missing_id }}" not in text
    assert "http_request_duration_seconds_count" in text
    assert "http_requests_in_flight 1.0" in text  # the scrape itself is in flight


async def test_metrics_label_framework_routes_by_template_and_404s_as_one(
    client: httpx.AsyncClient,
) -> None:
    assert (await client.get("/docs")).status_code == 200
    assert (await client.get("/openapi.json")).status_code == 200
    for path in ("/scan/1", "/scan/2", "/docs-backup"):
        assert (await client.get(path)).status_code == 404

    text = (await client.get("/metrics")).text

    assert 'http_requests_total{method="GET",route="/docs",status="200"} 1.0' in text
    assert 'http_requests_total{method="GET",route="/openapi.json",status="200"} 1.0' in text
    assert 'http_requests_total{method="GET",route="<unmatched>",status="404"} 3.0' in text
    assert "/scan/" not in text
    assert "/docs-backup" not in text
