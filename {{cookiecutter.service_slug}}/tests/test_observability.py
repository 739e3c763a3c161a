{%- if cookiecutter.database == "mongo" %}
{%- set missing_id = "6650f0c0a0b0c0d0e0f00005" %}
{%- else %}
{%- set missing_id = "5" %}
{%- endif -%}
"""Request ids, JSON logs, compression and CORS."""

from __future__ import annotations

import io
import json
import logging
import sys

import httpx
import pytest
from fastapi import FastAPI

from app.config import Settings
from app.logging import JsonFormatter, configure_logging, request_id_var, stop_logging
from app.main import create_app


async def test_request_id_is_generated_and_echoed(client: httpx.AsyncClient) -> None:
    first = await client.get("/health")
    second = await client.get("/health")

    assert len(first.headers["x-request-id"]) == 32
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


async def test_callers_request_id_is_kept(client: httpx.AsyncClient) -> None:
    response = await client.get("/health", headers={"X-Request-ID": "abc-123"})

    assert response.headers["x-request-id"] == "abc-123"


async def test_unsafe_request_id_is_replaced(client: httpx.AsyncClient) -> None:
    response = await client.get("/health", headers={"X-Request-ID": "x" * 200})

    assert response.headers["x-request-id"] != "x" * 200


async def test_access_log_line_carries_request_id_and_route(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="app.access"):
        await client.get("/items/{{ missing_id }}", headers={"X-Request-ID": "trace-me"})

    [record] = [r for r in caplog.records if r.name == "app.access"]
    line = json.loads(JsonFormatter().format(record))
    assert line["route"] == "/items/{item_id}"
    assert line["status"] == 404
    assert line["method"] == "GET"
    assert line["duration_ms"] >= 0
    assert line["client"] == "127.0.0.1:123"  # httpx's in-process client address


async def test_probes_are_not_access_logged(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="app.access"):
        await client.get("/health")
        await client.get("/metrics")

    assert [r for r in caplog.records if r.name == "app.access"] == []


def test_json_formatter_includes_context_request_id_and_exception() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.getLogger("t").makeRecord(
            "t", logging.ERROR, __file__, 1, "failed %s", ("here",), exc_info=sys.exc_info()
        )
    token = request_id_var.set("req-1")
    try:
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_id_var.reset(token)

    assert line["message"] == "failed here"
    assert line["level"] == "ERROR"
    assert line["request_id"] == "req-1"
    assert "ValueError: boom" in line["exception"]


def test_lines_are_written_by_the_logging_thread_with_the_callers_request_id() -> None:
    stream = io.StringIO()
    configure_logging("INFO", stream=stream)
    token = request_id_var.set("req-2")
    try:
        logging.getLogger("app.test").info("queued %s", "line", extra={"item_id": 7})
    finally:
        request_id_var.reset(token)
    stop_logging()  # drains the queue, as the process's exit does

    [line] = [json.loads(text) for text in stream.getvalue().splitlines()]
    assert line["message"] == "queued line"
    assert line["request_id"] == "req-2"
    assert line["item_id"] == 7
    assert line["timestamp"].endswith("+00:00")


def test_json_lines_carry_no_colour_codes_of_uvicorn_messages() -> None:
    record = logging.getLogger("uvicorn.error").makeRecord(
        "uvicorn.error",
        logging.INFO,
        __file__,
        1,
        "Uvicorn running on %s",
        ("http://127.0.0.1:8000",),
        None,
        extra={"color_message": "Uvicorn running on \x1b[1m%s\x1b[0m"},
    )

    line = JsonFormatter().format(record)

    assert json.loads(line)["message"] == "Uvicorn running on http://127.0.0.1:8000"
    assert "color_message" not in line
    assert "\\u001b" not in line


async def test_large_responses_are_gzipped(client: httpx.AsyncClient) -> None:
    for n in range(30):
        await client.post("/items", json={"name": f"item-{n}", "description": "d" * 100})

    response = await client.get("/items?limit=30", headers={"Accept-Encoding": "gzip"})

    assert response.headers["content-encoding"] == "gzip"
    assert len(response.json()["items"]) == 30


async def test_large_responses_stay_plain_for_clients_that_do_not_accept_gzip(
    client: httpx.AsyncClient,
) -> None:
    for n in range(30):
        await client.post("/items", json={"name": f"item-{n}", "description": "d" * 100})

    response = await client.get("/items?limit=30", headers={"Accept-Encoding": "identity"})

    assert "content-encoding" not in response.headers
    assert int(response.headers["content-length"]) > 3000
    assert len(response.json()["items"]) == 30


async def test_cors_allows_only_configured_origins(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"cors_origins": ["https://ui.example.com"]}))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        allowed = await client.get("/health", headers={"Origin": "https://ui.example.com"})
        denied = await client.get("/health", headers={"Origin": "https://evil.example.com"})

    assert allowed.headers["access-control-allow-origin"] == "https://ui.example.com"
    assert "access-control-allow-origin" not in denied.headers


async def test_docs_can_be_disabled(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"docs_enabled": False}))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await client.get("/docs")).status_code == 404
        assert (await client.get("/openapi.json")).status_code == 404


async def test_openapi_documents_problem_responses(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()

    get_item = spec["paths"]["/items/{item_id}"]["get"]
    assert get_item["responses"]["404"]["content"]["application/problem+json"]["schema"] == {
        "$ref": "#/components/schemas/Problem"
    }


async def test_unexpected_error_is_500_problem_without_internals(
    app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    @app.get("/explode")
    async def explode() -> None:
        raise RuntimeError("secret internals")

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        with caplog.at_level(logging.ERROR, logger="app.errors"):
            response = await client.get("/explode", headers={"X-Request-ID": "req-500"})
        metrics = (await client.get("/metrics")).text

    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-request-id"] == "req-500"
    assert "secret internals" not in response.text
    assert response.json()["title"] == "Internal Server Error"
    [record] = [r for r in caplog.records if r.name == "app.errors"]
    logged = json.loads(JsonFormatter().format(record))
    assert "RuntimeError: secret internals" in logged["exception"]
    assert 'route="/explode",status="500"' in metrics


async def test_unknown_route_and_method_use_problem_shape(client: httpx.AsyncClient) -> None:
    missing = await client.get("/nope")
    wrong_method = await client.delete("/items")

    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert wrong_method.status_code == 405
    assert wrong_method.json()["title"] == "Method Not Allowed"
