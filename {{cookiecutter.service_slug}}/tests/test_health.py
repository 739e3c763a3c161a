{%- if cookiecutter.database == "mongo" %}
{%- set missing_id = "6650f0c0a0b0c0d0e0f01234" %}
{%- set other_missing_id = "6650f0c0a0b0c0d0e0f05678" %}
{%- else %}
{%- set missing_id = "12345" %}
{%- set other_missing_id = "67890" %}
{%- endif -%}
"""Liveness and the scrape endpoint (readiness per store: tests/test_ready.py)."""

from __future__ import annotations

import httpx
from fastapi import FastAPI


async def test_health_answers_without_dependencies(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"status": "ok"}


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
