"""Spans of requests and of what they call, their export, and trace ids in log lines."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import CollectorRegistry, generate_latest

from app.config import Settings
from app.logging import configure_logging, stop_logging
from app.settings.tracing import TracingSettings
from app.tracing import (
    CountingExporter,
    CountingSpanProcessor,
    DroppedSpansCollector,
    SpanDrops,
    build_tracer_provider,
    otlp_exporter,
    otlp_headers,
    resource_of,
)
from tests.plugins.tracing import server_spans


async def test_request_span_is_named_by_route_template_not_raw_path(
    client: httpx.AsyncClient, spans: InMemorySpanExporter
) -> None:
    created = await client.post("/items", json={"name": "named", "description": "d"})
    spans.clear()
    await client.get(f"/items/{created.json()['id']}")
    await client.get("/no/such/path")

    named = [(span.name, (span.attributes or {}).get("http.route")) for span in server_spans(spans)]
    assert named == [
        ("GET /items/{item_id}", "/items/{item_id}"),
        ("GET <unmatched>", "<unmatched>"),
    ]


async def test_request_continues_the_callers_trace(
    client: httpx.AsyncClient, spans: InMemorySpanExporter
) -> None:
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    await client.get("/health", headers={"traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"})

    [span] = server_spans(spans)
    assert format(span.context.trace_id, "032x") == trace_id
    assert span.parent is not None
    assert format(span.parent.span_id, "016x") == "00f067aa0ba902b7"


async def test_no_credentials_or_payload_in_span_attributes(
    client: httpx.AsyncClient, spans: InMemorySpanExporter, credentials: dict[str, str]
) -> None:
    await client.post("/items", json={"name": "private-name-7", "description": "secret-text-7"})
    await client.get("/items?limit=5", headers={"Authorization": "Bearer not-a-real-token"})

    values = [
        str(value)
        for span in spans.get_finished_spans()
        for value in (span.attributes or {}).values()
    ]
    secrets = ["private-name-7", "secret-text-7", "not-a-real-token", *credentials.values()]
    assert values
    assert [value for value in values if any(secret in value for secret in secrets)] == []


async def test_log_lines_carry_the_request_spans_ids(
    client: httpx.AsyncClient, spans: InMemorySpanExporter
) -> None:
    stream = io.StringIO()
    configure_logging("INFO", stream=stream)
    await client.get("/items?limit=1", headers={"X-Request-ID": "traced-1"})
    stop_logging()

    [span] = server_spans(spans)
    [line] = [
        json.loads(text)
        for text in stream.getvalue().splitlines()
        if json.loads(text)["logger"] == "app.access"
    ]
    assert line["request_id"] == "traced-1"
    assert line["trace_id"] == format(span.context.trace_id, "032x")
    assert line["span_id"] == format(span.context.span_id, "016x")


def test_resource_names_the_service_version_and_environment(settings: Settings) -> None:
    attributes = resource_of(settings).attributes

    assert attributes["service.name"] == "{{ cookiecutter.service_slug }}"
    assert attributes["service.version"] == "{{ cookiecutter.version }}"
    assert attributes["deployment.environment"] == "test"


def tracing_config(**fields: Any) -> TracingSettings:
    return TracingSettings(_env_file=None, **fields)


@pytest.mark.parametrize(("ratio", "recorded"), [(0.0, False), (1.0, True)])
def test_sample_ratio_decides_new_traces(settings: Settings, ratio: float, recorded: bool) -> None:
    provider = build_tracer_provider(
        settings, tracing_config(trace_sample_ratio=ratio), SpanDrops(), None
    )

    with provider.get_tracer("test").start_as_current_span("work") as span:
        assert span.is_recording() is recorded


def test_no_endpoint_means_no_exporter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", raising=False)

    assert otlp_exporter(tracing_config()) is None
    assert otlp_exporter(tracing_config(otlp_endpoint="")) is None  # compose's empty default


@pytest.mark.parametrize("protocol", ["http/protobuf", "grpc"])
def test_endpoint_setting_or_variable_makes_an_exporter(
    monkeypatch: pytest.MonkeyPatch, protocol: str
) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9")
    from_variable = otlp_exporter(tracing_config(otlp_protocol=protocol))
    from_setting = otlp_exporter(
        tracing_config(otlp_endpoint="http://127.0.0.1:9/", otlp_protocol=protocol)
    )

    assert from_variable is not None
    assert from_setting is not None
    if protocol == "http/protobuf":
        assert from_setting._endpoint == "http://127.0.0.1:9/v1/traces"  # type: ignore[attr-defined]


def test_headers_setting_is_parsed_into_pairs() -> None:
    headers = otlp_headers(tracing_config(otlp_headers="api-key=abc, tenant = t1,"))

    assert headers == {"api-key": "abc", "tenant": "t1"}
    assert otlp_headers(tracing_config()) is None


class _StuckExporter(SpanExporter):
    """A collector that never answers until released, then refuses everything."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.release.wait(timeout=10)
        return SpanExportResult.FAILURE


