"""tracing=opentelemetry with cache=redis: a span per Redis command inside a trace, no arguments.

The tests that send commands take `redis_url` (TEST_REDIS_URL; see tests/plugins/cache.py).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from redis.exceptions import ResponseError

from app.cache import create_client
from app.cache_tracing import TracedRedis, operation_of
from app.config import Settings
from tests.plugins.tracing import server_spans


def redis_spans(exporter: InMemorySpanExporter) -> list[ReadableSpan]:
    return [
        span
        for span in exporter.get_finished_spans()
        if span.kind is SpanKind.CLIENT and (span.attributes or {}).get("db.system.name") == "redis"
    ]


@pytest.fixture
async def traced_client(redis_url: str, settings: Settings) -> AsyncIterator[TracedRedis]:
    """The cache's own client on the test Redis, as the app makes it with tracing on."""
    client = create_client(settings, name="tests")
    assert isinstance(client, TracedRedis)
    try:
        yield client
    finally:
        await client.aclose()


def recorded_text(span: ReadableSpan) -> Iterator[str]:
    """Everything a span would export as text: its name, status, attributes and events."""
    yield span.name
    yield span.status.description or ""
    yield from (str(value) for value in (span.attributes or {}).values())
    for event in span.events:
        yield event.name
        yield from (str(value) for value in (event.attributes or {}).values())


def children_of(parent: ReadableSpan, spans: list[ReadableSpan]) -> list[str]:
    return [
        span.name for span in spans if span.parent and span.parent.span_id == parent.context.span_id
    ]


def test_a_span_is_named_by_the_command_never_by_its_arguments() -> None:
    assert operation_of("HMGET") == "HMGET"
    assert operation_of("SCRIPT LOAD") == "SCRIPT LOAD"
    assert operation_of(b"config get") == "CONFIG GET"
    # redis-py sends the words of a raw command string as separate arguments.
    assert operation_of("GET test:item:42") == "GET"
    assert operation_of("OBJECT ENCODING test:item:42") == "OBJECT ENCODING"


async def test_redis_calls_are_children_of_the_request_spans_named_by_command(
    redis_url: str, client: httpx.AsyncClient, spans: InMemorySpanExporter, settings: Settings
) -> None:
    marker = uuid.uuid4().hex
    name, description = f"name-{marker}", f"description-{marker}"
    created = await client.post("/items", json={"name": name, "description": description})
    assert created.status_code == 201, created.text
    spans.clear()

    first = await client.get(f"/items/{created.json()['id']}")
    second = await client.get(f"/items/{created.json()['id']}")

    assert first.json() == second.json() == created.json()
    requests = server_spans(spans)
    assert [span.name for span in requests] == ["GET /items/{item_id}"] * 2
    redis = redis_spans(spans)
    miss, hit = (children_of(request, redis) for request in requests)
    # The miss reads the entry, then fills it with the script (loaded first if Redis lacks it).
    assert miss[0] == "HMGET"
    assert miss[-1] == "EVALSHA"
    assert set(miss) <= {"HMGET", "EVALSHA", "SCRIPT LOAD"}
    assert hit == ["HMGET"]
    assert len(redis) == len(miss) + len(hit), "a Redis span outside the requests"

    where = urlsplit(redis_url)
    for span in redis:
        attributes = span.attributes or {}
        assert attributes["db.operation.name"] == span.name
        assert attributes["server.address"] == where.hostname
        assert attributes["server.port"] == (where.port or 6379)
        assert attributes["db.namespace"] == (where.path.strip("/") or "0")
    # Keys carry the prefix and the item's id, the fill's arguments the item itself.
    leaks = [
        (span.name, text)
        for span in spans.get_finished_spans()
        for text in recorded_text(span)
        if name in text or description in text or settings.cache_key_prefix in text
    ]
    assert leaks == []


async def test_redis_calls_outside_a_trace_make_no_spans(
    traced_client: TracedRedis, spans: InMemorySpanExporter
) -> None:
    assert await traced_client.ping()  # as a call with no request around it
    assert spans.get_finished_spans() == ()

    with trace.get_tracer(__name__).start_as_current_span("outer") as outer:
        assert await traced_client.ping()

    [ping] = redis_spans(spans)
    assert ping.name == "PING"
    assert ping.parent is not None
    assert ping.parent.span_id == outer.get_span_context().span_id


async def test_a_failed_command_records_its_error_type_not_its_message(
    traced_client: TracedRedis, spans: InMemorySpanExporter
) -> None:
    with (
        trace.get_tracer(__name__).start_as_current_span("outer"),
        # Redis quotes the arguments of a command it does not know.
        pytest.raises(ResponseError, match="secret-argument"),
    ):
        await traced_client.execute_command("NOSUCHCOMMAND secret-argument")

    [failed] = redis_spans(spans)
    assert failed.name == "NOSUCHCOMMAND"
    assert failed.status.status_code is StatusCode.ERROR
    assert (failed.attributes or {})["error.type"] == "ResponseError"
    assert not [text for text in recorded_text(failed) if "secret-argument" in text]
