"""OpenTelemetry: one tracer provider per process, spans exported over OTLP in batches.

Requests never wait on the collector: finished spans go to a bounded queue that
a background thread exports; when the queue is full or an export fails, the
spans are dropped and counted (`otel_spans_dropped_total` in /metrics).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator, Sequence

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (
    OTLPSpanExporter as GrpcSpanExporter,
)
from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
    OTLPSpanExporter as HttpSpanExporter,
)
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased
from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import Settings
{%- if cookiecutter.database != "none" %}
from app.database_tracing import trace_database
{%- endif %}
from app.logging import record_stampers
from app.middleware import route_template
from app.settings.tracing import TracingSettings

_ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")

_provider: TracerProvider | None = None
_drops: SpanDrops | None = None


class SpanDrops:
    """Spans lost before reaching the collector, by reason; written by two threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counts = {"queue_full": 0, "export_failed": 0}

    def add(self, reason: str, spans: int = 1) -> None:
        with self._lock:
            self.counts[reason] += spans


class DroppedSpansCollector(Collector):
    def __init__(self, drops: SpanDrops) -> None:
        self._drops = drops

    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily(
            "otel_spans_dropped",
            "Finished spans never exported: the queue was full or the export failed.",
            labels=["reason"],
        )
        for reason, count in self._drops.counts.items():
            family.add_metric([reason], count)
        yield family


class CountingSpanProcessor(BatchSpanProcessor):
    """The SDK's batch processor, counting the spans its full queue pushes out."""

    def __init__(self, exporter: SpanExporter, drops: SpanDrops, max_queue_size: int) -> None:
        super().__init__(
            exporter,
            max_queue_size=max_queue_size,
            max_export_batch_size=min(512, max_queue_size),
        )
        self._drops = drops
        self._max_queue_size = max_queue_size
        # The SDK drops the oldest queued span silently when a new one arrives at a
        # full queue; its own drop metric goes to OpenTelemetry metrics, not Prometheus.
        self._queue = self._batch_processor._queue

    def on_end(self, span: ReadableSpan) -> None:
        if len(self._queue) >= self._max_queue_size:
            self._drops.add("queue_full")
        super().on_end(span)


class CountingExporter(SpanExporter):
    """Counts the spans of each batch the collector did not take."""

    def __init__(self, exporter: SpanExporter, drops: SpanDrops) -> None:
        self._exporter = exporter
        self._drops = drops

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        try:
            result = self._exporter.export(spans)
        except Exception:
            result = SpanExportResult.FAILURE
        if result is not SpanExportResult.SUCCESS:
            self._drops.add("export_failed", len(spans))
        return result

    def shutdown(self) -> None:
        self._exporter.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self._exporter.force_flush(timeout_millis)


def resource_of(settings: Settings) -> Resource:
    # Resource.create adds OTEL_RESOURCE_ATTRIBUTES; these three win over it.
    return Resource.create(
        {
            "service.name": "{{ cookiecutter.service_slug }}",
            "service.version": "{{ cookiecutter.version }}",
            "deployment.environment": settings.environment,
            # The current semantic conventions' name for the same thing.
            "deployment.environment.name": settings.environment,
        }
    )


def otlp_headers(tracing: TracingSettings) -> dict[str, str] | None:
    """`key=value,key2=value2` as a mapping; None leaves OTEL_EXPORTER_OTLP_HEADERS to the SDK."""
    if tracing.otlp_headers is None:
        return None
    pairs = (pair.partition("=") for pair in tracing.otlp_headers.get_secret_value().split(","))
    return {key.strip(): value.strip() for key, _, value in pairs if key.strip()}


def otlp_exporter(tracing: TracingSettings) -> SpanExporter | None:
    """The OTLP exporter for the configured endpoint; None when no endpoint is configured."""
    if tracing.otlp_endpoint is None and not any(os.environ.get(v) for v in _ENDPOINT_VARIABLES):
        return None
    headers = otlp_headers(tracing)
    if tracing.otlp_protocol == "grpc":
        return GrpcSpanExporter(endpoint=tracing.otlp_endpoint, headers=headers)
    endpoint = tracing.otlp_endpoint
    if endpoint is not None:
        # Our setting is the collector's base URL, as OTEL_EXPORTER_OTLP_ENDPOINT is.
        endpoint = endpoint.rstrip("/") + "/v1/traces"
    return HttpSpanExporter(endpoint=endpoint, headers=headers)


def build_tracer_provider(
    settings: Settings,
    tracing: TracingSettings,
    drops: SpanDrops,
    exporter: SpanExporter | None,
) -> TracerProvider:
    provider = TracerProvider(
        resource=resource_of(settings),
        sampler=ParentBased(TraceIdRatioBased(tracing.trace_sample_ratio)),
    )
    if exporter is not None:
        provider.add_span_processor(
            CountingSpanProcessor(
                CountingExporter(exporter, drops), drops, max_queue_size=tracing.span_queue_size
            )
        )
    return provider


def start_tracing(
    settings: Settings, tracing: TracingSettings, registry: CollectorRegistry
) -> TracerProvider | None:
    """The process's tracer provider, made on the first call; None when tracing is off.

    OpenTelemetry's global provider can be set once per process, so later apps
    (tests make one per test) share the first one's exporter and sampler.
    """
    global _provider, _drops  # one provider per process, as OpenTelemetry's global is
    if not tracing.tracing_enabled:
        return None
    if _provider is None or _drops is None:
        _drops = SpanDrops()
        _provider = build_tracer_provider(settings, tracing, _drops, otlp_exporter(tracing))
        trace.set_tracer_provider(_provider)
{%- if cookiecutter.database != "none" %}
        trace_database(_provider)
{%- endif %}
        record_stampers.append(stamp_trace_ids)
        # The SDK warns once per span a full queue drops: a line per span exactly when
        # the service is busiest. The counter says it instead; export errors still log.
        logging.getLogger("opentelemetry.sdk._shared_internal").setLevel(logging.ERROR)
    registry.register(DroppedSpansCollector(_drops))
    return _provider


def stamp_trace_ids(record: logging.LogRecord) -> None:
    """The current span's ids on the record, read in the task that logs it."""
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        record.trace_id = format(context.trace_id, "032x")
        record.span_id = format(context.span_id, "016x")


class _NamedByRoute:
    """Renames the request's span to the matched route when the response starts.

    Routing is done by then, and the instrumentation ends the span with the
    last body message, before the app returns.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_named(message: Message) -> None:
            if message["type"] == "http.response.start":
                span = trace.get_current_span()
                if span.is_recording():
                    route = route_template(scope)
                    span.update_name(f"{scope['method']} {route}")
                    span.set_attribute("http.route", route)
            await send(message)

        await self.app(scope, receive, send_named)


def _method_only(scope: Scope) -> tuple[str, dict[str, str]]:
    # The span is named before routing; the raw path would make every item its own name.
    return str(scope.get("method", "HTTP")), {}


def tracing_middleware(app: ASGIApp, tracer_provider: TracerProvider) -> ASGIApp:
    """A server span per request, named `METHOD /route/{template}`.

    No spans for each receive and send: two per request body and response,
    the most of the instrumentation's cost and no information a trace needs.
    Headers are not recorded (none is asked for), so no Authorization or API key.
    """
    return OpenTelemetryMiddleware(
        _NamedByRoute(app),
        default_span_details=_method_only,
        tracer_provider=tracer_provider,
        exclude_spans=["receive", "send"],
    )