def test_spans_beyond_a_full_queue_and_failed_exports_are_dropped_and_counted(
    settings: Settings,
) -> None:
    drops = SpanDrops()
    exporter = _StuckExporter()
    processor = CountingSpanProcessor(CountingExporter(exporter, drops), drops, max_queue_size=64)
    provider = TracerProvider()
    provider.add_span_processor(processor)
    tracer = provider.get_tracer("test")

    for _ in range(300):
        tracer.start_span("work").end()
    exporter.release.set()
    processor.force_flush()  # exports what is still queued: each span is dropped once

    registry = CollectorRegistry()
    registry.register(DroppedSpansCollector(drops))
    metrics = generate_latest(registry).decode()
    assert drops.counts["queue_full"] >= 300 - 2 * 64
    assert drops.counts["export_failed"] > 0
    # Each span is lost once; the full-queue check races the export thread by a span or two.
    assert 300 <= drops.counts["queue_full"] + drops.counts["export_failed"] <= 302
    queue_full = float(drops.counts["queue_full"])
    assert 'otel_spans_dropped_total{reason="queue_full"} ' + str(queue_full) in metrics


async def test_dropped_spans_are_in_the_apps_metrics(client: httpx.AsyncClient) -> None:
    metrics = (await client.get("/metrics")).text

    assert 'otel_spans_dropped_total{reason="export_failed"}' in metrics


# What a collector received: each export's path, headers and decoded request.
Received = list[tuple[str, dict[str, str], ExportTraceServiceRequest]]


class _Collector(BaseHTTPRequestHandler):
    """An OTLP/HTTP receiver, as the OpenTelemetry Collector's is."""

    received: Received

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        request = ExportTraceServiceRequest.FromString(body)
        self.received.append((self.path, dict(self.headers), request))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test asserts what arrived."""


@pytest.fixture
def collector() -> Iterator[tuple[str, Received]]:
    received: Received = []
    handler = type("Collector", (_Collector,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", received
    server.shutdown()
    server.server_close()


def test_spans_reach_an_otlp_http_collector_with_the_resource_and_headers(
    settings: Settings,
    collector: tuple[str, Received],
) -> None:
    endpoint, received = collector
    tracing = tracing_config(otlp_endpoint=endpoint, otlp_headers="x-tenant=t1")
    drops = SpanDrops()
    provider = build_tracer_provider(settings, tracing, drops, otlp_exporter(tracing))

    provider.get_tracer("test").start_span("exported").end()
    assert provider.force_flush()
    provider.shutdown()

    [(path, headers, request)] = received
    assert path == "/v1/traces"
    assert headers["x-tenant"] == "t1"
    [resource_spans] = request.resource_spans
    resource = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
    assert resource["service.name"] == "{{ cookiecutter.service_slug }}"
    assert resource["deployment.environment"] == "test"
    assert [s.name for scope in resource_spans.scope_spans for s in scope.spans] == ["exported"]
    assert drops.counts == {"queue_full": 0, "export_failed": 0}
